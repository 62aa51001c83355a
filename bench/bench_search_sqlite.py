"""Search speed on SQLite (the default database: FTS5) with many published articles.

    SECRET_KEY=x .venv/bin/python bench/bench_search_sqlite.py --articles 10000 [--runs 20]

Builds a SQLite file of its own (bench/search-bench.sqlite3, git-ignored) once: migrate,
then seed_bulk with that many articles, which fills the full-text index in one statement.
Then times a results page as the view builds it (search.find(): topics, the matches
counted, ranked and paged, the cards and bodies, their topics), the median of --runs runs
for each query: words in titles, a body phrase, a brand name, misspellings, a broad word
and FTS5 syntax. The target is a median under 50 ms at 10,000 articles.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
# Its own file, whatever DATABASE_URL says: it adds rows it never removes.
DATABASE = Path(__file__).resolve().parent / "search-bench.sqlite3"
os.environ["DATABASE_URL"] = f"sqlite:///{DATABASE}"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.migrations.exceptions import InconsistentMigrationHistory  # noqa: E402

from articles import search  # noqa: E402
from articles.models import Article  # noqa: E402

QUERIES = [
    "ketamine",
    "side effects",
    "spravato",
    "ketamne",
    "nasal spray for depression",
    "depression",
    'NEAR("x" y) ^title: *',
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    try:
        call_command("migrate", verbosity=0)
    except InconsistentMigrationHistory:
        # Built from migrations since renumbered or rechained: build it again.
        connection.close()
        DATABASE.unlink()
        call_command("migrate", verbosity=0)
    if Article.objects.count() < args.articles:
        call_command("seed_bulk", articles=args.articles - Article.objects.count())
    print(f"SQLite {connection.Database.sqlite_version}, {Article.objects.count()} articles")
    medians = []
    for query in QUERIES:
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            results = search.find(query)
            times.append((time.perf_counter() - started) * 1000)
        found = results.page.paginator.count if results.page else 0
        median = statistics.median(times)
        medians.append(median)
        print(f"{query[:30]:32} {found:>6} found   median {median:7.1f} ms   max {max(times):7.1f}")
    print(f"median of the medians: {statistics.median(medians):.1f} ms")


if __name__ == "__main__":
    main()
