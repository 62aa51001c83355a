"""EXPLAIN (ANALYZE, BUFFERS) every SQL statement of the hot public pages, on a big database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub_bench_pages SECRET_KEY=x \\
        .venv/bin/python bench/explain.py [--plans]

Run it on a PostgreSQL database seeded with `python manage.py seed_bulk --articles 100000`
(bench/bench_pages.py --articles 100000 leaves one). Each page is requested through
django.test.Client with the page cache off; CaptureQueriesContext records the SQL it
really ran, and each statement is explained with ANALYZE and BUFFERS. Prints one line per
statement (time, buffers, the scans used) and exits 1 if any plan reads a big table
(articles_article, articles_articletopic, articles_topic) with a Seq Scan. Small tables
(auth_group, accounts_user) may be scanned whole: that is what the planner should do.
Read-only: only reads (statements starting SELECT or WITH; search's starts WITH) are
explained, each in a transaction rolled back afterwards.
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# The real queries of every request: nothing answered from a cache.
os.environ["PAGE_CACHE"] = "0"
os.environ["CACHE_BACKEND"] = "dummy"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

# Only the SQL matters here: read static files from source, no collectstatic manifest needed.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

BIG_TABLES = {"articles_article", "articles_articletopic", "articles_topic"}


def pages() -> list[tuple[str, str]]:
    """(name, URL) of the hot pages, picked from the seeded content."""
    from accounts.models import User
    from articles.models import Article, Topic

    topic = Topic.objects.filter(slug="bulk-topic-0").first() or Topic.objects.order_by("pk")[0]
    newest = Article.objects.published().order_by("-published_at").first()
    older = Article.objects.published().order_by("published_at").first()
    author = newest.author
    reviewer = User.objects.filter(username="bulk-editor").first() or newest.medical_reviewer
    return [
        ("home", "/"),
        ("topic index", "/topics/"),
        ("topic page", f"/topics/{topic.slug}/"),
        ("topic page 3", f"/topics/{topic.slug}/?page=3"),
        ("topic, clinicians", f"/topics/{topic.slug}/?audience=clinicians"),
        ("article (newest)", f"/articles/{newest.slug}/"),
        ("article (oldest)", f"/articles/{older.slug}/"),
        ("author page", author.get_absolute_url()),
        ("reviewer page", reviewer.get_absolute_url()),
        ("search ketamine", "/search/?q=ketamine"),
        ("search depression", "/search/?q=depression"),
        ("search misspelt", "/search/?q=esketamne"),
        ("feed (RSS)", "/feed/"),
        ("feed (Atom)", "/feed/atom/"),
        ("topic feed", f"/topics/{topic.slug}/feed/"),
        ("sitemap", "/sitemap.xml"),
        ("sitemap articles p2", "/sitemap-articles.xml?p=2"),
    ]


def walk(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from walk(child)


def scans(plan: dict) -> list[str]:
    """The table and index scans of a plan, e.g. 'Index Scan articles_article_slug_key'."""
    found = []
    for node in walk(plan):
        kind = node["Node Type"]
        if "Scan" in kind and ("Relation Name" in node or "Index Name" in node):
            found.append(f"{kind} {node.get('Index Name') or node['Relation Name']}")
    return found


def seq_scans_of_big_tables(plan: dict) -> list[str]:
    return [
        node["Relation Name"]
        for node in walk(plan)
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") in BIG_TABLES
    ]


READS = ("SELECT", "WITH")


def _explained(options: str, sql: str) -> list[tuple]:
    # ANALYZE runs the statement: rolled back, so nothing it could write would stay.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ({options}) {sql}")
        rows = cursor.fetchall()
        transaction.set_rollback(True)
    return rows


def explain(sql: str) -> dict:
    return _explained("ANALYZE, BUFFERS, FORMAT JSON", sql)[0][0][0]


def text_plan(sql: str) -> str:
    return "\n".join(row[0] for row in _explained("ANALYZE, BUFFERS", sql))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", action="store_true", help="print every plan in full")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database seeded with seed_bulk.")
    from articles.models import Article

    print(f"{Article.objects.count():,} articles in {connection.settings_dict['NAME']}\n")
    client = Client()
    failures = []
    slowest = 0.0
    for name, url in pages():
        client.get(url)  # warm the buffers and Python's caches first
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        if response.status_code != 200:
            failures.append(f"{name}: {url} answered {response.status_code}")
            continue
        queries = captured.captured_queries
        statements = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(READS)]
        total = 0.0
        print(f"{name}  {url}  ({len(statements)} queries)")
        for number, sql in enumerate(statements, 1):
            result = explain(sql)
            plan = result["Plan"]
            ms = result["Execution Time"]
            total += ms
            buffers = plan.get("Shared Hit Blocks", 0) + plan.get("Shared Read Blocks", 0)
            print(
                f"  {number}. {ms:8.2f} ms  plan {result['Planning Time']:6.2f} ms  "
                f"{buffers:6d} buffers  {', '.join(dict.fromkeys(scans(plan))) or '-'}"
            )
            if args.plans:
                print("     " + sql[:400])
                print("\n".join("     " + line for line in text_plan(sql).splitlines()))
            for table in seq_scans_of_big_tables(plan):
                failures.append(f"{name}: query {number} has a Seq Scan on {table}:\n{sql}")
        slowest = max(slowest, total)
        print(f"  = {total:.2f} ms of execution in all\n")
    if failures:
        print("FAILED:\n" + "\n".join(failures), file=sys.stderr)
        return 1
    print(f"No Seq Scan on {', '.join(sorted(BIG_TABLES))}. Slowest page: {slowest:.2f} ms of SQL.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
