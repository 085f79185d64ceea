"""Browser fixtures: the real app served by uvicorn on 127.0.0.1 and Debian's Chromium driven through the
Playwright SYNC API (STACK.md; never `playwright install`).

The app is built exactly like tests/conftest.py's `app` fixture (same DB, seed, S3 store and PDF renderer),
except that public_base_url is the live server's URL, so QR links on issued documents point at it.
Playwright's sync API runs its own event loop in the test thread, so uvicorn gets a thread of its own.
"""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def live_server(settings, seeded, object_store, renderer) -> Iterator[str]:
    """The portal on a free 127.0.0.1 port; yields its base URL. The socket is bound here and handed to
    uvicorn, so no other process can take the port between choosing it and serving on it."""
    import uvicorn

    from portal.app import create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    app = create_app(dataclasses.replace(settings, public_base_url=base_url), store=object_store,
                     renderer=renderer)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    failure: list[BaseException] = []

    def serve() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # reported to the test thread below, not lost in this one
            failure.append(exc)

    thread = threading.Thread(target=serve, name="uvicorn-live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while True:
        if failure:
            pytest.fail(f"live server did not start: {failure[0]!r}", pytrace=False)
        try:
            with urllib.request.urlopen(f"{base_url}/login", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail("live server did not answer within 30 s", pytrace=False)
        time.sleep(0.1)
    try:
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
        assert not failure, f"live server failed: {failure[0]!r}"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


class Console:
    """Console errors (CSP violations are reported there by Chromium) and uncaught page errors."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def watch(self, page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

    def _console(self, message) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        # Chromium asks for /favicon.ico by itself; the portal has none, and that 404 is no fault of a page
        if url.endswith("/favicon.ico"):
            return
        self.errors.append(f"console: {message.text} ({url})")


@pytest.fixture
def console() -> Console:
    return Console()


def _new_page(browser, live_server, console: Console, viewport: dict):
    context = browser.new_context(base_url=live_server, viewport=viewport, locale="zh-CN",
                                  accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    console.watch(page)
    return context, page


@pytest.fixture
def page(browser, live_server, console):
    """A desktop-sized page in a fresh context (no cookies); at the end no console error may remain."""
    context, p = _new_page(browser, live_server, console, DESKTOP)
    yield p
    context.close()
    assert console.errors == [], console.errors


@pytest.fixture
def phone_page(browser, live_server, console):
    """A phone-sized page (390×844) in a fresh context."""
    context, p = _new_page(browser, live_server, console, PHONE)
    yield p
    context.close()
    assert console.errors == [], console.errors
