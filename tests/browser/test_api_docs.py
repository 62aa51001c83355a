"""The API's docs page works in a real browser under the site's CSP, and everything it
loads comes from the site itself (Swagger UI from our static files, not a CDN)."""

from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests.browser.helpers import BROWSER_TEST

pytestmark = BROWSER_TEST


def test_api_docs_render_from_our_own_files(page, console, live_server, transactional_db):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    response = page.goto("/api/v1/docs")
    assert "script-src 'self'" in response.headers.get("content-security-policy", "")
    # Swagger UI has read the schema and lists the operations.
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/topics").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    ours = urlsplit(live_server.url).netloc
    elsewhere = [url for url in requested if urlsplit(url).netloc not in (ours, "")]
    assert not elsewhere, elsewhere
    assert any(url.endswith("/api/v1/openapi.json") for url in requested)
    assert not console.csp_violations(), "\n".join(console.csp_violations())
