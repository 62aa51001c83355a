"""The API's page of 20 articles against the HTML topic page, in-process (target: the API
answers at least as fast as the page).

    SECRET_KEY=x .venv/bin/python bench/bench_api.py [--articles 1000] [--runs 200]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub_bench_api SECRET_KEY=x \\
        .venv/bin/python bench/bench_api.py --articles 1000

Seeds `seed_bulk --articles N` into a throwaway SQLite file (or the database DATABASE_URL
names, which it migrates and fills: never point it at one you care about), then asks for
the busiest topic's pages through Django's test client in this process, so the time is
the server's: middleware, routing, queries, rendering or JSON. The page cache is off
(every answer made afresh); rate limits are lifted. Pairs measured, each --runs times after
a warm-up: the topic page (/topics/<slug>/, 20 cards) and the API's page of its articles
(/api/v1/articles?topic=<slug>); the topic page and /api/v1/topics/<slug> (the topic with
its first 20 articles); an article page and /api/v1/articles/<slug>. Prints each one's
median and 95th percentile, and its queries. Exit status 1 when the API's page of 20 is
slower than the HTML topic page.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
_db = Path(tempfile.mkdtemp()) / "bench_api.sqlite3"
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_db}")
os.environ["PAGE_CACHE"] = "0"
os.environ["CACHE_BACKEND"] = "locmem"
os.environ["API_ANONYMOUS_PER_MINUTE"] = "100000000"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from articles.models import Article, Topic  # noqa: E402


def _get(client: Client, url: str) -> tuple[float, int, int]:
    reset_queries()
    start = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed, len(connection.queries), len(response.content)


def measure_pair(client: Client, urls: tuple[str, str], runs: int) -> list[dict]:
    """Both addresses, one after the other, `runs` times: on a shared machine, load from
    elsewhere then falls on both alike."""
    times: dict[str, list[float]] = {url: [] for url in urls}
    last = {}
    for url in urls:
        _get(client, url)  # warm-up: imports, prepared statements, templates
    for _ in range(runs):
        for url in urls:
            elapsed, queries, size = _get(client, url)
            times[url].append(elapsed)
            last[url] = (queries, size)
    found = []
    for url in urls:
        ordered = sorted(times[url])
        found.append(
            {
                "url": url,
                "median": statistics.median(ordered),
                "p95": ordered[max(0, int(len(ordered) * 0.95) - 1)],
                "queries": last[url][0],
                "bytes": last[url][1],
            }
        )
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    setup_test_environment()
    settings.DEBUG = True  # connection.queries, for the query counts
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SECURE_SSL_REDIRECT = False  # plain HTTP in-process
    call_command("migrate", verbosity=0)
    if not Article.objects.exists():
        start = time.perf_counter()
        call_command("seed_bulk", articles=args.articles, verbosity=0)
        print(f"seeded {args.articles:,} articles in {time.perf_counter() - start:.1f} s")
    topic = Topic.objects.with_public_count().order_by("-num_articles").first()
    article = Article.objects.published().order_by("-published_at").first()
    print(
        f"{connection.vendor}, {Article.objects.count():,} articles; topic "
        f"{topic.slug!r} has {topic.num_articles:,} public articles"
    )
    client = Client()
    pairs = [
        (f"/topics/{topic.slug}/", f"/api/v1/articles?topic={topic.slug}"),
        (f"/topics/{topic.slug}/", f"/api/v1/topics/{topic.slug}"),
        (f"/articles/{article.slug}/", f"/api/v1/articles/{article.slug}"),
    ]
    results = []
    print(f"\n{'address':58} {'median ms':>9} {'p95 ms':>7} {'queries':>7} {'KB':>6}")
    for pair in pairs:
        for found in measure_pair(client, pair, args.runs):
            results.append(found)
            url = found["url"]
            print(
                f"{url[:58]:58} {found['median']:9.2f} {found['p95']:7.2f} "
                f"{found['queries']:7d} {found['bytes'] / 1024:6.1f}"
            )
    html_page, api_page = results[0]["median"], results[1]["median"]
    print(
        f"\nAPI page of 20 articles: {api_page:.2f} ms against the topic page's "
        f"{html_page:.2f} ms ({api_page / html_page:.0%})"
    )
    sys.exit(0 if api_page <= html_page else 1)


if __name__ == "__main__":
    main()
