"""An article printed (or saved as PDF) shows the article, not the website around it."""

import shutil
import subprocess

from playwright.sync_api import expect

from tests.browser.helpers import BROWSER_TEST, SCREENSHOTS

pytestmark = BROWSER_TEST

HIDDEN_IN_PRINT = {
    "site header": ".site-header",
    "search form": "form[role=search]",
    "breadcrumbs": ".breadcrumbs",
    "footer links": ".site-footer nav",
}


def test_printed_article_hides_site_navigation(page, public_site):
    page.goto(public_site.pages["article"])
    for selector in HIDDEN_IN_PRINT.values():
        expect(page.locator(selector).first).to_be_visible()
    page.emulate_media(media="print")
    for name, selector in HIDDEN_IN_PRINT.items():
        assert page.locator(selector).first.is_hidden(), f"the {name} is printed"
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator(".site-footer .disclaimer")).to_be_visible()


def test_printed_article_shows_the_address_of_each_source_link(page, public_site):
    page.goto(public_site.pages["article"])
    page.emulate_media(media="print")
    links = page.locator(".sources a[href^='http']")
    assert links.count() >= 2
    for link in links.all():
        after = link.evaluate("(el) => getComputedStyle(el, '::after').content")
        assert link.get_attribute("href") in after, f"{link.inner_text()}: {after}"


def test_article_prints_to_pdf(page, public_site):
    """Writes screenshots/article-print.pdf, and PNGs of its pages where poppler is installed."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.goto(public_site.pages["article"])
    page.emulate_media(media="print")
    pdf = SCREENSHOTS / "article-print.pdf"
    pdf.write_bytes(page.pdf(format="A4", margin={"top": "15mm", "bottom": "15mm"}))
    assert pdf.read_bytes().startswith(b"%PDF")
    if pdftoppm := shutil.which("pdftoppm"):
        for old in SCREENSHOTS.glob("article-print-*.png"):
            old.unlink()
        subprocess.run(  # noqa: S603 - fixed arguments, our own file
            [pdftoppm, "-png", "-r", "60", str(pdf), str(SCREENSHOTS / "article-print")],
            check=True,
            timeout=30,
        )
        assert list(SCREENSHOTS.glob("article-print-*.png"))
