"""Playwright driving Debian's Chromium with every network request blocked (only file:// is served)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "publish"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pagelog import PageLog

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).is_file() and not shutil.which("chromium"):
        pytest.skip("Debian's chromium is not installed (`make chromium` installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium"),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser):
    """Open a local HTML file with the network blocked: ``page, log = open_page(path)``."""
    contexts = []

    def open_(path: Path, *, width: int = 1200, height: int = 800):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        log = PageLog()

        def route(request_route):
            url = request_route.request.url
            if url.startswith("file://") or url.startswith("data:"):
                request_route.continue_()
            else:
                log.blocked.append(url)
                request_route.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on(
            "console",
            lambda m: log.errors.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None,
        )
        page.on("pageerror", lambda e: log.errors.append(f"pageerror: {e}"))
        page.goto(Path(path).resolve().as_uri())
        page.wait_for_function("() => [...document.querySelectorAll('.dh-map')].every(e => e.dataset.ready)")
        return page, log

    yield open_
    for context in contexts:
        context.close()
