"""Helplines as the demo has them, and reading the "Get help now" card off a page."""

from articles.models import Helpline
from tests.html import parse


def uk_and_us_lines() -> None:
    Helpline.objects.create(
        name="999", phone="999", region="GB", is_emergency=True, description="Life at risk"
    )
    Helpline.objects.create(name="Samaritans", phone="116 123", region="GB", display_order=1)
    Helpline.objects.create(
        name="Shout", text_number="85258", text_keyword="SHOUT", region="GB", display_order=2
    )
    Helpline.objects.create(name="988 Lifeline", phone="988", text_number="988", region="US")


def card(response):
    """The page's "Get help now" card, or None."""
    found = parse(response).select(".crisis-card")
    assert len(found) <= 1, "the card is shown once"
    return found[0] if found else None


def links(response) -> list[str]:
    """The card's tap-to-call and tap-to-text links, in order."""
    return [a.get("href") for a in card(response).select("a.crisis-line__call")]


def position(response, selector: str) -> int:
    """Where the first element matching `selector` comes in the page (reading order)."""
    page = parse(response)
    order = {id(element): n for n, element in enumerate(page.descendants())}
    return order[id(page.select(selector)[0])]
