"""Full-page screenshots of every public page on a phone and a desktop, for people to look at.

Written to screenshots/<page>-<width>.png at the repository root (git-ignored).
"""

from tests.browser.helpers import BROWSER_TEST, PUBLIC_PAGES, SCREENSHOTS

pytestmark = BROWSER_TEST

WIDTHS = (375, 1280)


def test_every_public_page_is_photographed_at_phone_and_desktop_widths(page, public_site):
    SCREENSHOTS.mkdir(exist_ok=True)
    written = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        for name in PUBLIC_PAGES:
            page.goto(public_site.pages[name])
            path = SCREENSHOTS / f"{name}-{width}.png"
            page.screenshot(path=path, full_page=True, animations="disabled")
            written.append(path)
    assert all(path.stat().st_size > 1000 for path in written)
