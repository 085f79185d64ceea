"""PDF rendering of issued documents (DOCUMENTS.md) in a pool of worker processes.

WeasyPrint is CPU-bound and holds the GIL for most of a render; run in the web process (inline or in threads)
it stalled other requests and grew the server to ~1 GB RSS (STACK.md, "Traps"). So renders run in a small
process pool: a child builds its own Jinja2 environment over ``portal/templates`` and returns PDF bytes; only
plain picklable data (dicts, lists, str, int, Decimal, None) crosses the process boundary.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import multiprocessing
import threading
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import jinja2

from portal.documents.qr import qr_svg_data_uri

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

# Fonts and Pango's font map are loaded on the first render in a process; a page touching both faces used by
# the documents (regular and bold serif) pays that cost at start-up instead of on an applicant's request.
_WARM_UP_HTML = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
@page { size: A4; margin: 18mm; }
body { font-family: "Noto Serif CJK SC", "Noto Sans CJK SC"; }
</style></head><body><h1 style="font-weight: bold">工伤保险待遇核定单</h1>
<p>预热：壹万贰仟叁佰肆拾伍元陆角柒分 12,345.67</p></body></html>"""

_environment: jinja2.Environment | None = None


def _jinja_environment() -> jinja2.Environment:
    """The per-process Jinja2 environment (built once per worker; never shared across processes)."""
    global _environment
    if _environment is None:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
            # Every value in a document comes from applicants or staff: escape all of it.
            autoescape=True,
            # A missing key must fail the render, not print an official document with a blank field.
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        # The QR code is derived in the template from verify_url, so callers pass plain data only.
        env.filters["qr_data_uri"] = qr_svg_data_uri
        _environment = env
    return _environment


def render_html(template_name: str, context: dict[str, Any]) -> str:
    """Render a document template to HTML (the input WeasyPrint gets); for debugging and tests."""
    return _jinja_environment().get_template(template_name).render(**context)


def _url_fetcher():
    # Documents embed everything they need (fonts are system fonts, the QR is a data: URI). Refusing other
    # schemes means a value slipped into a template can never make the renderer reach the network, and
    # fail_on_errors makes a broken embedded image fail the render instead of issuing a form without its QR.
    from weasyprint import URLFetcher

    return URLFetcher(allowed_protocols={"data", "file"}, fail_on_errors=True)


def _html_to_pdf(html: str) -> bytes:
    # Imported here: the parent process never needs WeasyPrint (and its Pango/HarfBuzz libraries) loaded.
    from weasyprint import HTML

    return HTML(string=html, base_url=str(TEMPLATES_DIR) + "/", url_fetcher=_url_fetcher()).write_pdf()


def render_pdf_sync(template_name: str, context: dict[str, Any]) -> bytes:
    """Render a document template straight to PDF bytes in the calling process (what a pool worker runs)."""
    return _html_to_pdf(render_html(template_name, context))


def _ignore_interrupts() -> None:
    """Ctrl-C reaches every process of the terminal's group: the parent shuts the pool down in order, so
    the workers must not die mid-render with a traceback of their own."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _warm_up() -> int:
    _jinja_environment()
    return len(_html_to_pdf(_WARM_UP_HTML))


class DocumentRenderer:
    """Owns the process pool that renders documents; one per application, started in its lifespan.

    ``render`` blocks (for scripts, workers and tests); ``render_async`` is what request handlers await.

    Workers are recycled after about ``max_tasks_per_child`` renders each, to return the memory WeasyPrint's
    caches and heap fragmentation keep. This is done here, by retiring the whole pool, and **not** with
    ``ProcessPoolExecutor(max_tasks_per_child=...)``: on Python 3.11 (our runtime) that option deadlocks as
    soon as a worker reaches its limit while other renders are queued (CPython gh-115634, fixed only in later
    releases) — reproduced here with one worker, a limit of 3 and 4 queued tasks.
    """

    def __init__(self, max_workers: int = 1, max_tasks_per_child: int = 50) -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        if max_tasks_per_child < 1:
            raise ValueError("max_tasks_per_child must be at least 1")
        self.max_workers = max_workers
        self.max_tasks_per_child = max_tasks_per_child
        self._executor: concurrent.futures.ProcessPoolExecutor | None = None
        self._submitted = 0  # renders sent to the current pool
        self._warm_ups: list[concurrent.futures.Future[int]] = []
        self._retiring: list[threading.Thread] = []  # pools finishing their queued renders before exiting
        self._lock = threading.Lock()

    @property
    def started(self) -> bool:
        return self._executor is not None

    def _new_executor(self) -> concurrent.futures.ProcessPoolExecutor:
        executor = concurrent.futures.ProcessPoolExecutor(
            max_workers=self.max_workers,
            # spawn, not fork: forking a process that runs an event loop and threads (the web server)
            # copies locks held by other threads into the child.
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_ignore_interrupts,
        )
        # With spawn the pool starts workers on demand: max_workers tasks submitted at once start all of
        # them, and each loads WeasyPrint and the fonts before the first real document.
        self._warm_ups = [executor.submit(_warm_up) for _ in range(self.max_workers)]
        self._submitted = 0
        return executor

    def start(self) -> None:
        """Create the pool and warm every worker (imports, fonts) so the first real render is fast."""
        with self._lock:
            if self._executor is not None:
                return
            executor = self._new_executor()
            try:
                for future in self._warm_ups:
                    future.result()
            except BaseException:
                executor.shutdown(wait=True, cancel_futures=True)
                raise
            self._executor = executor

    def close(self) -> None:
        """Stop the pool; renders still queued on it are cancelled. ``start()`` may be called again afterwards."""
        with self._lock:
            executor, self._executor = self._executor, None
            retiring, self._retiring = self._retiring, []
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
        for thread in retiring:
            thread.join()

    def _replace_executor(self, *, broken: bool) -> None:
        # Caller holds the lock. A retired pool finishes the renders already queued on it, then its workers
        # exit (a thread waits for that, so they are reaped); a broken one (a worker was killed, e.g. for
        # memory) refuses all work, so there is nothing to wait for.
        assert self._executor is not None
        old = self._executor
        if broken:
            old.shutdown(wait=False, cancel_futures=True)
        else:
            thread = threading.Thread(target=old.shutdown, name="document-pool-retire", daemon=True)
            thread.start()
            self._retiring = [t for t in self._retiring if t.is_alive()] + [thread]
        self._executor = self._new_executor()

    def _submit(self, template_name: str, context: dict[str, Any]) -> concurrent.futures.Future[bytes]:
        with self._lock:
            if self._executor is None:
                raise RuntimeError("DocumentRenderer is not started: call start() (in the app lifespan) first")
            if self._submitted >= self.max_tasks_per_child * self.max_workers:
                self._replace_executor(broken=False)
            try:
                future = self._executor.submit(render_pdf_sync, template_name, context)
            except BrokenProcessPool:
                # Replace the pool rather than failing every later document until the server restarts.
                self._replace_executor(broken=True)
                future = self._executor.submit(render_pdf_sync, template_name, context)
            self._submitted += 1
            return future

    def render(self, template_name: str, context: dict[str, Any]) -> bytes:
        """Render ``template_name`` with ``context`` to PDF bytes, blocking until done."""
        return self._submit(template_name, context).result()

    async def render_async(self, template_name: str, context: dict[str, Any]) -> bytes:
        """Render without blocking the event loop; the work runs in the pool."""
        return await asyncio.wrap_future(self._submit(template_name, context))

    def render_html(self, template_name: str, context: dict[str, Any]) -> str:
        """The HTML a document is rendered from, rendered in this process (debugging and tests)."""
        return render_html(template_name, context)

    def __enter__(self) -> DocumentRenderer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

