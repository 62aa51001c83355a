"""The public pages' hottest reads, in hand-written SQL.

The lists a reader sees (a topic's articles, the home page's newest, an author's, an
article's related ones) are lists of cards stored at save time (cards.py): one text
column. Through the ORM, each of these queries, and the topic and topic lists around
them, cost more to build and compile on every request than PostgreSQL spent answering
(0.6 ms against 0.2-0.5 ms on the topic and article pages), so each is written once here,
in SQL that PostgreSQL and SQLite both run, shaped for its index (see bench/explain.py).

Each applies the public rule, `_published_q()` in models.py, to the article row itself
(PUBLIC below says the same in SQL), including the lists read along ArticleTopic's copy
of the publish time: a stale copy can never show a hidden article.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from functools import cache
from weakref import WeakKeyDictionary

from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from hub.links import urls_with

from .models import Article, Topic, alias_names


def public_sql(now: str = "%s") -> str:
    """models._published_q() in SQL, for the article row `a`: `now` is the placeholder of
    the current time."""
    return f"a.live AND a.published_at <= {now}"


PUBLIC = public_sql()
RELATED_LIMIT = 5


def _now():
    return connection.ops.adapt_datetimefield_value(timezone.now())


def _cards(sql: str, params: Sequence) -> list[SafeString]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        # Rendered with autoescape at save time (cards.py).
        return [mark_safe(card) for (card,) in cursor.fetchall()]  # noqa: S308


def latest(limit: int) -> list[SafeString]:
    """The newest public articles' cards (the articles_article_public index)."""
    return _cards(
        f"SELECT a.card_html FROM articles_article a WHERE {PUBLIC}"  # noqa: S608 - only PUBLIC and placeholders
        " ORDER BY a.published_at DESC, a.id DESC LIMIT %s",
        [_now(), limit],
    )


def by_author(author_id: int, limit: int) -> list[SafeString]:
    """The newest public articles this person wrote (articles_article_written_by)."""
    return _cards(
        f"SELECT a.card_html FROM articles_article a WHERE a.author_id = %s AND {PUBLIC}"  # noqa: S608 - only PUBLIC and placeholders
        " ORDER BY a.published_at DESC, a.id DESC LIMIT %s",
        [author_id, _now(), limit],
    )


def reviewed_by(reviewer_id: int, limit: int) -> list[SafeString]:
    """The newest public articles this person reviewed but did not write."""
    return _cards(
        "SELECT a.card_html FROM articles_article a"  # noqa: S608 - only PUBLIC and placeholders
        f" WHERE a.medical_reviewer_id = %s AND a.author_id <> %s AND {PUBLIC}"
        " ORDER BY a.published_at DESC, a.id DESC LIMIT %s",
        [reviewer_id, reviewer_id, _now(), limit],
    )


class TopicCards:
    """A topic's public articles' cards, newest first, fetched a page at a time.

    Read along articles_articletopic_public (the topic's links by publish time), so a page
    costs the same in a topic of any size. Paginator slices it and, when not told the
    count, calls count().
    """

    FROM = "FROM articles_articletopic l JOIN articles_article a ON a.id = l.content_object_id"

    def __init__(self, topic_id: int, *, audience: str = ""):
        self.topic_id, self.audience = topic_id, audience

    def _where(self) -> tuple[str, list]:
        now = _now()
        where = f"l.tag_id = %s AND l.public_from <= %s AND {PUBLIC}"
        params = [self.topic_id, now, now]
        if self.audience:
            where += " AND a.audience = %s"
            params.append(self.audience)
        return where, params

    def count(self) -> int:
        where, params = self._where()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) {self.FROM} WHERE {where}", params)
            return cursor.fetchone()[0]

    def __getitem__(self, page: slice) -> list[SafeString]:
        if page.start is None or page.stop is None or page.step is not None:
            raise TypeError("TopicCards is read a page at a time: cards[start:stop].")
        where, params = self._where()
        return _cards(
            f"SELECT a.card_html {self.FROM} WHERE {where}"
            " ORDER BY l.public_from DESC, l.content_object_id DESC LIMIT %s OFFSET %s",
            [*params, page.stop - page.start, page.start],
        )


def related(article_id: int, topic_ids: Sequence[int]) -> list[SafeString]:
    """Up to five public articles sharing the most topics with this one, newest first
    among equals: one query.

    Ranked from ArticleTopic's public links alone (an index-only scan); only the chosen
    few are read from the article table, with the public check.
    """
    if not topic_ids:
        return []
    topics = ", ".join(["%s"] * len(topic_ids))
    now = _now()
    return _cards(
        "SELECT a.card_html FROM ("  # noqa: S608 - only PUBLIC and placeholders
        "  SELECT l.content_object_id AS id, COUNT(*) AS shared, MAX(l.public_from) AS newest"
        "  FROM articles_articletopic l"
        f"  WHERE l.tag_id IN ({topics}) AND l.public_from <= %s AND l.content_object_id <> %s"
        "  GROUP BY l.content_object_id"
        "  ORDER BY shared DESC, newest DESC, id DESC LIMIT %s"
        f") r JOIN articles_article a ON a.id = r.id WHERE {PUBLIC}"
        " ORDER BY r.shared DESC, r.newest DESC, r.id DESC",
        [*topic_ids, now, article_id, RELATED_LIMIT, now],
    )


# --- the article page -----------------------------------------------------------------------

# What the article page leaves unread: the Markdown source, the card and the search data.
ARTICLE_UNREAD = {"body", "card_html", "search_vector", "search_head"}
# What the page and its structured data show of the author and the medical reviewer.
PERSON_FIELDS = ("username", "first_name", "last_name", "credentials", "professional_title")


def _columns(alias: str, fields: tuple) -> str:
    return _quoted_columns(connection.vendor, alias, fields)


@cache
def _quoted_columns(vendor: str, alias: str, fields: tuple) -> str:
    # Once for each database, rather than 5 µs a column every request.
    return ", ".join(f"{alias}.{connection.ops.quote_name(field.column)}" for field in fields)


def _people_columns(alias: str) -> str:
    return ", ".join(f"{alias}.{name}" for name in PERSON_FIELDS)


_ARTICLE_FIELDS = tuple(f for f in Article._meta.concrete_fields if f.name not in ARTICLE_UNREAD)


def article_page(slug: str) -> Article | None:
    """The public article for its page, with its author and reviewer: one query."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_columns('a', _ARTICLE_FIELDS)}, {_people_columns('w')},"  # noqa: S608 - constants only
            f" {_people_columns('r')}"
            " FROM articles_article a JOIN accounts_user w ON w.id = a.author_id"
            " LEFT JOIN accounts_user r ON r.id = a.medical_reviewer_id"
            f" WHERE a.slug = %s AND {PUBLIC}",
            [slug, _now()],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    article = _instance(Article, _ARTICLE_FIELDS, row)
    fields, people = len(_ARTICLE_FIELDS), len(PERSON_FIELDS)
    article.author = _person(article.author_id, row[fields : fields + people])
    article.medical_reviewer = _person(article.medical_reviewer_id, row[fields + people :])
    return article


def _instance(model, fields: tuple, row):
    """A `model` from the first columns of `row`, one for each of `fields`, each value as
    the ORM gives it (SQLite returns dates as text, say).

    For the pages' one-row reads, instead of Model.objects.raw(), which spent more than
    the query itself on describing the columns and mapping them to fields, every request.
    """
    db = connections[connection.alias]  # the connection itself: the converters' key
    values = [
        _from_db(value, column, converters, db)
        for (column, converters), value in zip(
            _converters(db, fields), row[: len(fields)], strict=True
        )
    ]
    return model.from_db(db.alias, [f.attname for f in fields], values)


def _from_db(value, column, converters, db):
    for convert in converters:
        value = convert(value, column, db)
    return value


# Each connection's converters for the fields read through _instance(): finding them cost
# 9 µs a field, every request. Weak keys: a thread's connection goes with its thread.
_known_converters: WeakKeyDictionary = WeakKeyDictionary()


def _converters(db, fields: tuple) -> list[tuple]:
    known = _known_converters.setdefault(db, {})
    if fields not in known:
        columns = [field.get_col(field.model._meta.db_table) for field in fields]
        known[fields] = [
            (column, db.ops.get_db_converters(column) + column.field.get_db_converters(db))
            for column in columns
        ]
    return known[fields]


def _person(pk: int | None, values: Sequence):
    if pk is None:
        return None
    return get_user_model().from_db(connection.alias, ["id", *PERSON_FIELDS], [pk, *values])


# --- topics ---------------------------------------------------------------------------------

# What the topic page shows of its topic; the rest (intro source, search vector) is left.
_TOPIC_FIELDS = tuple(
    Topic._meta.get_field(name)
    for name in (
        "id", "name", "slug", "headline", "definition", "aliases", "intro_html",
        "safety_notice", "updated_at",
    )
)  # fmt: skip


# TopicQuerySet.with_public_count() in SQL, for the topic row `t`; its parameter is now():
# the stored count of live articles less the topic's links still scheduled, a few entries
# of articles_articletopic_public. (Counted from the scheduled articles, each topic's
# count joined the article table: PostgreSQL took about 0.3 ms longer to plan and run a
# page of 51 topics, at 100,000 articles.)
PUBLIC_COUNT = (
    "t.live_article_count - ("
    " SELECT COUNT(*) FROM articles_articletopic l WHERE l.tag_id = t.id AND l.public_from > %s)"
)


def topic_page(slug: str) -> Topic | None:
    """The topic for its page, with `num_articles`, its public articles: one query."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_columns('t', _TOPIC_FIELDS)}, {PUBLIC_COUNT}"  # noqa: S608 - constants only
            " FROM articles_topic t WHERE t.slug = %s",
            [_now(), slug],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    topic = _instance(Topic, _TOPIC_FIELDS, row)
    topic.num_articles = row[len(_TOPIC_FIELDS)]
    return topic


# --- the A–Z index ----------------------------------------------------------------------------


def _entry(url: str, name: str, count: int, aliases: str) -> SafeString:
    """A topic's item in the A–Z index, every value escaped. Made here rather than in the
    template, whose engine spent 30 µs on each row: at 50 rows, a third of the page.
    (html.escape is what Django's escape() calls, less its lazy-text wrapper.)"""
    names = ", ".join(alias_names(aliases)) if aliases else ""
    also = f' <span class="muted">– also called {html.escape(names)}</span>' if names else ""
    # "article" as the templates say it ({{ n }} article{{ n|pluralize }}): the site is
    # written in English only, and ngettext() cost 25 µs a row looking for catalogues.
    articles = f"{count} article{pluralize(count)}"
    return mark_safe(  # noqa: S308 - every value is escaped
        f'<li><a href="{html.escape(url)}">{html.escape(name)}</a>'
        f' <span class="muted">({articles})</span>{also}</li>\n'
    )


def _entries(
    where: str, params: Sequence, tail: str = ""
) -> list[tuple[str, str, str, SafeString]]:
    """(letter, key, name, item) for each topic `where` says, in `tail`'s order."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT t.index_letter, t.index_key, t.slug, t.name, {PUBLIC_COUNT}, t.aliases"  # noqa: S608 - constants only
            f" FROM articles_topic t {where} {tail}",
            [_now(), *params],
        )
        rows = cursor.fetchall()
    topic_url = urls_with("articles:topic", "slug")
    return [
        (letter, key, name, _entry(topic_url(slug), name, count, aliases))
        for letter, key, slug, name, count, aliases in rows
    ]


def topic_index() -> dict[str, list[SafeString]]:
    """Every topic's item, filed under its letter (Topic.index_letter), A to Z: one query.

    For a library small enough to list on one page. Sorted here, not by the database,
    whose collation may order the keys differently.
    """
    letters: dict[str, list[SafeString]] = {}
    for letter, _, _, entry in sorted(_entries("", []), key=lambda row: (row[1], row[2])):
        letters.setdefault(letter, []).append(entry)
    return letters


def letter_entries(letter: str, *, offset: int, limit: int) -> list[SafeString]:
    """Up to `limit` of the topics filed under `letter`, A to Z, from `offset`: one query."""
    rows = _entries(
        "WHERE t.index_letter = %s",
        [letter, limit, offset],
        "ORDER BY t.index_key, t.name LIMIT %s OFFSET %s",
    )
    return [entry for _, _, _, entry in rows]


def index_letters(*, up_to: int) -> tuple[list[str], int]:
    """The letters topics are filed under, and the number of topics, counted up to `up_to`:
    one query.

    Each letter is one step down articles_topic_a_to_z (the least letter after the one
    before), and counting stops at `up_to`: the cost grows with the letters, not with the
    topics, as a count of every topic under each letter did.
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


def _topics(sql: str, params: Sequence) -> list[Topic]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [Topic.from_db(connection.alias, names, row) for row in cursor.fetchall()]


def topics_of(article_id: int) -> list[Topic]:
    """An article's topics A to Z, with what its page shows of them (names, safety
    notices); text columns only, so no conversion is needed on any database."""
    return _topics(
        "SELECT t.id, t.name, t.slug, t.safety_notice FROM articles_topic t"
        " JOIN articles_articletopic l ON l.tag_id = t.id"
        " WHERE l.content_object_id = %s ORDER BY t.name",
        [article_id],
    )


def related_topics(topic_id: int) -> list[Topic]:
    """The topics an editor linked to this one, A to Z: names and addresses."""
    return _topics(
        "SELECT t.id, t.name, t.slug FROM articles_topic t"
        " JOIN articles_topic_related r ON r.to_topic_id = t.id"
        " WHERE r.from_topic_id = %s ORDER BY t.name",
        [topic_id],
    )
