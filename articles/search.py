"""Search over published articles and topics: the one home for how readers find things.

On PostgreSQL
- Articles and topics carry a stored, weighted `search_vector` (English stemming), kept
  current at save time (models.py says what each model indexes: `refresh_search_vectors`,
  `refresh_topic_vectors`) and indexed with GIN, so a query never runs to_tsvector over
  the table. This module is the query side. Article weights: title A, its
  topics' names and aliases B, summary C, body D.
- The reader's words go through websearch_to_tsquery ("quoted phrases", -not, or).
- Topic aliases are synonyms: a query that is exactly a topic's name or alias also
  searches for the topic's other names ("Spravato" finds esketamine, "TRD" finds
  treatment-resistant depression).
- Misspellings: trigram word similarity (pg_trgm, GIN-indexed) over topic names, aliases
  and article titles. When no topic matches the words themselves, the closest topics'
  names join the query ("esketamne" → esketamine); when no article has the words (nor
  those names), the articles whose titles are spelled closest to the query are listed.
- Topics matching come first; then articles by rank, 20 a page. Counting stops at
  COUNT_LIMIT, and only that many matches are ranked: all of them when there are no more,
  otherwise ("depression" in a big library) the COUNT_LIMIT newest. So a results page
  costs the same at any size: a broad word shows the most relevant of its recent
  articles, and its topic page (listed first) leads to the rest. Up to FULL_RANK_LIMIT
  matches are ranked on the full vector; more, on `search_head`, the vector without the
  body, several times cheaper to rank.
- A result is the article's stored card (cards.py) with a snippet and the article's
  topics added. The snippet comes from ts_headline over a window of the body around the
  first place one of the query's words may appear. Its highlight markers are sentinel
  characters removed from the text beforehand; the snippet is escaped whole and only then
  are the sentinels turned into <mark>, so the author's text can never inject HTML.

On SQLite (the default database, the demo): FTS5, SQLite's built-in full-text index
(models.FTS_TABLE, kept current by models.refresh_search_vectors), over title, summary,
the topics' names and aliases, and body.
- Every word of three letters or more must appear (its letters, in a word or inside one,
  with the trigram tokenizer); each is quoted, so FTS5's own syntax (", *, NEAR, ^, :)
  is only ever text. Shorter words ("TB") are left to the fallback below when they are all
  the query has.
- Ranked by bm25 with weights like PostgreSQL's: title 10, topics 4, summary 2, body 1;
  the newest first among equals.
- Misspellings, when the words find nothing (trigram tokenizer only): each word's
  trigrams, any of them, in titles and topics; kept are the articles with at least
  FUZZY_TRIGRAMS of each word's trigrams there, the most first ("esketamne" finds
  esketamine).
- Snippets: body_snippet(), the window of the body with the most of the query's words,
  in whole words, marked with the same sentinels (removed from the body first), through
  highlight().
Four queries: topics, the matches counted, ranked and paged, the page's cards and bodies,
their topics; one more when misspellings are looked for.

Where SQLite has no full-text index and for short words alone, a simpler fallback: every
word must appear in the title, summary, or a topic's name or aliases.

A results page costs a fixed number of queries. On PostgreSQL two: the topics, then the
articles counted, ranked and paged with their snippets and topics in one statement
(_results_sql), its values written in so that it is planned for the words searched; a
third, by the titles' spelling, only when the words find no article. The fallback takes
four: topics, the count, the page's cards, their topics. A page number past the last page
(an old link) runs the article statements again, for the last page.
bench/bench_search.py times it at 100,000 articles.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from functools import reduce
from operator import and_

from django.core.paginator import Page
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .cards import as_search_result
from .models import CONFIG, FTS_TABLE, Article, Topic, fts_has_trigrams, topic_names
from .pagination import CountedPaginator
from .reads import public_sql
from .text import normalise_label

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
# Matches are counted up to this many; pages stop there ("more than 1,000 found").
COUNT_LIMIT = 1_000
# Up to this many matches are ranked on the full vector (the body's words count too);
# more, on the head vector alone, which is several times cheaper to rank.
FULL_RANK_LIMIT = 200
# A snippet is headlined from this much of the body, starting this far before the first
# place one of the query's words appears (ts_headline's cost grows with its text).
SNIPPET_WINDOW = 600
SNIPPET_BEFORE = 150

# Private-use characters: ts_headline marks hits with them; they are removed from the text
# first, so the only ones in a snippet are ts_headline's own.
START, STOP = "\ue000", "\ue001"
# What may stand just before a word in Markdown text (a space, **bold**, a [link], "quotes").
_BEFORE_A_WORD = " \n\t([{\"'*_/“‘"
HEADLINE_OPTIONS = (
    f"StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12, ShortWord=3,"
    ' MaxFragments=2, FragmentDelimiter=" … "'
)

MESSAGE_NO_WORDS = "Please type a word to search for, for example “depression”."
MESSAGE_SHORTENED = (
    f"Your search was long, so only its first {MAX_QUERY_CHARS} characters were used."
)


@dataclass
class SearchResults:
    query: str = ""
    message: str = ""
    topics: list[Topic] = field(default_factory=list)
    page: Page | None = None  # of cards, as cards.as_search_result makes them
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
    search = {"postgresql": _search_postgres, "sqlite": _search_sqlite}.get(
        connection.vendor, _search_fallback
    )
    topics, articles = search(query)
    number = _page_number(page)
    total, cards = articles((number - 1) * PAGE_SIZE)
    paginator = CountedPaginator(cards, PAGE_SIZE, count=min(total, COUNT_LIMIT))
    if number > paginator.num_pages:  # past the end (an old link, an edited address)
        number = paginator.num_pages
        total, cards = articles((number - 1) * PAGE_SIZE)
    return SearchResults(
        query=query,
        message=message,
        topics=topics,
        page=Page(cards, number, paginator),
        more=total > COUNT_LIMIT,
    )


def _page_number(page: str | int | None) -> int:
    """The page asked for, within the pages there can be (COUNT_LIMIT matches at most)."""
    try:
        number = int(page or 1)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), -(-COUNT_LIMIT // PAGE_SIZE))


# --- PostgreSQL -------------------------------------------------------------------------


def _search_postgres(query: str):
    """Topics (evaluated), and how to fetch a page of the ranked articles."""
    fuzzy = sum(ch.isalnum() for ch in query) >= MIN_FUZZY_CHARS
    topics = _topics_postgres(query, fuzzy=fuzzy)  # Query 1
    labels = expansions(query, topics)
    params = {
        "config": CONFIG,
        "query": query,
        "now": timezone.now(),
        "cap": COUNT_LIMIT,
        "full_rank": FULL_RANK_LIMIT,
        "size": PAGE_SIZE,
        "sentinels": START + STOP,
        "before": SNIPPET_BEFORE,
        "window": SNIPPET_WINDOW,
        "cut_words": r"^\S*\s|\s\S*$",
        "word_starts": list(_BEFORE_A_WORD),
        "headline": HEADLINE_OPTIONS,
        **{f"label{i}": label for i, label in enumerate(labels)},
    }

    def results(by: str, skip: int) -> tuple[int, list[SafeString]]:
        rows = _planned_for(_results_sql(labels=len(labels), by=by), {**params, "skip": skip})
        return rows[0][0], [
            as_search_result(card, highlight(snippet), names)
            for _, card, names, snippet in rows
            if card is not None
        ]

    def articles(skip: int) -> tuple[int, list[SafeString]]:
        # Query 2: the articles with the words (or their topics' other names): counted,
        # ranked and paged, with snippets and topics, in one statement.
        total, cards = results("words", skip)
        if not total and fuzzy:
            # Query 3, only when the words find nothing: titles spelled close to them.
            total, cards = results("spelling", skip)
        return total, cards

    return topics, articles


def _planned_for(sql: str, params: dict) -> list[tuple]:
    """Run a search statement with its values written into it, so that PostgreSQL plans it
    for the words searched. Sent as parameters, a statement was prepared after two runs,
    and its generic plan, blind to the words, scanned every match: 0.9 s at 100,000."""
    with connection.cursor() as cursor:
        cursor.execute(connection.ops.compose_sql(sql, params))
        return cursor.fetchall()


# What a results page shows of a topic, in the model's field order (Model.from_db).
_SHOWN_TOPIC_FIELDS = ("id", "name", "slug", "definition", "aliases")


def _topics_postgres(query: str, *, fuzzy: bool) -> list[Topic]:
    """Topics matching the words, or, for a query long enough, a close spelling of their
    name or an alias: best first, each with `word_hit` and `similarity` for expansions()."""
    words = "websearch_to_tsquery(%(config)s::regconfig, %(query)s)"
    similarity = "0.0"
    match = f"t.search_vector @@ {words}"
    if fuzzy:  # both trigram-indexed
        similarity = (
            "GREATEST(word_similarity(%(query)s, t.name), word_similarity(%(query)s, t.aliases))"
        )
        match += " OR t.name %%> %(query)s OR t.aliases %%> %(query)s"
    sql = (
        f"SELECT {', '.join(f't.{name}' for name in _SHOWN_TOPIC_FIELDS)},"  # noqa: S608 - constants only
        f" t.search_vector @@ {words}, {similarity}"
        f" FROM articles_topic t WHERE {match}"
        f" ORDER BY ts_rank(t.search_vector, {words}) + {similarity} DESC, t.name"
        " LIMIT %(limit)s"
    )
    topics = []
    rows = _planned_for(sql, {"config": CONFIG, "query": query, "limit": TOPIC_LIMIT})
    for *values, word_hit, similarity in rows:
        topic = Topic.from_db(connection.alias, _SHOWN_TOPIC_FIELDS, values)
        topic.word_hit, topic.similarity = word_hit, similarity
        topics.append(topic)
    return topics


@functools.cache
def _results_sql(*, labels: int, by: str) -> str:
    """The results statement for a query with this many synonym labels, matching articles
    `by` "words" (full text) or "spelling" (titles close to the query, pg_trgm).

    - matching: the newest COUNT_LIMIT + 1 matches, numbered: how many match, and the
      only ones ranked, so a word found in every article costs what a rare one does.
    - page: those ranked, and the page of them. By words, on the head vector when more
      than FULL_RANK_LIMIT match (the body's words make ranking several times dearer);
      by spelling, on how close the title is.
    - each result's snippet is headlined from a window of the body around the first word
      that may be one of the query's (it starts with one's stem): ts_headline costs
      what parsing its text does, and the whole body, twenty times a page, was most of a
      search's time. A window without a hit gives no snippet; the card's summary stands.
    """
    tsquery = " || ".join(
        ["websearch_to_tsquery(%(config)s::regconfig, %(query)s)"]
        + [f"phraseto_tsquery(%(config)s::regconfig, %(label{i})s)" for i in range(labels)]
    )
    words = " || ' ' || ".join(["%(query)s"] + [f"%(label{i})s" for i in range(labels)])
    if by == "words":
        match = f"a.search_vector @@ ({tsquery})"
        rank, narrow_rank = (
            f"ts_rank(a.search_head, {tsquery})",
            f"ts_rank(a.search_vector, {tsquery})",
        )
    else:
        match = "a.title %%> %(query)s"
        rank = narrow_rank = "word_similarity(%(query)s, a.title)"
    return f"""
        WITH matching AS MATERIALIZED (
            SELECT a.id, {rank} AS head_rank,
                ROW_NUMBER() OVER (ORDER BY a.published_at DESC, a.id DESC) AS n
            FROM articles_article a
            WHERE {public_sql("%(now)s")} AND {match}
            ORDER BY a.published_at DESC, a.id DESC
            LIMIT %(cap)s + 1
        ), counted AS MATERIALIZED (
            SELECT COUNT(*) AS total FROM matching
        ), page AS (
            SELECT m.id, m.n, CASE
                WHEN (SELECT total FROM counted) > %(full_rank)s THEN m.head_rank
                ELSE (SELECT {narrow_rank} FROM articles_article a WHERE a.id = m.id)
            END AS rank
            FROM matching m
            WHERE m.n <= %(cap)s
            ORDER BY rank DESC, m.n
            LIMIT %(size)s OFFSET %(skip)s
        )
        SELECT c.total, a.card_html,
            ARRAY(SELECT t.name
             FROM articles_articletopic l JOIN articles_topic t ON t.id = l.tag_id
             WHERE l.content_object_id = a.id ORDER BY t.name),
            ts_headline(%(config)s::regconfig, w.text, {tsquery}, %(headline)s)
        FROM counted c
        LEFT JOIN (page p
            JOIN articles_article a ON a.id = p.id
            CROSS JOIN LATERAL (
                -- The body once (each use of a.body would read and decompress it again),
                -- and where the first word that may be one of the query's starts in it:
                -- a word starting with one of its stems, less a final "i" ("studi" starts
                -- no word of "study"), after a space or a mark that may open a word.
                SELECT b.text, GREATEST(1, COALESCE((
                    SELECT MIN(NULLIF(strpos(b.words, before_word || prefix), 0))
                    FROM unnest(%(word_starts)s::text[]) before_word, unnest(ARRAY(
                        SELECT CASE WHEN right(lexeme, 1) = 'i' AND length(lexeme) > 3
                            THEN left(lexeme, -1) ELSE lexeme END
                        FROM unnest(
                            tsvector_to_array(to_tsvector(%(config)s::regconfig, {words}))
                        ) lexeme
                    )) prefix
                ), 1) - %(before)s) AS start
                FROM (
                    -- A space first: a word at the very start follows one too.
                    SELECT t.text, ' ' || lower(t.text) AS words
                    FROM (SELECT a.body || '' AS text OFFSET 0) t
                    OFFSET 0
                ) b
                OFFSET 0  -- worked out once, not again for each use below
            ) body
            CROSS JOIN LATERAL (
                -- Whole words only: a word the window cuts at either end is left out.
                SELECT regexp_replace(
                    CASE WHEN body.start > 1 THEN '' ELSE ' ' END
                    || translate(substr(body.text, body.start, %(window)s), %(sentinels)s, '')
                    || CASE WHEN length(body.text) >= body.start + %(window)s THEN '' ELSE ' ' END,
                    %(cut_words)s, '', 'g'
                ) AS text
            ) w
        ) ON true
        ORDER BY p.rank DESC, p.n
    """  # noqa: S608 - the placeholders' count varies, never their text


def expansions(query: str, topics: list[Topic]) -> list[str]:
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


# Markdown marks that would look like noise in a plain-text snippet.
_MD_LINK = re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)")
_MD_FOOTNOTE = re.compile(r"\[\^[^\]\n]*\]:?")
# Two patterns rather than one alternation: twice as fast, twenty times a results page.
_MD_INLINE = re.compile(r"\*{1,3}|_{2,3}|`+|\|(?:\s*:?-{3,}:?)?")
_MD_LINE_STARTS = re.compile(r"^[ \t]*(?:#{1,6}\s|>\s?|[-+*]\s|\d+\.\s)", re.M)


def highlight(fragment: str) -> SafeString | str:
    """A snippet as safe HTML: escaped whole, then the sentinels become <mark>…</mark>.

    Returns "" when nothing in the fragment was a hit (the summary says enough then).
    """
    if not fragment or START not in fragment:
        return ""
    text = _MD_FOOTNOTE.sub("", fragment)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_LINE_STARTS.sub("", _MD_INLINE.sub("", text))
    text = " ".join(text.split())
    html = escape(text).replace(START, "<mark>").replace(STOP, "</mark>")
    return mark_safe(html)  # noqa: S308 - escaped just above; only our own tags added


# --- the fallback (SQLite) --------------------------------------------------------------


def _search_fallback(query: str, *, articles: bool = True):
    """Topics (evaluated), and how to fetch a page of the matching articles, newest first
    (None, with `articles` False: for the topics alone)."""
    words = [w for w in query.split() if any(ch.isalnum() for ch in w)][:MAX_WORDS]

    def topic_has(word: str) -> Q:
        return Q(name__icontains=word) | Q(aliases__icontains=word) | Q(headline__icontains=word)

    topics = list(
        Topic.objects.filter(reduce(and_, (topic_has(w) for w in words))).order_by("name")[
            :TOPIC_LIMIT
        ]
    )
    if not articles:
        return topics, None
    matching = Article.objects.published()
    for word in words:
        matching = matching.filter(
            Q(title__icontains=word)
            | Q(summary__icontains=word)
            | Q(topics__name__icontains=word)
            | Q(topics__aliases__icontains=word)
        )
    newest = Article.objects.filter(pk__in=matching.values("pk")).order_by("-published_at", "-pk")

    def articles(skip: int) -> tuple[int, list[SafeString]]:
        # Query 2: the newest COUNT_LIMIT + 1 matches, to count them.
        ids = list(newest.values_list("pk", flat=True)[: COUNT_LIMIT + 1])
        page_ids = ids[:COUNT_LIMIT][skip : skip + PAGE_SIZE]
        if not page_ids:
            return len(ids), []
        # Query 3: the page's cards; query 4: their topics.
        cards = Article.objects.filter(pk__in=page_ids).order_by("-published_at", "-pk")
        names = topic_names(page_ids)
        return len(ids), [
            as_search_result(card, "", names.get(pk, []))
            for pk, card in cards.values_list("pk", "card_html")
        ]

    return topics, articles


# --- SQLite: FTS5 -----------------------------------------------------------------------

# bm25's weights for the index's columns, in order: title, summary, topics, body.
FTS_WEIGHTS = (10.0, 2.0, 4.0, 1.0)
# A word is looked for by its letters only from this many: the trigram tokenizer matches
# nothing shorter.
MIN_FTS_CHARS = 3
# A misspelled word matches a title or topic that has this share of its trigrams.
FUZZY_TRIGRAMS = 0.6
# A snippet is up to this many characters of the body, from a little before the first hit.
SNIPPET_CHARS = 240
SNIPPET_LEAD = 80
_SPACE = re.compile(r"\s")
# Hits weighed in choosing where a snippet starts: enough for any body, bounded work.
MAX_SNIPPET_HITS = 200
_FTS_WORD = re.compile(r"\w+")


def _fts_words(query: str) -> list[str]:
    words = dict.fromkeys(w.casefold() for w in _FTS_WORD.findall(query))
    return [w for w in words if len(w) >= MIN_FTS_CHARS][:MAX_WORDS]


def _quoted(text: str) -> str:
    """An FTS5 string: whatever it holds is text to find, never query syntax."""
    return '"' + text.replace('"', '""') + '"'


def _trigrams(word: str) -> list[str]:
    return list(dict.fromkeys(word[i : i + 3] for i in range(len(word) - 2)))


def _search_sqlite(query: str):
    """Topics (evaluated), and how to fetch a page of the articles the full-text index
    finds, best first (the fallback's when no word is long enough to look for)."""
    words = _fts_words(query)
    if not words:
        return _search_fallback(query)
    topics, _ = _search_fallback(query, articles=False)  # Query 1
    match = " AND ".join(_quoted(w) for w in words)
    weights = ", ".join(str(w) for w in FTS_WEIGHTS)
    fuzzy_words = [w for w in words if len(w) >= MIN_FUZZY_CHARS] if fts_has_trigrams() else []

    def run(sql: str, params: list) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def ranked(score: str, order: str, condition: str, params: list, skip: int):
        """(how many match, up to COUNT_LIMIT + 1; the page's ids, best first). As on
        PostgreSQL, only the newest COUNT_LIMIT matches are ranked, so a word in every
        article costs what a rare one does; here "newest" is the latest written (the
        highest ids), the order FTS5 can stop early in. `params`: the score's, the
        MATCH's and the condition's, in the statement's order.

        Hand-written SQL: the ORM cannot query an FTS5 table (MATCH, bm25()).
        """
        sql = (
            "WITH matching AS ("  # noqa: S608 - constants and public_sql() only
            f"  SELECT f.rowid AS id, {score} AS score FROM {FTS_TABLE} f"
            "   JOIN articles_article a ON a.id = f.rowid"
            f"  WHERE {FTS_TABLE} MATCH %s{condition} AND {public_sql()}"
            "   ORDER BY f.rowid DESC LIMIT %s"
            "), numbered AS ("
            "  SELECT id, score, ROW_NUMBER() OVER (ORDER BY id DESC) AS n FROM matching"
            ") SELECT c.total, p.id FROM (SELECT COUNT(*) AS total FROM matching) c"
            " LEFT JOIN (SELECT id, score, n FROM numbered WHERE n <= %s"
            f"  ORDER BY {order}, n LIMIT %s OFFSET %s) p"
            f" ORDER BY p.{order}, p.n"
        )
        rows = run(sql, [*params, _now(), COUNT_LIMIT + 1, COUNT_LIMIT, PAGE_SIZE, skip])
        return rows[0][0], [pk for _, pk in rows if pk is not None]

    def by_words(skip: int):
        """bm25, while at most FULL_RANK_LIMIT articles have each word: its weights need
        how many have each, which FTS5 finds by reading them all (150 ms for a word in
        10,000 articles); each word's count stops at FULL_RANK_LIMIT + 1. Beyond, where
        each word is found (title, topics, summary), with the same weights, newest first
        among equals."""
        head = " + ".join(
            f"{weight} * (instr(lower(f.{column}), %s) > 0)"
            for _word in words
            for column, weight in zip(("title", "summary", "topics"), FTS_WEIGHTS, strict=False)
        )
        few = " AND ".join(
            [
                f"(SELECT COUNT(*) FROM (SELECT 1 FROM {FTS_TABLE}"  # noqa: S608 - constants only
                f" WHERE {FTS_TABLE} MATCH %s LIMIT %s)) <= %s"
            ]
            * len(words)
        )
        score = f"CASE WHEN {few} THEN bm25({FTS_TABLE}, {weights}) ELSE -({head}) END"
        few_params = [p for w in words for p in (_quoted(w), FULL_RANK_LIMIT + 1, FULL_RANK_LIMIT)]
        head_params = [w for w in words for _ in range(3)]
        return ranked(score, "score", "", [*few_params, *head_params, match], skip)

    def by_spelling(skip: int):
        """Titles and topics with enough of each word's trigrams, the most first."""
        text = "lower(f.title || ' ' || f.topics)"  # FTS5 folds case; instr() does not
        scores, conditions, score_params, condition_params = [], [], [], []
        for word in fuzzy_words:
            grams = _trigrams(word)
            score = " + ".join([f"(instr({text}, %s) > 0)"] * len(grams))
            scores.append(f"({score})")
            score_params += grams
            conditions.append(f"({score}) >= %s")
            condition_params += [*grams, max(1, round(FUZZY_TRIGRAMS * len(grams)))]
        # Each word by any of its trigrams (the conditions then count them).
        where = " AND ".join(
            "{title topics} : (" + " OR ".join(_quoted(g) for g in _trigrams(w)) + ")"
            for w in fuzzy_words
        )
        condition = " AND " + " AND ".join(conditions)
        sql_score = " + ".join(scores)
        total, ids = ranked(
            sql_score,
            "score DESC",
            condition,
            [*score_params, where, *condition_params],
            skip,
        )
        return total, ids

    def articles(skip: int) -> tuple[int, list[SafeString]]:
        # Query 2: counted, ranked and paged.
        total, ids = by_words(skip)
        if not total and fuzzy_words:
            # Only when the words find nothing: titles and topics spelled close to them.
            total, ids = by_spelling(skip)
        if not ids:
            return total, []
        # Query 3: the page's cards and bodies, for snippets around the words.
        pages = Article.objects.filter(pk__in=ids).values_list("pk", "card_html", "body")
        rows = {pk: (card, body) for pk, card, body in pages}
        # Query 4: their topics.
        names = topic_names(ids)
        return total, [
            as_search_result(rows[pk][0], body_snippet(rows[pk][1], words), names.get(pk, []))
            for pk in ids
            if pk in rows
        ]

    return topics, articles


def body_snippet(body: str, words: list[str]) -> SafeString | str:
    """A snippet of `body` around the first of `words` in it (in a word or inside one, as
    the trigram index finds them), in whole words, every hit marked: safe HTML through
    highlight(), or "" when no word is in the body (the card's summary says enough).

    Made here rather than by FTS5's snippet(), whose trigram tokens are single characters:
    its snippets were a few dozen characters, cut inside words.
    """
    text = body.replace(START, "").replace(STOP, "")
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    # Words that start with the query's first ("side" in "side effects", not "besides");
    # inside other words (the trigram index finds those too) only when there are none.
    for pattern in (re.compile(rf"\b(?:{alternatives})", re.I), re.compile(alternatives, re.I)):
        hits = [(m.start(), m.end(), m.group(0).casefold()) for m in pattern.finditer(text)]
        if hits:
            break
    else:
        return ""
    # The window showing the most different words of the query, the first among equals.
    hits = hits[:MAX_SNIPPET_HITS]
    reach = SNIPPET_CHARS - SNIPPET_LEAD
    first_start, first_end, _ = max(
        hits, key=lambda hit: len({w for at, _, w in hits if hit[0] <= at < hit[0] + reach})
    )
    start = max(0, first_start - SNIPPET_LEAD)
    end = min(len(text), start + SNIPPET_CHARS)
    if start > 0:  # from the next whole word on
        space = _SPACE.search(text, start, first_start)
        start = space.end() if space else start
    if end < len(text):  # to the end of the last whole word
        cut = max(text.rfind(" ", first_end, end), text.rfind("\n", first_end, end))
        end = cut if cut > 0 else end
    fragment = pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", text[start:end])
    return highlight(("… " if start else "") + fragment + (" …" if end < len(text) else ""))


def _now():
    """The time now, as SQLite stores it (text)."""
    return connection.ops.adapt_datetimefield_value(timezone.now())
