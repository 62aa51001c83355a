"""The public pages' reads: what the topic, article, home, author and A–Z pages show.

Each list a reader sees (a topic's articles, the home page's newest, an author's, an
article's related ones) is a list of cards stored at save time (cards.py): one text
column, read with values_list(). The reads go through the QuerySet methods that say who
may see what (ArticleQuerySet.published(), in_topic(), reviewed_by(),
TopicQuerySet.with_public_count()), and read only the columns their page shows.

What each read fetches is said once, in a module-level queryset (as a class-based view's
`queryset` attribute is): querysets are lazy, each read filters a copy, and the constant
itself is never evaluated; only the part that changes (the time now, a slug) is added on
every request.

Three reads here stay in SQL, each with its measured reason in its docstring: the A–Z
index's letters (index_letters(), a recursive skip-scan), a page of a topic's cards
(TopicCards) and the related articles' ranking (related()); search's statements are in
search.py. Their public rule is public_sql(), the SQL spelling of
ArticleQuerySet.published().
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from accounts.models import CLINICIANS, EDITORS, User

from .models import Article, Topic, alias_names, index_position

RELATED_LIMIT = 5

_CARDS = Article.objects.values_list("card_html", flat=True)
NEWEST = ("-published_at", "-pk")  # the order of the articles_article_public and *_by indexes


def public_sql(now: str = "%s") -> str:
    """ArticleQuerySet.published() (models._published_q()) in SQL, for the article row `a`,
    for the statements that stay SQL (here and in search.py); `now` is the placeholder of
    the current time."""
    return f"a.live AND a.published_at <= {now}"


def _safe(cards: Iterable[str]) -> list[SafeString]:
    # Rendered with autoescape when their article was saved (cards.py).
    return [mark_safe(card) for card in cards]  # noqa: S308


def _now():
    """The time now, as the SQL reads below pass it (SQLite stores text)."""
    return connection.ops.adapt_datetimefield_value(timezone.now())


def _cards_in_sql(sql: str, params: Sequence) -> list[SafeString]:
    """The cards a hand-written statement selects (its one column: card_html)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return _safe(card for (card,) in cursor.fetchall())


def latest(limit: int) -> list[SafeString]:
    """The newest public articles' cards."""
    return _safe(_CARDS.published().order_by(*NEWEST)[:limit])


def by_author(author_id: int, limit: int) -> list[SafeString]:
    """The newest public articles this person wrote."""
    return _safe(_CARDS.published().for_author(author_id).order_by(*NEWEST)[:limit])


def reviewed_by(reviewer_id: int, limit: int) -> list[SafeString]:
    """The newest public articles this person reviewed but did not write."""
    return _safe(_CARDS.published().reviewed_by(reviewer_id).order_by(*NEWEST)[:limit])


class TopicCards:
    """A topic's public articles' cards, newest first (ArticleQuerySet.in_topic()), a page
    at a time, for Paginator: it slices them and, when not told the count, calls count().

    The count goes through in_topic() itself. A page is read in SQL, along
    articles_articletopic_public (the topic's links by publish time), with in_topic()'s
    rule spelled as the links' public_from and public_sql(): the ORM's spelling of this
    read cost 2.0 ms of Python to build on every topic page, against 0.25 ms for the
    statement, a quarter of the page (in-process, 1,000 articles, PostgreSQL).
    """

    def __init__(self, topic_id: int, *, audience: str = ""):
        self.topic_id, self.audience = topic_id, audience

    def count(self) -> int:
        cards = _CARDS.in_topic(self.topic_id)
        return (cards.filter(audience=self.audience) if self.audience else cards).count()

    def __getitem__(self, page: slice) -> list[SafeString]:
        if page.start is None or page.stop is None or page.step is not None:
            raise TypeError("TopicCards is read a page at a time: cards[start:stop].")
        now = _now()
        where = f"l.tag_id = %s AND l.public_from <= %s AND {public_sql()}"
        params = [self.topic_id, now, now]
        if self.audience:
            where += " AND a.audience = %s"
            params.append(self.audience)
        sql = (
            "SELECT a.card_html FROM articles_articletopic l"  # noqa: S608 - only placeholders and public_sql()
            f" JOIN articles_article a ON a.id = l.content_object_id WHERE {where}"
            " ORDER BY l.public_from DESC, l.content_object_id DESC LIMIT %s OFFSET %s"
        )
        return _cards_in_sql(sql, [*params, page.stop - page.start, page.start])


def related(topic_ids: Sequence[int], limit: int) -> list[tuple[int, int, SafeString]]:
    """Up to `limit` public articles sharing the most of these topics, newest first among
    equals: (id, how many of the topics it has, card). One query; an article's page
    leaves itself out.

    Ranked from ArticleTopic's public links alone (an index-only scan); only the chosen
    few are read from the article table, with the public check (public_sql(), which is
    ArticleQuerySet.published()).

    In SQL because the ORM's spelling of this ranking (a grouped, sliced subquery of
    links, then the articles ordered by a correlated count) cost 3.4–4.7 ms of Python
    to build on every article page, against 0.5–0.7 ms for this statement: more than
    half the page (in-process, 1,000 articles, PostgreSQL; the database's own time is
    the same for both).
    """
    if not topic_ids:
        return []
    topics = ", ".join(["%s"] * len(topic_ids))
    now = _now()
    sql = (
        "SELECT a.id, r.shared, a.card_html FROM ("  # noqa: S608 - placeholders, public_sql()
        "  SELECT l.content_object_id AS id, COUNT(*) AS shared, MAX(l.public_from) AS newest"
        "  FROM articles_articletopic l"
        f"  WHERE l.tag_id IN ({topics}) AND l.public_from <= %s"
        "  GROUP BY l.content_object_id"
        "  ORDER BY shared DESC, newest DESC, id DESC LIMIT %s"
        f") r JOIN articles_article a ON a.id = r.id WHERE {public_sql()}"
        " ORDER BY r.shared DESC, r.newest DESC, r.id DESC"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*topic_ids, now, limit, now])
        rows = cursor.fetchall()
    cards = _safe(card for _, _, card in rows)
    return [(pk, shared, card) for (pk, shared, _), card in zip(rows, cards, strict=True)]


# --- the article page -----------------------------------------------------------------------

# What the article page leaves unread: the card and the search data. The Markdown source
# is read for the approved version's hash (facts.version_hash()) in its JSON-LD.
ARTICLE_UNREAD = {"card_html", "search_vector", "search_head"}
ARTICLE_PAGE_FIELDS = tuple(
    f.name for f in Article._meta.concrete_fields if f.name not in ARTICLE_UNREAD
)
# What the page and its structured data show of the author and the medical reviewer.
PERSON_FIELDS = ("public_slug", "first_name", "last_name", "credentials", "professional_title")
_ARTICLE_PAGE = Article.objects.select_related("author", "medical_reviewer").only(
    *ARTICLE_PAGE_FIELDS,
    *(f"author__{name}" for name in PERSON_FIELDS),
    *(f"medical_reviewer__{name}" for name in PERSON_FIELDS),
)
# An article's topics as its page shows them (names, safety notices), A to Z.
_ARTICLE_TOPICS = Topic.objects.only("name", "slug", "safety_notice", "mental_health").order_by(
    "name"
)


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
    "mental_health", "updated_at", "last_reviewed", "next_review_due",
    # Its trust block: who reviewed it, as articles credit them.
    "medical_reviewer__first_name", "medical_reviewer__last_name",
    "medical_reviewer__public_slug", "medical_reviewer__credentials",
    "medical_reviewer__professional_title",
)  # fmt: skip
_TOPIC_PAGE = Topic.objects.select_related("medical_reviewer").only(*TOPIC_PAGE_FIELDS)


def topic_page(slug: str) -> Topic | None:
    """The topic for its page, with `num_articles`, its public articles: one query."""
    try:
        return _TOPIC_PAGE.with_public_count().get(slug=slug)
    except Topic.DoesNotExist:
        return None


def related_topics(topic_id: int) -> list[Topic]:
    """The topics an editor listed on this one's page, in their order: one query."""
    return list(
        Topic.objects.only("name", "slug")
        .filter(linked_from__from_topic=topic_id)
        .order_by("linked_from__position", "linked_from__pk")
    )


# --- people ----------------------------------------------------------------------------------

# Only people who write or review have a public page (and an API profile); other accounts
# stay private. Filter by public_slug and take distinct() (one person, several groups).
PUBLIC_PEOPLE = User.objects.filter(is_active=True, groups__name__in=[CLINICIANS, EDITORS])


# --- the A–Z index ----------------------------------------------------------------------------

# What an entry of the index shows (articles/templatetags/topic_index.py): rows, not
# Topic instances, which cost 15 µs each to build (a one-page index lists up to 300).
ENTRY_FIELDS = ("index_letter", "index_key", "slug", "name", "num_articles", "aliases")


def _entries(topics: QuerySet) -> QuerySet:
    return topics.with_public_count().values_list(*ENTRY_FIELDS)


def topic_index() -> dict[str, list[tuple]]:
    """Every topic's ENTRY_FIELDS, filed under its letter (Topic.index_letter), and each of
    its aliases filed under the alias's own letter, A to Z: one query.

    Readers look up the name they know ("Spravato"), not the one the topic is filed under,
    so an alias gets an entry of its own: (letter, key, slug, alias, None, topic's name),
    its count None marking it as an alias (templatetags/topic_index.py says "see ...").
    For a library small enough to list on one page. Sorted here, not by the database,
    whose collation may order the keys differently.
    """
    rows = list(_entries(Topic.objects.order_by()))
    names = {row[3].casefold() for row in rows}
    for _letter, _key, slug, name, _count, aliases in list(rows):
        for alias in alias_names(aliases or ""):
            if alias.casefold() not in names:  # a topic of that name has its own entry
                rows.append((*index_position(alias), slug, alias, None, name))
    letters: dict[str, list[tuple]] = {}
    for row in sorted(rows, key=lambda row: (row[1], row[3])):
        letters.setdefault(row[0], []).append(row)
    return letters


def letter_entries(letter: str, *, offset: int, limit: int) -> list[tuple]:
    """Up to `limit` of the topics filed under `letter`, A to Z, from `offset` (their
    ENTRY_FIELDS): one query, along articles_topic_a_to_z."""
    topics = Topic.objects.filter(index_letter=letter).order_by("index_key", "name")
    return list(_entries(topics)[offset : offset + limit])


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
