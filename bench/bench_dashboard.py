"""The admin home's panels (articles/dashboard.py) at library size: queries and time each.

    DATABASE_URL=postgres://... SECRET_KEY=x .venv/bin/python bench/bench_dashboard.py \
        [--articles 100000] [--runs 20]

Seeds the database with `seed_bulk` when it holds fewer live articles than --articles, then
puts 1% of them back in review (a third assigned to the benchmark's editor), spreads their
review dates over a year and files 1,000 open problem reports. Prints, per panel, its
queries (the same at any size: tests/articles/test_dashboard.py pins them) and its median
time over --runs runs.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models.functions import Mod  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import EDITORS, MEDICAL_REVIEWERS, User  # noqa: E402
from articles import dashboard  # noqa: E402
from articles.models import Article, ProblemReport, Status  # noqa: E402


def prepare(articles: int) -> User:
    call_command("migrate", verbosity=0)
    have = Article.objects.filter(live=True).count()
    if have < articles:
        call_command("seed_bulk", articles=articles - have, verbosity=0)
    editor, _ = User.objects.get_or_create(
        username="bench-editor", defaults={"credentials": "MBBS", "email": "ed@example.org"}
    )
    editor.groups.add(*Group.objects.filter(name__in=[EDITORS, MEDICAL_REVIEWERS]))
    today = timezone.localdate()
    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    in_review = ids[::100]
    Article.objects.filter(pk__in=in_review).update(
        status=Status.IN_REVIEW, submitted_at=timezone.now(), assignee=None
    )
    Article.objects.filter(pk__in=in_review[::3]).update(assignee=editor)
    # Review dates every 5 days from a month ago to eleven months ahead.
    live = Article.objects.filter(live=True).annotate(bucket=Mod("pk", 73))
    for bucket in range(73):
        live.filter(bucket=bucket).update(
            next_review_due=today + datetime.timedelta(days=5 * bucket - 30)
        )
    if ProblemReport.objects.filter(state="open").count() < 1000:
        ProblemReport.objects.bulk_create(ProblemReport(message=f"Report {n}") for n in range(1000))
    return editor


def measure(name, run, runs: int) -> None:
    with CaptureQueriesContext(connection) as captured:
        run()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    print(f"{name:<16} {len(captured):>3} queries  {statistics.median(times):8.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    options = parser.parse_args()
    editor = prepare(options.articles)
    author = Article.objects.order_by("pk").first().author
    print(f"{Article.objects.count()} articles on {connection.vendor}")
    measure("counts", lambda: dashboard.counts(editor), options.runs)
    measure("awaiting", lambda: dashboard.awaiting(editor), options.runs)
    measure("due_for_review", dashboard.due_for_review, options.runs)
    measure("open_reports", dashboard.open_reports, options.runs)
    measure("activity", lambda: dashboard.activity(editor, everyone=True), options.runs)
    measure("authored", lambda: dashboard.authored(author), options.runs)


if __name__ == "__main__":
    main()
