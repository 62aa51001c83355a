"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Every test here is marked `browser`. Where /usr/bin/chromium is missing they are skipped
with a reason, unless REQUIRE_BROWSER=1 (CI sets it): then they fail, so a CI image
without a browser cannot pass by skipping them.
"""

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.test import override_settings
from playwright.sync_api import sync_playwright
from pytest_django.live_server_helper import LiveServer

from tests.browser.helpers import PublicSite, build_public_site

# Playwright's sync API keeps an asyncio event loop in the test thread. Django then refuses
# ORM calls from that thread (SynchronousOnlyOperation) unless told that this is safe; it
# is, because that loop never runs Django code.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
CSP_MESSAGE = re.compile("Content Security Policy", re.IGNORECASE)


def _missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    return None


def _browser_required() -> bool:
    return os.environ.get("REQUIRE_BROWSER", "").strip() == "1"


def pytest_collection_modifyitems(config, items):
    reason = _missing()
    if reason is None or _browser_required():
        return  # with REQUIRE_BROWSER=1 the `browser` fixture fails each test instead
    skip = pytest.mark.skip(reason=f"needs a browser: {reason}; REQUIRE_BROWSER=1 makes it fail")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    reason = _missing()
    if reason is not None:
        if _browser_required():
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, built while HTTPS redirects are off.

    SecurityMiddleware reads SECURE_SSL_REDIRECT once, when the server thread builds its
    handler: the per-test `settings` override in tests/conftest.py comes too late for it,
    and every page would redirect to an https:// address the server cannot answer.
    """
    addr = request.config.getvalue("liveserver") or os.getenv(
        "DJANGO_LIVE_TEST_SERVER_ADDRESS", "localhost"
    )
    with override_settings(SECURE_SSL_REDIRECT=False):
        server = LiveServer(addr)
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _cookies_over_plain_http(settings):
    # Production cookies are Secure (sent over HTTPS only), but the live server speaks
    # plain http://localhost: with Secure cookies, signing in and every CSRF-protected POST
    # could fail. (tests/conftest.py already turns the HTTPS redirect off.)
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@dataclass
class Console:
    """Every console message of every page a test opened."""

    messages: list[str] = field(default_factory=list)

    def record(self, message) -> None:
        self.messages.append(f"[{message.type}] {message.text} ({message.location.get('url')})")

    def csp_violations(self) -> list[str]:
        return [m for m in self.messages if CSP_MESSAGE.search(m)]


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def new_context(browser, live_server, console) -> Iterator[Callable]:
    """Makes fresh browser contexts: separate cookie jars, one per person."""
    contexts = []

    def make(**options):
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.on("console", console.record)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        # A closing page may still send something (the writing desk keeps unsaved text with
        # a beacon as the tab goes): it must not reach the server while the test database
        # is emptied after the test, which would then fail to flush.
        context.route("**/*", lambda route: route.abort())
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()


@pytest.fixture
def public_site(transactional_db, django_db_serialized_rollback) -> PublicSite:
    # Serialized rollback puts back what the data migrations made (the role groups) after
    # the flush that ends a transactional test; without it later tests lose their roles.
    return build_public_site()
