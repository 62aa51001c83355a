"""Search speed on PostgreSQL with many published articles.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub_search_bench SECRET_KEY=x \\
        .venv/bin/python bench/bench_search.py --articles 100000

Creates the database if it is missing, migrates it, and seeds it (once) with synthetic
published articles: bulk inserts with precomputed body_html, then one UPDATE that sets
every search vector. Then times a results page, as the view builds it (topics, count,
page with snippets and topics), median of --runs runs per query.
Use a database of its own: it adds rows it never removes, and it refuses to run on a
database holding articles it did not make.
"""

import argparse
import datetime
import html
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")

import dj_database_url  # noqa: E402
import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

QUERIES = ["ketamine", "spravato", "ketamin", "nasal spray for depression"]
EXTRA_QUERIES = ["esketamne", "TRD", "depression", "the"]


def ensure_database() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL database of its own (.../hub_search_bench).")
    config = dj_database_url.parse(url)
    with psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
            return
    with psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname=config["NAME"],
    ) as conn:
        if conn.execute("SELECT to_regclass('articles_article')").fetchone()[0] is None:
            return
        foreign = conn.execute(
            "SELECT slug FROM articles_article WHERE slug NOT LIKE 'bench-%' LIMIT 1"
        ).fetchone()
        if foreign:
            sys.exit(
                f"{config['NAME']} holds articles this benchmark did not make "
                f"({foreign[0]!r}): use a database of its own."
            )


ensure_database()

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from articles.models import (  # noqa: E402
    Article,
    ArticleTopic,
    Status,
    Topic,
    refresh_search_vectors,
    refresh_topic_vectors,
)
from articles.search import find  # noqa: E402

NAMED_TOPICS = [
    ("Ketamine for depression", ["ketamine therapy", "ketamine infusion"]),
    ("Esketamine", ["Spravato", "esketamine nasal spray"]),
    ("Treatment-resistant depression", ["TRD", "treatment resistant depression"]),
    ("Depression", ["clinical depression", "major depressive disorder", "MDD"]),
    ("Antidepressants", ["SSRIs", "antidepressant medicines"]),
    ("Electroconvulsive therapy", ["ECT"]),
    ("Talking therapies", ["psychotherapy", "CBT"]),
]
SYLLABLES = [
    "ka", "ta", "mi", "ne", "lo", "ra", "vi", "do", "su", "pe", "cor", "tin", "zol", "pra",
    "mab", "cept", "ol", "ate", "ium", "ox"
]  # fmt: skip
COMMON = [
    "the", "a", "of", "and", "to", "in", "is", "it", "for", "with", "that", "on", "as", "are",
    "be", "this", "you", "by", "or", "your", "can", "may", "people", "doctor", "treatment",
    "dose", "weeks", "feel", "help", "often", "some", "most", "after", "before", "when",
    "about", "their", "other", "more", "usually", "very", "side", "effects", "daily", "care",
    "health", "plan", "clinic", "nurse", "sleep", "mood", "blood", "pressure", "risk",
    "benefit", "study", "trial", "evidence", "medicine", "tablet", "spray", "nasal", "therapy",
    "symptoms", "week", "month", "year", "talk", "family", "support"
]  # fmt: skip
RARE_MENTIONS = {  # phrase: share of articles that mention it somewhere
    "ketamine": 0.03,
    "esketamine": 0.015,
    "Spravato": 0.005,
    "nasal spray": 0.02,
    "depression": 0.10,
    "treatment-resistant depression": 0.02,
}


def synthetic_word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def seed(n: int, words: int, batch: int) -> None:
    rng = random.Random(7)
    author, _ = User.objects.get_or_create(
        username="bench-author", defaults={"first_name": "Bench", "last_name": "Author"}
    )
    topics = []
    for name, aliases in NAMED_TOPICS:
        topic = Topic.objects.filter(name=name).first() or Topic(name=name)
        topic.aliases = "\n".join(aliases)
        topic.definition = f"A definition of {name.lower()}."
        topic.save()
        topics.append(topic)
    have = Topic.objects.count()
    Topic.objects.bulk_create(
        [
            Topic(name=f"{synthetic_word(rng).capitalize()} {i}", slug=f"bench-topic-{i}")
            for i in range(have, 200)
        ],
        ignore_conflicts=True,
    )
    refresh_topic_vectors(None)
    all_topics = list(Topic.objects.values_list("pk", "name"))
    vocabulary = COMMON * 8 + [synthetic_word(rng) for _ in range(3000)]

    start_count = Article.objects.count()
    now = timezone.now()
    started = time.perf_counter()
    for begin in range(start_count, n, batch):
        rows, links = [], []
        for i in range(begin, min(n, begin + batch)):
            picked = rng.sample(all_topics, rng.randint(1, 3))
            text = rng.choices(vocabulary, k=rng.randint(words // 2, words * 3 // 2))
            for phrase, share in RARE_MENTIONS.items():
                if rng.random() < share:
                    text.insert(rng.randrange(len(text)), phrase)
            title_topic = picked[0][1]
            body = " ".join(text)
            summary = " ".join(rng.choices(vocabulary, k=18)).capitalize() + "."
            rows.append(
                Article(
                    title=f"{title_topic}: {' '.join(rng.choices(COMMON, k=4))} {i}",
                    slug=f"bench-{i}",
                    summary=summary,
                    body=body,
                    body_html=f"<p>{body}</p>",
                    author=author,
                    status=Status.PUBLISHED,
                    live=True,
                    published_at=now - datetime.timedelta(minutes=i),
                    last_reviewed=(now - datetime.timedelta(days=i % 700)).date(),
                    word_count=len(text),
                )
            )
            links.append([pk for pk, _ in picked])
        with transaction.atomic():
            created = Article.objects.bulk_create(rows)
            ArticleTopic.objects.bulk_create(
                [
                    ArticleTopic(content_object_id=article.pk, tag_id=topic_id)
                    for article, topic_ids in zip(created, links, strict=True)
                    for topic_id in topic_ids
                ]
            )
        done = min(n, begin + batch)
        rate = (done - start_count) / (time.perf_counter() - started)
        print(f"\r  seeded {done:,}/{n:,} articles ({rate:,.0f}/s)", end="", flush=True)
    print()
    if Article.objects.filter(search_vector__isnull=True).exists():
        started = time.perf_counter()
        refresh_search_vectors(None)  # one UPDATE for every article
        print(f"  search vectors: {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE articles_article")
        cursor.execute("VACUUM ANALYZE articles_articletopic")
        cursor.execute("VACUUM ANALYZE articles_topic")


def results_page(query: str) -> tuple[str, int, list[str]]:
    """A results page as the view builds it: each result is its finished card HTML."""
    results = find(query, page=1)
    cards = list(results.page) if results.page else []
    titles = [html.unescape(m.group(1)) for m in map(CARD_TITLE.search, cards) if m]
    assert len(titles) == len(cards)
    count = results.page.paginator.count if results.page else 0
    return f"{count:,}{'+' if results.more else ''}", len(results.topics), titles


CARD_TITLE = re.compile(r'class="card__title"><a href="[^"]*">([^<]*)</a>')


def time_query(query: str, runs: int) -> tuple[float, float, str, int, int, str]:
    results_page(query)  # warm caches, as a busy server has
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        count, topics, titles = results_page(query)
        times.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        results_page(query)
    return (
        statistics.median(times),
        max(times),
        count,
        topics,
        len(ctx.captured_queries),
        titles[0] if titles else "",
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--words", type=int, default=400, help="average body length")
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--explain", action="store_true", help="print query plans")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    seed(args.articles, args.words, args.batch)
    total = Article.objects.published().count()
    print(f"published articles: {total:,}; topics: {Topic.objects.count():,}")
    print(f"{'query':<30} {'median':>9} {'max':>9} {'matches':>8} {'topics':>6} {'SQL':>4}  top")
    for query in QUERIES + EXTRA_QUERIES:
        median, worst, count, topics, n_sql, top = time_query(query, args.runs)
        print(
            f"{query!r:<30} {median:>7.1f}ms {worst:>7.1f}ms {count:>8} {topics:>6} {n_sql:>4}"
            f"  {top[:50]}"
        )
    if args.explain:
        for query in QUERIES:
            with CaptureQueriesContext(connection) as ctx:
                results_page(query)
            for captured in ctx.captured_queries[1:2]:
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + captured["sql"])
                    print(f"\n-- {query!r}\n" + "\n".join(row[0] for row in cursor.fetchall()))
    reset_queries()


if __name__ == "__main__":
    main()
