"""The "Get help now" card ({% crisis_card %}) and care cards ({% care_cards %})."""

from django import template

from ..crisis_help import crisis_card as read_card

register = template.Library()


@register.inclusion_tag("includes/crisis_card.html")
def crisis_card(*, first: bool = False) -> dict:
    """The card; `first` when it comes before everything else on the page (a crisis search),
    which gives it the page's second heading level and a stronger look."""
    return {"card": read_card(), "first": first}
