"""The public pages' reads: what the topic, article, home, author and A–Z pages show.

Each list a reader sees (a topic's articles, the home page's newest, an author's, an
article's related ones) is a list of cards stored at save time (cards.py): one text
column, read with values_list(). Every read goes through the QuerySet methods that say
who may see what (ArticleQuerySet.published(), in_topic(), reviewed_by(),
TopicQuerySet.with_public_count()), and reads only the columns its page shows.

What each read fetches is said once, in a module-level queryset (as a class-based view's
`queryset` attribute is): querysets are lazy, each read filters a copy, and the constant
itself is never evaluated; only the part that changes (the time now, a slug) is added on
every request.

Two statements stay in SQL, where the ORM cannot say them: the A–Z index's letters
(index_letters(), a recursive skip-scan) and search's ranking (search.py), whose public
rule is public_sql() below.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.db.models import Count, Max, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from .models import Article, ArticleTopic, Topic

RELATED_LIMIT = 5

_CARDS = Article.objects.values_list("card_html", flat=True)
NEWEST = ("-published_at", "-pk")  # the order of the articles_article_public and *_by indexes


def public_sql(now: str = "%s") -> str:
    """ArticleQuerySet.published() (models._published_q()) in SQL, for the article row `a`,
    for search's ranking statement (search.py), which stays SQL; `now` is the placeholder of
    the current time."""
    return f"a.live AND a.published_at <= {now}"


def _safe(cards: QuerySet) -> list[SafeString]:
    # Rendered with autoescape when their article was saved (cards.py).
    return [mark_safe(card) for card in cards]  # noqa: S308


def latest(limit: int) -> list[SafeString]:
    """The newest public articles' cards."""
    return _safe(_CARDS.published().order_by(*NEWEST)[:limit])


def by_author(author_id: int, limit: int) -> list[SafeString]:
    """The newest public articles this person wrote."""
    return _safe(_CARDS.published().for_author(author_id).order_by(*NEWEST)[:limit])


def reviewed_by(reviewer_id: int, limit: int) -> list[SafeString]:
    """The newest public articles this person reviewed but did not write."""
    return _safe(_CARDS.published().reviewed_by(reviewer_id).order_by(*NEWEST)[:limit])


class Cards:
    """Cards from a queryset of them, a page at a time, for Paginator: it slices them and,
    when not told the count, calls count()."""

    def __init__(self, cards: QuerySet):
        self.cards = cards

    def count(self) -> int:
        return self.cards.count()

    def __getitem__(self, page: slice) -> list[SafeString]:
        return _safe(self.cards[page])


def topic_cards(topic_id: int, *, audience: str = "") -> Cards:
    """A topic's public articles' cards, newest first (ArticleQuerySet.in_topic())."""
    cards = _CARDS.in_topic(topic_id)
    return Cards(cards.filter(audience=audience) if audience else cards)


def related(article_id: int, topic_ids: Sequence[int]) -> list[SafeString]:
    """Up to five public articles sharing the most topics with this one, newest first
    among equals: one query.

    Ranked from ArticleTopic's public links alone (an index-only scan); only the chosen
    few are read from the article table, with the public check, and ordered again by the
    same count (their links' newest publish time is the article's own).
    """
    if not topic_ids:
        return []
    links = ArticleTopic.objects.filter(tag__in=topic_ids, public_from__lte=timezone.now())
    chosen = (
        links.exclude(content_object=article_id)
        .values("content_object")
        .annotate(shared=Count("*"), newest=Max("public_from"))
        .order_by("-shared", "-newest", "-content_object")
    )
    shared = (
        links.filter(content_object=OuterRef("pk")).values("content_object").annotate(n=Count("*"))
    )
    return _safe(
        _CARDS.published()
        .filter(pk__in=chosen.values("content_object")[:RELATED_LIMIT])
        .order_by(Subquery(shared.values("n")).desc(), *NEWEST)
    )


# --- the article page -----------------------------------------------------------------------

# What the article page leaves unread: the Markdown source, the card and the search data.
ARTICLE_UNREAD = {"body", "card_html", "search_vector", "search_head"}
ARTICLE_PAGE_FIELDS = tuple(
    f.name for f in Article._meta.concrete_fields if f.name not in ARTICLE_UNREAD
)
# What the page and its structured data show of the author and the medical reviewer.
PERSON_FIELDS = ("username", "first_name", "last_name", "credentials", "professional_title")
_ARTICLE_PAGE = Article.objects.select_related("author", "medical_reviewer").only(
    *ARTICLE_PAGE_FIELDS,
    *(f"author__{name}" for name in PERSON_FIELDS),
    *(f"medical_reviewer__{name}" for name in PERSON_FIELDS),
)
# An article's topics as its page shows them (names, safety notices), A to Z.
_ARTICLE_TOPICS = Topic.objects.only("name", "slug", "safety_notice").order_by("name")


def article_page(slug: str) -> Article | None:
    """The public article for its page, with its author and reviewer: one query."""
    try:
        return _ARTICLE_PAGE.published().get(slug=slug)
    except Article.DoesNotExist:
        return None


def topics_of(article_id: int) -> list[Topic]:
    """An article's topics A to Z, with what its page shows of them."""
    return list(_ARTICLE_TOPICS.filter(article_links__content_object=article_id))


# --- topics ---------------------------------------------------------------------------------

# What the topic page shows of its topic; the rest (intro source, search vector) is left.
TOPIC_PAGE_FIELDS = (
    "name", "slug", "headline", "definition", "aliases", "intro_html", "safety_notice",
    "updated_at",
)  # fmt: skip
_TOPIC_PAGE = Topic.objects.only(*TOPIC_PAGE_FIELDS)
# Other topics as links: names and addresses, A to Z.
_TOPIC_LINKS = Topic.objects.only("name", "slug").order_by("name")


def topic_page(slug: str) -> Topic | None:
    """The topic for its page, with `num_articles`, its public articles: one query."""
    try:
        return _TOPIC_PAGE.with_public_count().get(slug=slug)
    except Topic.DoesNotExist:
        return None


def related_topics(topic_id: int) -> list[Topic]:
    """The topics an editor linked to this one, A to Z."""
    return list(_TOPIC_LINKS.filter(related=topic_id))


# --- the A–Z index ----------------------------------------------------------------------------

# What an entry of the index shows (templates/articles/topic_index.html), and where it goes.
_INDEX_ENTRIES = Topic.objects.only("index_letter", "index_key", "name", "slug", "aliases")


def topic_index() -> dict[str, list[Topic]]:
    """Every topic, with `num_articles`, filed under its letter (Topic.index_letter), A to Z:
    one query.

    For a library small enough to list on one page. Sorted here, not by the database,
    whose collation may order the keys differently.
    """
    letters: dict[str, list[Topic]] = {}
    topics = _INDEX_ENTRIES.with_public_count().order_by()
    for topic in sorted(topics, key=lambda topic: (topic.index_key, topic.name)):
        letters.setdefault(topic.index_letter, []).append(topic)
    return letters


def letter_entries(letter: str, *, offset: int, limit: int) -> list[Topic]:
    """Up to `limit` of the topics filed under `letter`, A to Z, from `offset`, each with
    `num_articles`: one query, along articles_topic_a_to_z."""
    topics = _INDEX_ENTRIES.with_public_count().filter(index_letter=letter)
    return list(topics.order_by("index_key", "name")[offset : offset + limit])


def index_letters(*, up_to: int) -> tuple[list[str], int]:
    """The letters topics are filed under, and the number of topics, counted up to `up_to`:
    one query.

    The ORM says this as Topic.objects.order_by("index_letter").values_list("index_letter",
    flat=True).distinct() and Topic.objects.all()[:up_to].count(): two queries, and the
    DISTINCT reads every topic's index entry (PostgreSQL, EXPLAIN ANALYZE: 1.2 ms at 2,000
    topics, 12.4 ms at 20,000). This recursive query takes one step down
    articles_topic_a_to_z for each letter (the least letter after the one before, an index
    probe) and counts in the same statement: 0.6 ms and 0.5 ms. Its cost grows with the
    letters, not with the topics. SQLite runs it too.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH RECURSIVE letters (letter) AS ("
            "  SELECT MIN(index_letter) FROM articles_topic"
            "  UNION ALL"
            "  SELECT (SELECT MIN(t.index_letter) FROM articles_topic t"
            "          WHERE t.index_letter > letters.letter)"
            "  FROM letters WHERE letters.letter IS NOT NULL"
            ")"
            " SELECT letter, (SELECT COUNT(*) FROM (SELECT 1 FROM articles_topic LIMIT %s) few)"
            " FROM letters WHERE letter IS NOT NULL",
            [up_to],
        )
        rows = cursor.fetchall()
    return [letter for letter, _ in rows], rows[0][1] if rows else 0
