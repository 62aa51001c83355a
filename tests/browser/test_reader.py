"""Issue 19, the reader side in a real browser: linked terms on touch and keyboard, tables
on phones, 200 % text, the breadcrumb of the topic the reader came from."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import BROWSER_TEST, SCREENSHOTS

pytestmark = BROWSER_TEST

PHONE = {"width": 375, "height": 740}
WIDTHS = [320, 375, 1280]
OVERFLOW = "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"


@pytest.fixture
def phone(new_context):
    return new_context(viewport=PHONE, has_touch=True, is_mobile=True).new_page()


def first_term(page):
    term = page.locator(".prose span.term").first
    return term, term.locator("a.term__link"), term.locator(".term__def")


def test_tap_on_a_term_shows_its_definition_and_stays_on_the_page(phone, public_site):
    phone.goto(public_site.pages["article"])
    term, link, definition = first_term(phone)
    expect(definition).to_be_hidden()

    link.tap()

    expect(definition).to_be_visible()
    expect(phone).to_have_url(f"{phone.url.split('/articles/')[0]}{public_site.pages['article']}")
    more = definition.locator("a.term__more")
    expect(more).to_have_text(f"More about {link.inner_text().strip()}")
    expect(more).to_have_attribute("href", link.get_attribute("href"))
    SCREENSHOTS.mkdir(exist_ok=True)
    phone.screenshot(path=SCREENSHOTS / "term-tapped-375.png")


def test_second_tap_on_a_term_goes_to_its_topic(phone, public_site):
    phone.goto(public_site.pages["article"])
    _term, link, _definition = first_term(phone)
    href = link.get_attribute("href")

    link.tap()
    link.tap()

    phone.wait_for_url(f"**{href}")


def test_more_about_link_goes_to_the_topic(phone, public_site):
    phone.goto(public_site.pages["article"])
    _term, link, definition = first_term(phone)
    href = link.get_attribute("href")

    link.tap()
    definition.locator("a.term__more").tap()

    phone.wait_for_url(f"**{href}")


def test_escape_closes_a_tapped_definition(phone, public_site):
    phone.goto(public_site.pages["article"])
    _term, link, definition = first_term(phone)
    link.tap()
    expect(definition).to_be_visible()

    phone.keyboard.press("Escape")

    expect(definition).to_be_hidden()


def test_tap_outside_closes_a_tapped_definition(phone, public_site):
    phone.goto(public_site.pages["article"])
    _term, link, definition = first_term(phone)
    link.tap()
    expect(definition).to_be_visible()

    phone.locator("h1").tap()

    expect(definition).to_be_hidden()


def test_escape_hides_a_definition_shown_by_keyboard_focus(page, public_site):
    page.goto(public_site.pages["article"])
    _term, link, definition = first_term(page)
    link.focus()
    expect(definition).to_be_visible()

    page.keyboard.press("Escape")

    expect(definition).to_be_hidden()
    expect(link).to_be_focused()


def test_escape_hides_a_definition_shown_by_hover(page, public_site):
    page.goto(public_site.pages["article"])
    _term, link, definition = first_term(page)
    link.hover()
    expect(definition).to_be_visible()

    page.keyboard.press("Escape")

    expect(definition).to_be_hidden()


@pytest.mark.parametrize("width", WIDTHS)
def test_open_definition_covers_none_of_the_text(new_context, public_site, width):
    page = new_context(viewport={"width": width, "height": 800}, has_touch=True).new_page()
    page.goto(public_site.pages["article"])
    for term in page.locator(".prose span.term").all():
        term.locator("a.term__link").tap()
        box = term.locator(".term__def").bounding_box()
        # Every other piece of text in the article's body, as the boxes of its lines.
        covered = page.evaluate(
            """([x, y, w, h]) => {
                const hits = [];
                const walker = document.createTreeWalker(
                    document.querySelector('.prose'), NodeFilter.SHOW_TEXT);
                while (walker.nextNode()) {
                    const node = walker.currentNode;
                    if (!node.textContent.trim() || node.parentElement.closest('.term__def'))
                        continue;
                    const range = document.createRange();
                    range.selectNodeContents(node);
                    for (const r of range.getClientRects()) {
                        if (r.right > x + 1 && r.left < x + w - 1 &&
                            r.bottom > y + 1 && r.top < y + h - 1)
                            hits.push(node.textContent.trim().slice(0, 40));
                    }
                }
                return hits;
            }""",
            [box["x"], box["y"], box["width"], box["height"]],
        )
        assert not covered, f"An open definition covers: {covered}"
        fits = term.locator(".term__def").evaluate(
            "(d) => d.scrollWidth <= d.clientWidth && d.getBoundingClientRect().right"
            " <= document.documentElement.clientWidth"
        )
        assert fits, f"A definition runs out of its box at {width}px"
        page.keyboard.press("Escape")


@pytest.mark.parametrize("width", [320, 375])
def test_table_cells_are_not_cut_on_a_phone(new_context, public_site, width):
    page = new_context(viewport={"width": width, "height": 800}).new_page()
    page.goto(public_site.pages["article"])
    table = page.locator(".prose table")

    clipped = table.evaluate(
        """(table) => {
            const edge = table.getBoundingClientRect().right;
            return [...table.querySelectorAll('td, th')]
                // The stacked table's heading row is hidden: each cell shows its heading.
                .filter((cell) => cell.closest('thead') === null
                    || cell.closest('thead').getBoundingClientRect().width > 1)
                .filter((cell) => cell.scrollWidth > cell.clientWidth + 1
                    || cell.getBoundingClientRect().right > edge + 1
                    || cell.getBoundingClientRect().right > window.innerWidth)
                .map((cell) => cell.textContent.trim());
        }"""
    )
    assert not clipped, f"Cells cut off at {width}px: {clipped}"
    # Stacked: each cell says which column it is from.
    label = table.locator("td").nth(1).evaluate("(td) => getComputedStyle(td, '::before').content")
    assert label == '"How"'
    table.screenshot(path=SCREENSHOTS / f"table-{width}.png")


def test_wide_two_column_table_shows_a_shadow_where_it_scrolls(new_context, public_site):
    page = new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.goto(public_site.pages["article"])

    images = page.locator(".prose table").evaluate(
        "(table) => getComputedStyle(table).backgroundImage"
    )

    assert images.count("radial-gradient") == 2  # the cue at each edge


@pytest.mark.parametrize("width", [320, 375, 1280])
@pytest.mark.parametrize("name", ["home", "topic", "article", "search", "topic-index"])
def test_page_works_at_200_percent_text(new_context, public_site, width, name):
    page = new_context(viewport={"width": width, "height": 800}).new_page()
    page.goto(public_site.pages[name])
    page.evaluate("document.documentElement.style.fontSize = '200%'")

    scroll_width, client_width = page.evaluate(OVERFLOW)
    assert scroll_width <= client_width, f"{name} scrolls sideways at {width}px, 200 % text"
    # The headline is not clipped: it is as wide as its words need, within the window.
    h1 = page.locator("h1").first.evaluate("(h) => [h.scrollWidth, h.clientWidth]")
    assert h1[0] <= h1[1]
    # The skip link stays out of sight above the page until it takes focus.
    skip = page.locator(".skip-link")
    assert skip.bounding_box()["y"] + skip.bounding_box()["height"] <= 0
    skip.focus()
    assert skip.bounding_box()["y"] >= 0
    page.evaluate("document.activeElement.blur()")
    search = page.locator("input[type=search]").first
    if search.count():
        # Room for a word of about ten letters at the size it is typed in.
        fits = search.evaluate(
            "(input) => input.clientWidth >= 7 * parseFloat(getComputedStyle(input).fontSize)"
        )
        assert fits, f"The search box on {name} is too narrow at {width}px, 200 % text"
    if width in (320, 1280) and name in ("home", "article"):
        page.screenshot(path=SCREENSHOTS / f"text-200-{name}-{width}.png")


def test_breadcrumb_names_the_topic_the_reader_came_from(page, public_site):
    # Not the first of the article's topics A to Z (Esketamine), which the page names alone.
    topic = public_site.topic
    page.goto(topic.get_absolute_url())

    page.get_by_role("link", name=public_site.article.title).first.click()

    crumb = page.locator(".breadcrumbs [data-crumb-topic]")
    expect(crumb).to_have_text("Ketamine for depression")
    expect(crumb).to_have_attribute("href", topic.get_absolute_url())


def test_breadcrumb_names_the_first_topic_when_the_reader_came_from_elsewhere(page, public_site):
    page.goto("/")

    page.get_by_role("link", name=public_site.article.title).first.click()

    expect(page.locator(".breadcrumbs [data-crumb-topic]")).to_have_text("Esketamine")
