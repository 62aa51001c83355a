"""Soak test: mixed read load plus an editor publishing in a loop, for --minutes.

    flock /tmp/loadtest.lock .venv/bin/python bench/soak.py --minutes 10
    flock /tmp/loadtest.lock .venv/bin/python bench/soak.py --minutes 0.2   # a quick check

Creates a PostgreSQL database of its own (--db, default hub_soak; dropped and recreated,
and dropped again at the end unless --keep-db), migrates it, loads the demo and
--articles synthetic articles, collects static files and serves the app with gunicorn
and production settings (DEBUG off, 3 sync workers, --timeout 30) on a free loopback
port. Then, for --minutes:

* readers (threads in a process of their own) request home, the topic index, topic
  pages, articles, author pages, search, feeds and the sitemap, recording every status
  and latency;
* an editor (another process, Django's workflow functions) takes new articles through
  every transition once: create → submit → request changes → submit → publish →
  archive → restore → submit → publish, logging each call's result.

At the end it checks that no response was a 5xx (or missing), that the server's log
holds no traceback or killed worker, and that for every transition the editor made
exactly one WorkflowEvent exists, each article's events forming a valid chain. It prints
the figures and exits non-zero on any failure.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
from harness import log  # noqa: E402

# The workflow's moves (articles/workflow.py TRANSITIONS), plus the creation event
# draft → draft; tests/test_reliability_smoke.py keeps the two in step.
VALID_MOVES = {
    ("draft", "draft"),
    ("draft", "in_review"),
    ("in_review", "published"),
    ("in_review", "changes_requested"),
    ("in_review", "draft"),  # withdrawn by the author
    ("changes_requested", "in_review"),
    ("published", "archived"),
    ("archived", "draft"),
}

BODY = (
    "Ketamine is an anaesthetic that, at low doses and under supervision, can ease "
    "depression that has not responded to other treatment.[^1]\n\n"
    "## What to expect\n\nA clinic checks blood pressure before and after each dose.\n\n"
    "[^1]: Soak test source. *Journal of Reliability*. 2026;1:1."
)


# --- the editor loop (runs inside Django) ----------------------------------------------


def editor_cycle(*, clinician, editor, topic, number: int, record: Callable[[dict], None],
                 pause: float = 0.0, label: str = "soak") -> bool:  # fmt: skip
    """One new article through every transition once; `record` gets each call's result.

    Returns False if a call raised (the rest of that cycle is skipped).
    """
    from articles import workflow

    checklist = list(workflow.CHECKLIST)

    def publish(a):
        # BODY reads above grade 8: an approval then records why (issue 18).
        return workflow.publish(
            article=a, by=editor, checklist=checklist, grade_reason="Soak test: synthetic text."
        )

    steps = [
        ("submit", lambda a: workflow.submit_for_review(article=a, by=clinician)),
        (
            "request_changes",
            lambda a: workflow.request_changes(
                article=a, by=editor, comment="Please add the monitoring details."
            ),
        ),
        ("submit", lambda a: workflow.submit_for_review(article=a, by=clinician)),
        ("publish", publish),
        ("archive", lambda a: workflow.archive(article=a, by=editor, comment="Soak: unpublish.")),
        ("restore", lambda a: workflow.restore(article=a, by=editor)),
        ("submit", lambda a: workflow.submit_for_review(article=a, by=clinician)),
        ("publish", publish),
    ]
    entry = {"cycle": number, "step": 0, "action": "create", "article": None, "from": "draft"}
    try:
        article = workflow.create_article(
            by=clinician,
            title=f"Ketamine clinic visits, {label} {number}",
            summary="What happens at a ketamine clinic visit, step by step.",
            body=BODY,
            topics=[topic],
        )
    except Exception as exc:
        record({**entry, "to": None, "ok": False, "error": repr(exc), "t": time.time()})
        return False
    record({**entry, "article": article.pk, "to": article.status, "ok": True, "t": time.time()})
    for step, (action, call) in enumerate(steps, start=1):
        if pause:
            time.sleep(pause)
        entry = {"cycle": number, "step": step, "action": action, "article": article.pk}
        before = article.status
        try:
            article = call(article)
        except Exception as exc:
            record({**entry, "from": before, "to": None, "ok": False, "error": repr(exc),
                    "t": time.time()})  # fmt: skip
            return False
        record({**entry, "from": before, "to": article.status, "ok": True, "t": time.time()})
    return True


def editor_main(seconds: float, log_path: str, pause: float, max_cycles: int) -> int:
    sys.path.insert(0, str(harness.ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    import django

    django.setup()
    from accounts.models import User
    from articles.models import Topic

    clinician = User.objects.get(username="clinician")
    editor = User.objects.get(username="editor")
    topic = Topic.objects.filter(is_featured=True).order_by("pk").first() or Topic.objects.first()
    label = f"soak-{os.getpid()}"
    deadline = time.monotonic() + seconds
    failures = 0
    with open(log_path, "a") as out:

        def record(entry: dict) -> None:
            out.write(json.dumps(entry) + "\n")
            out.flush()

        for number in range(max_cycles):
            if time.monotonic() >= deadline:
                break
            ok = editor_cycle(clinician=clinician, editor=editor, topic=topic, number=number,
                              record=record, pause=pause, label=label)  # fmt: skip
            if not ok:
                failures += 1
                time.sleep(0.5)
                if failures >= 20:
                    break
    return 1 if failures else 0


# --- verification -------------------------------------------------------------------------


@dataclass
class EventCheck:
    articles: int = 0
    transitions: int = 0  # calls the editor logged as done
    failed_calls: int = 0  # calls that raised
    events_checked: int = 0
    lost: int = 0
    duplicated: int = 0
    broken_links: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.broken_links or self.failed_calls)

    def lines(self) -> list[str]:
        return [
            f"transitions done: {self.transitions} on {self.articles} articles "
            f"(failed calls: {self.failed_calls})",
            f"events checked: {self.events_checked}; lost: {self.lost}, "
            f"duplicated: {self.duplicated}, broken chain links: {self.broken_links}",
            *(f"  ! {p}" for p in self.problems[:20]),
        ]


def read_log(path: str | Path) -> list[dict]:
    entries = []
    for line in Path(path).read_text().splitlines():
        if line.strip():
            entries.append(json.loads(line))
    return entries


def fetch_events(cursor, article_ids: Iterable[int]) -> list[tuple[int, int, str, str]]:
    """(article, event id, from, to) for the articles, with any DB-API cursor (PostgreSQL)."""
    cursor.execute(
        "SELECT article_id, id, from_status, to_status FROM articles_workflowevent "
        "WHERE article_id = ANY(%s) ORDER BY article_id, id",
        [sorted(set(article_ids))],
    )
    return [tuple(row) for row in cursor.fetchall()]


def verify_events(
    entries: Iterable[dict], events: Iterable[tuple[int, int, str, str]]
) -> EventCheck:
    """Exactly one event per logged transition, in order, and each article a valid chain.

    `entries` are the editor's log lines in the order it made the calls; calls that raised
    (ok false) must have left no event. `events` are (article, id, from, to) rows.
    """
    check = EventCheck()
    expected: dict[int, list[tuple[str, str]]] = {}
    for entry in entries:
        if not entry["ok"]:
            check.failed_calls += 1
            check.problems.append(
                f"{entry['action']} on article {entry['article']} raised {entry.get('error')}"
            )
            if entry["article"] is None:
                continue
        expected.setdefault(entry["article"], [])
        if entry["ok"]:
            expected[entry["article"]].append((entry["from"], entry["to"]))
            check.transitions += 1
    actual: dict[int, list[tuple[int, str, str]]] = {}
    for article, pk, from_status, to_status in sorted(events):
        actual.setdefault(article, []).append((pk, from_status, to_status))
    check.articles = len(expected)
    for article, wanted in expected.items():
        rows = actual.get(article, [])
        got = [(f, t) for _, f, t in rows]
        check.events_checked += len(got)
        matcher = difflib.SequenceMatcher(a=wanted, b=got, autojunk=False)
        for op, a1, a2, b1, b2 in matcher.get_opcodes():
            if op in ("delete", "replace"):
                check.lost += a2 - a1
                check.problems.append(f"article {article}: no event for {wanted[a1:a2]}")
            if op in ("insert", "replace"):
                check.duplicated += b2 - b1
                check.problems.append(f"article {article}: unexpected events {got[b1:b2]}")
        previous = None
        for pk, from_status, to_status in rows:
            if (from_status, to_status) not in VALID_MOVES:
                check.broken_links += 1
                check.problems.append(f"event {pk}: {from_status} → {to_status} is no valid move")
            elif previous is None and from_status != "draft":
                check.broken_links += 1
                check.problems.append(f"event {pk}: the first event starts from {from_status}")
            elif previous is not None and from_status != previous:
                check.broken_links += 1
                check.problems.append(
                    f"event {pk}: starts from {from_status}, the previous ended at {previous}"
                )
            previous = to_status
    stray = set(actual) - set(expected)
    if stray:
        check.duplicated += sum(len(actual[a]) for a in stray)
        check.problems.append(f"events for articles the editor never logged: {sorted(stray)}")
    return check


# --- the run ---------------------------------------------------------------------------------


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--db", default="hub_soak")
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=6, help="concurrent readers")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--editor-pause", type=float, default=0.05, help="seconds between calls")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database")
    parser.add_argument(
        "--redis",
        default="",
        metavar="URL",
        help="share a Redis cache (turns the page cache on), e.g. redis://127.0.0.1:6379/13; "
        "default: local-memory caches",
    )
    parser.add_argument("--editor-loop", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--log", default="", help=argparse.SUPPRESS)
    parser.add_argument("--max-cycles", type=int, default=100_000, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> int:
    db = harness.check_db_name(args.db, "hub_soak")
    seconds = args.minutes * 60
    workdir = Path(tempfile.mkdtemp(prefix="hub-soak-"))
    env = harness.production_env(db, redis_url=args.redis)
    failures: list[str] = []
    editor = server = None
    try:
        harness.prepare_site(db, env, args.articles)
        mix = harness.reader_paths(db)
        server = harness.start_gunicorn(env, workers=args.workers, timeout=30, log_dir=workdir)
        editor_log = workdir / "editor.jsonl"
        editor_log.touch()
        log(f"soak: {args.minutes:g} min, {args.threads} readers, 1 editor; logs in {workdir}")
        editor = subprocess.Popen(
            [harness.PYTHON, __file__, "--editor-loop", "--seconds", str(seconds),
             "--log", str(editor_log), "--editor-pause", str(args.editor_pause)],
            cwd=harness.ROOT, env=env,
        )  # fmt: skip
        load = harness.LoadProcess(server.port, mix, seconds=seconds, threads=args.threads)
        load.start()
        started = time.monotonic()
        next_report = started + 60
        while load.process.is_alive() and time.monotonic() < started + seconds + 120:
            load.process.join(1)
            if time.monotonic() >= next_report:
                done = sum(1 for _ in editor_log.open())
                log(f"  {(time.monotonic() - started) / 60:.0f} min: {done} editor calls")
                next_report += 60
        records = load.result()
        try:
            editor_rc = editor.wait(timeout=120)
        except subprocess.TimeoutExpired:
            editor.terminate()
            editor_rc = editor.wait(timeout=30)
        if editor_rc:
            failures.append(f"the editor loop exited with {editor_rc}")
        server.stop()

        summary = harness.summarise(records)
        entries = read_log(editor_log)
        import psycopg

        with psycopg.connect(dbname=db, connect_timeout=5, **harness.PG) as conn:
            events = fetch_events(conn.cursor(), {e["article"] for e in entries if e["article"]})
        check = verify_events(entries, events)
        problems = harness.log_problems(server.log_text())

        print("\n=== soak results ===")
        for line in summary.lines():
            print(line)
        for note, count in load.notes.most_common(10):
            print(f"  5xx page: {note} ×{count}")
        for line in check.lines():
            print(line)
        print("server log: " + ", ".join(f"{k} {v}" for k, v in problems.items()))

        if summary.requests == 0:
            failures.append("no requests were made")
        if summary.server_errors:
            failures.append(f"{summary.server_errors} responses were 5xx")
        if summary.no_response:
            failures.append(f"{summary.no_response} requests got no response")
        if check.transitions == 0:
            failures.append("the editor made no transitions")
        if not check.ok:
            failures.append("workflow events are lost, duplicated or out of chain")
        for name, count in problems.items():
            if count:
                failures.append(f"the server log shows {count} {name.replace('_', ' ')}")
    finally:
        if editor is not None and editor.poll() is None:
            editor.terminate()
            editor.wait(timeout=30)
        if server is not None:
            server.stop()
        if not args.keep_db:
            harness.drop_database(db)
    if failures:
        print("FAILED: " + "; ".join(failures))
        print(f"logs (server, editor) kept in {workdir}")
        return 1
    shutil.rmtree(workdir, ignore_errors=True)
    print("OK: no 5xx, no lost or duplicated workflow events")
    return 0


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.editor_loop:
        return editor_main(args.seconds, args.log, args.editor_pause, args.max_cycles)
    harness.exit_on_signals()
    with harness.LoadLock():
        return run(args)


if __name__ == "__main__":
    sys.exit(main())
