"""Crisis help, care cards, report and contact in a real browser: axe at phone and desktop
widths, tap targets, the card first on a phone, print (issue 19)."""

import pytest

from articles.models import CareCard
from tests.articles.crisis_helpers import uk_and_us_lines
from tests.browser.helpers import BROWSER_TEST, SCREENSHOTS, build_public_site
from tests.browser.test_accessibility import BLOCKING, axe, describe

pytestmark = BROWSER_TEST


@pytest.fixture
def site(transactional_db, django_db_serialized_rollback):
    public = build_public_site()
    uk_and_us_lines()
    for level, heading in [("urgent", "Call 999 if:"), ("soon", "See a GP soon if:")]:
        card = CareCard.objects.create(
            name=level, level=level, heading=heading, points="one point\nanother point"
        )
        card.topics.add(public.topic)
    return {
        "home": "/",
        "topic-index": "/topics/",
        "crisis-search": "/search/?q=I+want+to+die",
        "search-none": "/search/?q=zzzzqq",
        "topic": public.topic.get_absolute_url(),
        "article": public.article.get_absolute_url(),
        "contact": "/contact/",
        "report-general": "/report-a-problem/?page=/topics/",
    }


def test_pages_with_crisis_help_have_no_serious_axe_violations(page, site):
    problems, reported = [], []
    SCREENSHOTS.mkdir(exist_ok=True)
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        for name, url in site.items():
            page.goto(url)
            page.screenshot(path=SCREENSHOTS / f"crisis-{name}-{width}.png", full_page=True)
            violations = axe(page)["violations"]
            reported += describe(violations, f"{name} at {width}px")
            problems += describe(
                [v for v in violations if v["impact"] in BLOCKING], f"{name} at {width}px"
            )
    (SCREENSHOTS / "axe-crisis.txt").write_text("\n".join(reported) + "\n")
    assert not problems, "Serious or critical accessibility problems:\n" + "\n".join(problems)


def test_call_and_text_links_are_large_enough_to_tap_on_a_phone(page, site):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(site["home"])
    links = page.locator(".crisis-card a.crisis-line__call:visible")
    assert links.count() == 3
    for n in range(links.count()):
        box = links.nth(n).bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, links.nth(n).inner_text()


def test_help_is_in_view_first_when_a_phone_searches_i_want_to_die(page, site):
    page.set_viewport_size({"width": 375, "height": 667})
    page.goto("/")
    page.get_by_label("Search for a condition or treatment").fill("I want to die")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/**")
    samaritans = page.get_by_role("link", name="Call Samaritans on 116 123")
    assert samaritans.get_attribute("href") == "tel:116123"
    box = samaritans.bounding_box()
    assert box["y"] + box["height"] <= 667, "the call link is in the first screen"
    page.screenshot(path=SCREENSHOTS / "crisis-search-phone-first-screen.png")


def test_care_cards_and_help_are_printed_in_black_on_white(page, site):
    page.goto(site["topic"])
    page.emulate_media(media="print")
    label = page.locator(".care-card--urgent .care-card__label")
    assert label.is_visible()
    assert label.evaluate("e => getComputedStyle(e).color") == "rgb(0, 0, 0)"
    assert label.inner_text() == "Urgent: get help now"
    assert page.locator(".crisis-card").is_visible()
    page.pdf(path=SCREENSHOTS / "crisis-topic-print.pdf")
