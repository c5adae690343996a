"""Serve the built book on localhost and drive Debian's Chromium with Playwright."""

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def book_dir(pytestconfig):
    folder = Path(pytestconfig.getoption("--book-dir")).resolve()
    if not (folder / "index.html").is_file():
        pytest.fail(f"No built book in {folder}: run `make book` first.")
    return folder


@pytest.fixture(scope="session")
def site(book_dir):
    """Base URL of the book served over HTTP on a free localhost port."""
    handler = functools.partial(QuietHandler, directory=str(book_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("TABGEN_CHROMIUM", "/usr/bin/chromium")
    if not shutil.which(executable):
        pytest.fail(
            f"Chromium not found at {executable}: install Debian's 'chromium' package "
            "or set TABGEN_CHROMIUM to a Chrome/Chromium binary."
        )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
