"""Browser tests: Debian's Chromium driven by Playwright against a live server that shares the
test's database transaction, so each test's data is rolled back like any other test (no flush of
the whole geography of France between tests).

The browser is offline: every request that does not go to the loopback server is aborted (map
tiles included), which is also how the maps' "no tiles" fallback is exercised.
"""

import gzip
import os
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import WSGIServer
from django.db import close_old_connections, connections
from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler, _MediaFilesHandler, _StaticFilesHandler

CHROMIUM = os.environ.get("ANNUAIRE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
AXE = Path(__file__).with_name("axe.min.js")
# Bodies the server sends compressed (whitenoise / GZipMiddleware); fonts and images are sent as they are.
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/geo+json", "image/svg+xml")


class TimeoutRequestHandler(QuietWSGIRequestHandler):
    """A kept-alive browser connection that stays silent is dropped after a few seconds: the server
    handles one request at a time, and an idle socket (a failed test's page) would otherwise block the
    fixture's shutdown forever."""

    timeout = 5

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except TimeoutError:
            self.close_connection = True


class SharedConnectionServer(LiveServerThread):
    """A one-request-at-a-time server whose thread uses the test's own database connection."""

    def __init__(self, connection):
        super().__init__("127.0.0.1", _StaticFilesHandler)
        self.shared = connection

    def run(self):
        connections["default"] = self.shared
        try:
            self.httpd = WSGIServer((self.host, 0), TimeoutRequestHandler, allow_reuse_address=False)
            self.port = self.httpd.server_address[1]
            self.httpd.set_app(self.static_handler(_MediaFilesHandler(WSGIHandler())))
            self.is_ready.set()
            self.httpd.serve_forever()
        except Exception as exc:  # reported to the test by start()
            self.error = exc
            self.is_ready.set()


@pytest.fixture
def web_server(db):
    """The site on http://127.0.0.1:<port>, seeing the test's uncommitted data."""
    from django.core.signals import request_finished, request_started
    from django.test.utils import override_settings

    connection = connections["default"]  # the wrapper itself, not the thread-local proxy
    # Static files from the sources (the finders), not the collected fingerprinted copies, which may be
    # older than the code under test; tests/test_web_weight.py measures the collected ones through gunicorn.
    sources = override_settings(STORAGES={
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}})
    sources.enable()

    request_started.disconnect(close_old_connections)  # would close the shared connection mid-test
    request_finished.disconnect(close_old_connections)
    connection.inc_thread_sharing()
    server = SharedConnectionServer(connection)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
        server.join(5)
        connection.dec_thread_sharing()
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        sources.disable()


_SHARED = {"users": 0}


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole session, shared by every module that imports this fixture.

    A module that imports the fixture gets its own registration of it, hence its own session-scoped
    instance; two Playwright sync instances cannot live in one thread, so they share one, counted."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop in this thread; Django then refuses sync ORM calls
    # (even the test database's teardown at the end of the session) unless told it is safe here.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not _SHARED["users"]:
        _SHARED["playwright"] = sync_playwright().start()
        _SHARED["browser"] = _SHARED["playwright"].chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    _SHARED["users"] += 1
    database = connections["default"]
    try:
        yield _SHARED["browser"]
    finally:
        _SHARED["users"] -= 1
        if not _SHARED["users"]:
            _SHARED.pop("browser").close()
            _SHARED.pop("playwright").stop()
            # Stopping Playwright leaves this thread in another context, where Django sees another
            # connection object: close the one opened before, or the test database cannot be dropped.
            if connections["default"] is not database:
                database.close()


class Network:
    """What the page downloaded (loopback only) and what it tried to fetch elsewhere (blocked)."""

    def __init__(self):
        self.blocked: list[str] = []
        self.responses = []

    def weight(self) -> dict[str, int]:
        """Bytes per kind as sent on the wire: compressible bodies gzipped, the rest as they are."""
        totals: dict[str, int] = {}
        for response in self.responses:
            try:
                body = response.body()
            except Exception:  # redirects have no body
                continue
            ctype = response.headers.get("content-type", "")
            size = len(gzip.compress(body, 9)) if ctype.startswith(COMPRESSIBLE) else len(body)
            kind = _kind(ctype, response.url)
            totals[kind] = totals.get(kind, 0) + size
        totals["total"] = sum(totals.values())
        return totals


def _kind(ctype: str, url: str) -> str:
    if "html" in ctype:
        return "html"
    if "css" in ctype:
        return "css"
    if "javascript" in ctype:
        return "js"
    if "font" in ctype or url.endswith((".woff2", ".woff")):
        return "fonts"
    if "svg" in ctype or "image" in ctype:
        return "images"
    return "other"


def new_page(browser, *, width=1280, height=900, javascript=True, locale="fr-FR", **context_options):
    """A fresh context (no cookies) whose non-loopback requests are aborted."""
    context = browser.new_context(viewport={"width": width, "height": height}, java_script_enabled=javascript,
                                  locale=locale, device_scale_factor=1, **context_options)
    network = Network()

    def route(route):
        host = urlparse(route.request.url).hostname or ""
        if host in {"127.0.0.1", "localhost", "::1"}:
            return route.continue_()
        network.blocked.append(route.request.url)
        return route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("response", lambda response: network.responses.append(response))
    page.network = network
    return page


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    maps = page.locator("[data-map]")
    if maps.count() and page.evaluate("!!window.IntersectionObserver") and maps.first.is_visible():
        maps.first.scroll_into_view_if_needed()  # maps load when seen; show them in the picture
        page.wait_for_selector("[data-map][data-ready=true]")
        page.wait_for_timeout(300)
        page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core (WCAG 2.x A/AA rules) in the page; the violations of the given impacts."""
    # Evaluated through the DevTools protocol, not as an inline <script>: the pages' Content-Security-Policy
    # (script-src 'self') rightly refuses inline scripts.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a',
                                                    'wcag21aa', 'best-practice']}});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [v for v in result if v["impact"] in impacts]
