"""What pages show of crisis help and care: the "Get help now" card's helplines (the
region's own first, then other countries'), and the care cards attached to a page.

Helplines:

Read once per page-cache generation and kept in the cache, so the pages that show the card
(home, search, A–Z, mental-health topics and their articles) cost no query for it once
warm. Saving or deleting a helpline bumps the generation (upkeep.helplines_changed), which
retires the cached lines with the cached pages that showed them. With a cache each process
keeps for itself (no REDIS_URL) other processes keep their lines up to PAGE_CACHE_SECONDS.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q

from .cache import CACHE_ERRORS, generation
from .models import CareCard, Helpline

# How the card names a region; a code not listed is shown as it is.
REGION_NAMES = {
    "GB": "the UK",
    "GB-ENG": "England",
    "GB-SCT": "Scotland",
    "GB-WLS": "Wales",
    "GB-NIR": "Northern Ireland",
    "IE": "Ireland",
    "US": "the US",
    "CA": "Canada",
    "AU": "Australia",
    "NZ": "New Zealand",
}


@dataclass
class Region:
    code: str
    name: str
    emergency: list[Helpline] = field(default_factory=list)
    lines: list[Helpline] = field(default_factory=list)


@dataclass
class CrisisCard:
    here: Region
    elsewhere: list[Region]


def _active_lines() -> list[Helpline]:
    return list(Helpline.objects.active())


def active_lines() -> list[Helpline]:
    """Every line shown to readers, from the cache when it has them (see the docstring)."""
    try:
        key = f"page:{generation()}:helplines"
        lines = cache.get(key)
        if lines is None:
            lines = _active_lines()
            cache.set(key, lines, timeout=settings.PAGE_CACHE_SECONDS)
    except CACHE_ERRORS:
        lines = _active_lines()
    return lines


def crisis_card(region: str | None = None) -> CrisisCard:
    """The lines for `region` (CRISIS_REGION by default) and, apart, every other region's."""
    code = region or settings.CRISIS_REGION
    regions: dict[str, Region] = {code: Region(code, REGION_NAMES.get(code, code))}
    for line in active_lines():  # ordered by region, emergency first, then display order
        here = regions.setdefault(
            line.region, Region(line.region, REGION_NAMES.get(line.region, line.region))
        )
        (here.emergency if line.is_emergency else here.lines).append(line)
    own = regions.pop(code)
    return CrisisCard(here=own, elsewhere=list(regions.values()))


_URGENCY = {level: n for n, level in enumerate(CareCard.Level.values)}


def care_cards(
    *, topic_ids: list[int] = (), article_id: int | None = None, card_ids: list[int] = ()
) -> list[CareCard]:
    """The care cards attached to the article or any of the topics, and those of
    `card_ids` (a topic's pending version, previewed), most urgent first: one query."""
    attached = Q(topics__in=topic_ids) if topic_ids else Q(pk__in=card_ids)
    if topic_ids and card_ids:
        attached |= Q(pk__in=card_ids)
    if article_id is not None:
        attached |= Q(articles=article_id)
    cards = CareCard.objects.filter(attached).distinct()
    return sorted(cards, key=lambda card: (_URGENCY[card.level], card.display_order, card.name))
