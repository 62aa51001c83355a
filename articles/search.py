"""Search over published articles and topics: the one home for how readers find things.

On PostgreSQL
- Articles and topics carry a stored, weighted `search_vector` (English stemming), kept
  current at save time (`refresh_search_vectors`, `refresh_topic_vectors`) and indexed with
  GIN, so a query never runs to_tsvector over the table. Article weights: title A, its
  topics' names and aliases B, summary C, body D.
- The reader's words go through websearch_to_tsquery ("quoted phrases", -not, or).
- Topic aliases are synonyms: a query that is exactly a topic's name or alias also
  searches for the topic's other names ("Spravato" finds esketamine, "TRD" finds
  treatment-resistant depression).
- Misspellings: trigram word similarity (pg_trgm, GIN-indexed) over topic names, aliases
  and article titles. When no topic matches the words themselves, the closest topics'
  names join the query ("esketamne" → esketamine).
- Topics matching come first; then articles by rank, 20 a page. Counting stops at
  COUNT_LIMIT, and only that many matches are ranked: all of them when there are no more,
  otherwise ("depression" in a big library) the COUNT_LIMIT newest. So a results page
  costs the same at any size: a broad word shows the most relevant of its recent
  articles, and its topic page (listed first) leads to the rest. Up to FULL_RANK_LIMIT
  matches are ranked on the full vector; more, on `search_head`, the vector without the
  body, several times cheaper to rank.
- Each result has a snippet from ts_headline. Its highlight markers are sentinel
  characters removed from the text beforehand; the snippet is escaped whole and only then
  are the sentinels turned into <mark>, so the author's text can never inject HTML.

Elsewhere (SQLite, the demo) a simpler fallback: every word must appear in the title,
summary, or a topic's name or aliases.

A results page costs a fixed number of queries: topics, article count, article page, their
topics. bench/bench_search.py times it at 100,000 articles.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import reduce
from operator import and_, or_

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
    TrigramWordSimilarity,
)
from django.core.paginator import Page
from django.db import connection
from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat, Greatest, Left
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import UNLISTED_FIELDS, Article, ArticleTopic, Topic, topic_names
from .pagination import CountedPaginator
from .text import normalise_label

CONFIG = "english"
MAX_QUERY_CHARS = 200
MAX_WORDS = 12
PAGE_SIZE = 20
TOPIC_LIMIT = 10
# Trigram matching needs a few letters to mean anything ("tb" is not a misspelling).
MIN_FUZZY_CHARS = 4
# How close a topic must be to stand in for a misspelled query (word similarity, 0–1).
FUZZY_TOPIC_SIMILARITY = 0.6
MAX_FUZZY_TOPICS = 3
MAX_EXPANSIONS = 12
# Ids sent as parameters of one statement at most (PostgreSQL's limit is 65,535).
MAX_IDS_PER_STATEMENT = 10_000
# Matches are counted up to this many; pages stop there ("more than 1,000 found").
COUNT_LIMIT = 1_000
# Up to this many matches are ranked on the full vector (the body's words count too);
# more, on the head vector alone, which is several times cheaper to rank.
FULL_RANK_LIMIT = 200
# ts_headline reads the whole text it is given: the snippet comes from the first part.
SNIPPET_SOURCE_CHARS = 8_000

# Private-use characters: ts_headline marks hits with them; they are removed from the text
# first, so the only ones in a snippet are ts_headline's own.
START, STOP = "\ue000", "\ue001"

MESSAGE_NO_WORDS = "Please type a word to search for, for example “depression”."
MESSAGE_SHORTENED = (
    f"Your search was long, so only its first {MAX_QUERY_CHARS} characters were used."
)


@dataclass
class SearchResults:
    query: str = ""
    message: str = ""
    topics: list[Topic] = field(default_factory=list)
    page: Page | None = None
    more: bool = False  # more than COUNT_LIMIT articles matched


# --- the query ---------------------------------------------------------------------------


def clean_query(raw: str) -> str:
    """Trim a reader's query to something worth searching for; '' when there is nothing.

    Drops control characters (PostgreSQL refuses NUL), bidi overrides and the U+FFFD that
    stands in for bytes that were not UTF-8; folds spaces; keeps MAX_QUERY_CHARS.
    """
    query = normalise_label((raw or "")[: MAX_QUERY_CHARS * 4]).replace("\ufffd", "")
    query = " ".join(query.split())[:MAX_QUERY_CHARS].strip()
    return query if any(ch.isalnum() for ch in query) else ""


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def find(raw: str, *, page: str | int | None = 1) -> SearchResults:
    """Search for what a reader typed; never raises for bad input."""
    query = clean_query(raw)
    if not query:
        return SearchResults(message=MESSAGE_NO_WORDS if (raw or "").strip() else "")
    message = MESSAGE_SHORTENED if len(" ".join((raw or "").split())) > MAX_QUERY_CHARS else ""
    search = _search_postgres if connection.vendor == "postgresql" else _search_fallback
    topics, matching, rank_articles = search(query)
    # Query 2: the newest matches, no more than COUNT_LIMIT + 1: how many match, and the
    # only ones ranked, so a word found in every article costs what a rare one does.
    candidates = list(
        matching.order_by("-published_at", "-pk").values_list("pk", flat=True)[: COUNT_LIMIT + 1]
    )
    total = len(candidates)
    more = total > COUNT_LIMIT
    articles = rank_articles(_among(candidates[:COUNT_LIMIT]), broad=total > FULL_RANK_LIMIT)
    paginator = CountedPaginator(articles, PAGE_SIZE, count=min(total, COUNT_LIMIT))
    result_page = paginator.get_page(page)  # Query 3
    result_page.object_list = list(result_page.object_list)
    names = topic_names(article.pk for article in result_page.object_list)  # Query 4
    for article in result_page.object_list:
        article.snippet_html = highlight(getattr(article, "snippet", ""))
        article.topic_names = names.get(article.pk, [])
    return SearchResults(query=query, message=message, topics=topics, page=result_page, more=more)


# --- PostgreSQL -------------------------------------------------------------------------


def _search_postgres(query: str):
    """Topics (evaluated), the matching articles, and how to rank them."""
    words = SearchQuery(query, search_type="websearch", config=CONFIG)
    fuzzy = sum(ch.isalnum() for ch in query) >= MIN_FUZZY_CHARS

    # Query 1: topics, by their words, or by a close spelling of their name or an alias.
    topic_match = Q(search_vector=words)
    similarity = Value(0.0)
    if fuzzy:
        topic_match |= TrigramWordSimilar(F("name"), query) | TrigramWordSimilar(
            F("aliases"), query
        )
        similarity = Greatest(
            TrigramWordSimilarity(Value(query), "name"),
            TrigramWordSimilarity(Value(query), "aliases"),
        )
    topics = list(
        Topic.objects.filter(topic_match)
        .annotate(
            rank=SearchRank(F("search_vector"), words),
            similarity=similarity,
            word_hit=ExpressionWrapper(Q(search_vector=words), output_field=BooleanField()),
        )
        .order_by((F("rank") + F("similarity")).desc(), "name")[:TOPIC_LIMIT]
    )

    article_query = words
    for label in _expansions(query, topics):
        article_query = article_query | SearchQuery(label, search_type="phrase", config=CONFIG)

    # The stored vector and the title's trigrams are both GIN-indexed, so PostgreSQL ORs
    # two index scans.
    article_match = Q(search_vector=article_query)
    if fuzzy:
        article_match |= TrigramWordSimilar(F("title"), query)
    matching = Article.objects.published().filter(article_match)

    def rank_articles(matching: QuerySet[Article], *, broad: bool) -> QuerySet[Article]:
        if broad:
            # Thousands of matches: rank on the small head vector, and skip the title
            # similarity, which would cost more than the ranking itself.
            rank = SearchRank(F("search_head"), article_query)
        else:
            rank = SearchRank(F("search_vector"), article_query)
            if fuzzy:  # a close spelling in the title counts, for titles FTS missed
                rank = rank + TrigramWordSimilarity(Value(query), "title") * Value(0.5)
        # ts_headline is costly: PostgreSQL runs it after the sort, on the page only.
        return _listing(matching.annotate(rank=rank, snippet=_snippet(article_query))).order_by(
            "-rank", "-published_at", "-pk"
        )

    return topics, matching, rank_articles


def _among(pks: list[int]) -> QuerySet[Article]:
    """These articles. On PostgreSQL as one array parameter: a thousand separate ones made
    the statement text differ by count and cost psycopg more to send than the ranking."""
    if connection.vendor == "postgresql":
        return Article.objects.filter(
            RawSQL('"articles_article"."id" = ANY(%s)', (pks,), output_field=BooleanField())
        )
    return Article.objects.filter(pk__in=pks)


def _listing(articles: QuerySet[Article]) -> QuerySet[Article]:
    return articles.defer(*UNLISTED_FIELDS).select_related("author")


def _expansions(query: str, topics: list[Topic]) -> list[str]:
    """Other names to search for: synonyms of an exact name or alias, or close spellings."""
    folded = _fold(query)
    labels: list[str] = []
    for topic in topics:
        names = [topic.name, *topic.alias_list]
        if folded in {_fold(name) for name in names}:
            labels += names
    if not labels and not any(topic.word_hit for topic in topics):
        close = [t for t in topics if t.similarity >= FUZZY_TOPIC_SIMILARITY]
        close.sort(key=lambda t: -t.similarity)
        for topic in close[:MAX_FUZZY_TOPICS]:
            labels += [topic.name, *topic.alias_list]
    # A label containing every word of the query, or of a label kept before it, finds
    # nothing more: leave it out (a phrase also costs PostgreSQL a recheck of each row).
    kept: list[str] = []
    covered = [_words(query)] if _PLAIN_WORDS.fullmatch(query) else []
    for label in dict.fromkeys(labels):
        words = _words(label)
        if words and not any(c <= words for c in covered):
            kept.append(label)
            covered.append(words)
    return kept[:MAX_EXPANSIONS]


# Words as PostgreSQL's parser sees them, closely enough: "treatment-resistant" is one
# (it becomes a compound lexeme), so it never stands in for "treatment resistant".
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
_PLAIN_WORDS = re.compile(r"\s*(?:\w+(?:[-'’]\w+)*\s*)+")


def _words(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(text.casefold()))


def _snippet(query: SearchQuery) -> SearchHeadline:
    text = Func(
        Left("body", SNIPPET_SOURCE_CHARS),
        Value(START + STOP),
        Value(""),
        function="translate",
        output_field=TextField(),
    )
    return SearchHeadline(
        text,
        query,
        config=CONFIG,
        start_sel=START,
        stop_sel=STOP,
        max_words=30,
        min_words=12,
        short_word=3,
        max_fragments=2,
        fragment_delimiter=" … ",
    )


# Markdown marks that would look like noise in a plain-text snippet.
_MD_LINK = re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)")
_MD_FOOTNOTE = re.compile(r"\[\^[^\]\n]*\]:?")
_MD_MARKS = re.compile(
    r"(?:\*{1,3}|_{2,3}|`+|\|\s*:?-{3,}:?|\||^#{1,6}\s|^>\s?|^\s*[-+*]\s|^\s*\d+\.\s)", re.M
)


def highlight(fragment: str) -> SafeString | str:
    """A snippet as safe HTML: escaped whole, then the sentinels become <mark>…</mark>.

    Returns "" when nothing in the fragment was a hit (the summary says enough then).
    """
    if not fragment or START not in fragment:
        return ""
    text = _MD_FOOTNOTE.sub("", fragment)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_MARKS.sub("", text)
    text = " ".join(text.split())
    html = escape(text).replace(START, "<mark>").replace(STOP, "</mark>")
    return mark_safe(html)  # noqa: S308 - escaped just above; only our own tags added


# --- the fallback (SQLite) --------------------------------------------------------------


def _search_fallback(query: str):
    """Topics (evaluated), the matching articles, and how to order them."""
    words = [w for w in query.split() if any(ch.isalnum() for ch in w)][:MAX_WORDS]

    def topic_has(word: str) -> Q:
        return Q(name__icontains=word) | Q(aliases__icontains=word) | Q(headline__icontains=word)

    topics = list(
        Topic.objects.filter(reduce(and_, (topic_has(w) for w in words))).order_by("name")[
            :TOPIC_LIMIT
        ]
    )
    matching = Article.objects.published()
    for word in words:
        matching = matching.filter(
            Q(title__icontains=word)
            | Q(summary__icontains=word)
            | Q(topics__name__icontains=word)
            | Q(topics__aliases__icontains=word)
        )
    matching = Article.objects.filter(pk__in=matching.values("pk"))

    def newest_first(matching: QuerySet[Article], *, broad: bool) -> QuerySet[Article]:
        return _listing(matching).order_by("-published_at", "-pk")

    return topics, matching, newest_first


# --- keeping the vectors current ---------------------------------------------------------


def _topic_names():
    """An article's topics' names and aliases, as one text (a correlated subquery)."""
    return Subquery(
        ArticleTopic.objects.filter(content_object=OuterRef("pk"))
        .order_by()
        .values("content_object")
        .annotate(
            names=StringAgg(
                Concat("tag__name", Value("\n"), "tag__aliases", output_field=TextField()),
                delimiter="\n",
            )
        )
        .values("names"),
        output_field=TextField(),
    )


def article_head_vector():
    """Title (A), topics' names and aliases (B), summary (C): for ranking broad queries."""
    return (
        SearchVector("title", weight="A", config=CONFIG)
        + SearchVector(_topic_names(), weight="B", config=CONFIG)
        + SearchVector("summary", weight="C", config=CONFIG)
    )


def article_vector():
    """The weighted vector of an article row: the head vector and the body (D)."""
    return article_head_vector() + SearchVector("body", weight="D", config=CONFIG)


def topic_vector():
    return (
        SearchVector("name", "aliases", weight="A", config=CONFIG)
        + SearchVector("headline", weight="B", config=CONFIG)
        + SearchVector("definition", weight="C", config=CONFIG)
    )


def refresh_search_vectors(article_ids: Iterable[int] | QuerySet | None) -> int:
    """Recompute the search vectors of these articles (all when None) in one UPDATE.

    Article.save() and `article.topics` changes call it for their article; call it for
    bulk writes that bypass them, and when a topic's names change (linking.topic_saved).
    A QuerySet of ids is used as a subquery. No-op (0) except on PostgreSQL.
    """
    if connection.vendor != "postgresql":
        return 0
    vectors = {"search_vector": article_vector(), "search_head": article_head_vector()}
    if article_ids is None or isinstance(article_ids, QuerySet):
        articles = Article.objects.all()
        if article_ids is not None:
            articles = articles.filter(pk__in=article_ids)
        return articles.update(**vectors)
    # A list goes in slices: with parameters bound on the server, PostgreSQL takes no more
    # than 65,535 in one statement (a deleted topic's articles could be more).
    ids = list(article_ids)
    return sum(
        Article.objects.filter(pk__in=ids[i : i + MAX_IDS_PER_STATEMENT]).update(**vectors)
        for i in range(0, len(ids), MAX_IDS_PER_STATEMENT)
    )


def new_article_vectors(
    rows: Sequence[tuple[str, str, str, int]], bodies: Sequence[str]
) -> list[tuple[str, str]]:
    """(search_vector, search_head), as text, for articles about to be bulk-inserted.

    `rows` are (title, topics' names and aliases, summary, index into `bodies`). The same
    vectors as article_vector() and article_head_vector() (a test compares them), made in
    one query with each distinct body parsed once: for seed_bulk, whose thousands of
    articles share a few bodies, so that no UPDATE has to rewrite them afterwards.
    """
    if not rows:
        return []
    titles, names, summaries, body_numbers = (list(column) for column in zip(*rows, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH body AS MATERIALIZED (
                SELECT n, setweight(to_tsvector(%(config)s::regconfig, COALESCE(b, '')), 'D') v
                FROM unnest(%(bodies)s::text[]) WITH ORDINALITY AS b(b, n)
            ), head AS (
                SELECT n, body_number,
                    setweight(to_tsvector(%(config)s::regconfig, COALESCE(title, '')), 'A')
                    || setweight(to_tsvector(%(config)s::regconfig, COALESCE(names, '')), 'B')
                    || setweight(to_tsvector(%(config)s::regconfig, COALESCE(summary, '')), 'C')
                    AS v
                FROM unnest(%(titles)s::text[], %(names)s::text[], %(summaries)s::text[],
                            %(body_numbers)s::int[])
                    WITH ORDINALITY AS r(title, names, summary, body_number, n)
            )
            SELECT (head.v || body.v)::text, head.v::text
            FROM head JOIN body ON body.n = head.body_number + 1
            ORDER BY head.n
            """,
            {
                "config": CONFIG,
                "bodies": list(bodies),
                "titles": titles,
                "names": names,
                "summaries": summaries,
                "body_numbers": body_numbers,
            },
        )
        return cursor.fetchall()


def refresh_topic_vectors(topic_ids: Iterable[int] | None) -> int:
    """Recompute the search vectors of these topics (all when None); PostgreSQL only."""
    if connection.vendor != "postgresql":
        return 0
    topics = Topic.objects.all() if topic_ids is None else Topic.objects.filter(pk__in=topic_ids)
    return topics.update(search_vector=topic_vector())


def mentions_query(terms: Iterable[str]) -> tuple[SearchQuery | None, set[str]]:
    """A query matching articles that may mention any of `terms`, for linking.py.

    Returns it and the terms it cannot find (made only of stop words): one query.
    """
    terms = sorted(set(terms))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t, numnode(phraseto_tsquery(%s::regconfig, t)) FROM unnest(%s::text[]) t",
            [CONFIG, terms],
        )
        counts = dict(cursor.fetchall())
    found = [t for t in terms if counts.get(t)]
    wordless = {t for t in terms if not counts.get(t)}
    if not found:
        return None, wordless
    query = reduce(or_, (SearchQuery(t, search_type="phrase", config=CONFIG) for t in found))
    return query, wordless
