"""The SeaweedFS launcher: loopback only, its own ports, stable credentials, data kept across restarts."""

from __future__ import annotations

import json
import os
import socket
import stat
from pathlib import Path

import pytest

from storage.server import PORT_FLAGS, LocalS3Server, LocalS3ServerError
from storage.store import DOCUMENTS, ObjectStore


def _listening(pid: int) -> set[tuple[str, int]]:
    """(address hex, port) of the TCP sockets process `pid` listens on, read from /proc."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in inodes:  # 0A = LISTEN
                address, port = local.rsplit(":", 1)
                found.add((address, int(port, 16)))
    return found


def test_session_server_listens_on_loopback_only_and_on_its_own_ports(s3_server: LocalS3Server) -> None:
    assert s3_server.running
    assert s3_server.endpoint.startswith("127.0.0.1:")
    listening = _listening(s3_server.pid)
    assert listening, "weed listens on nothing?"
    assert {address for address, _ in listening} == {"0100007F"}  # 127.0.0.1, no IPv6, no 0.0.0.0
    ports = json.loads((s3_server.data_dir / "ports.json").read_text())
    assert set(ports) == set(PORT_FLAGS)
    # Every port weed opened is one we chose, so no default port (8333, 9333, ...) can clash.
    assert {port for _, port in listening} <= set(ports.values())
    assert s3_server.port == ports["s3.port"]


def test_restart_keeps_data_and_credentials(tmp_path: Path, s3_server: LocalS3Server) -> None:
    data_dir = tmp_path / "s3"
    with LocalS3Server(data_dir) as server:
        # Runs next to the session server: the two must not share a port.
        assert not set(json.loads((data_dir / "ports.json").read_text()).values()) & set(
            json.loads((s3_server.data_dir / "ports.json").read_text()).values()
        )
        keys = (server.access_key, server.secret_key)
        with ObjectStore(server.endpoint, *keys, bucket_prefix="restart") as store:
            store.ensure_buckets()
            stored = store.put_bytes(DOCUMENTS, "重启后仍在".encode(), "text/plain")
        with pytest.raises(LocalS3ServerError, match="already running"):
            LocalS3Server(data_dir).start()  # a second weed on the same data is refused clearly

    assert not server.running
    credentials = data_dir / "s3.json"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600

    again = LocalS3Server(data_dir)
    with again:
        assert (again.access_key, again.secret_key) == keys
        assert len(again.access_key) >= 16 and len(again.secret_key) >= 32
        with ObjectStore(again.endpoint, *keys, bucket_prefix="restart") as store:
            store.ensure_buckets()
            assert store.read(DOCUMENTS, stored.key) == "重启后仍在".encode()
            assert store.verify(DOCUMENTS, stored.key, stored.sha256)


def test_credentials_are_random_per_data_dir(tmp_path: Path, s3_server: LocalS3Server) -> None:
    other = LocalS3Server(tmp_path / "other")  # credentials exist before start, for configuration
    assert other.access_key != s3_server.access_key
    assert other.secret_key != s3_server.secret_key
    assert stat.S_IMODE((tmp_path / "other" / "s3.json").stat().st_mode) == 0o600


def test_failed_start_reports_the_log(tmp_path: Path) -> None:
    # Occupy a port and ask for it as the S3 port: weed cannot bind and must be reported, not waited on.
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        server = LocalS3Server(tmp_path / "busy", port=port, startup_timeout=15)
        with pytest.raises(LocalS3ServerError) as info:
            server.start()
    message = str(info.value)
    assert "weed.out.log" in message  # the log tail is part of the message
    assert not server.running


def test_endpoint_before_start_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(LocalS3ServerError, match="not been started"):
        _ = LocalS3Server(tmp_path / "x").endpoint
