"""The reliability scripts' building blocks, at a tiny size, so bench/soak.py and
bench/fault.py cannot rot. Nothing here starts gunicorn or touches the PostgreSQL server
itself (the fault script's restart is exercised only by running the script)."""

import fcntl
import os
import signal
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection

from articles import workflow
from articles.models import WorkflowEvent
from bench import fault, harness, soak
from tests.factories import TopicFactory

pytestmark = pytest.mark.postgres


def test_valid_moves_are_the_workflows_transitions():
    moves = {(a, b) for a, targets in workflow.TRANSITIONS.items() for b in targets}
    assert moves | {("draft", "draft")} == soak.VALID_MOVES


def _cycles(clinician, editor, n=2):
    entries = []
    topic = TopicFactory()
    for number in range(n):
        assert soak.editor_cycle(
            clinician=clinician, editor=editor, topic=topic, number=number, record=entries.append
        )
    return entries


def _events(entries):
    ids = {e["article"] for e in entries if e["article"]}
    with connection.cursor() as cursor:
        return soak.fetch_events(cursor, ids)


@pytest.mark.django_db
def test_editor_cycles_leave_one_event_per_transition(clinician, editor):
    entries = _cycles(clinician, editor)
    assert [e["action"] for e in entries[:9]] == [
        "create",
        "submit",
        "request_changes",
        "submit",
        "publish",
        "archive",
        "restore",
        "submit",
        "publish",
    ]
    check = soak.verify_events(entries, _events(entries))
    assert check.ok, check.problems
    assert (check.articles, check.transitions, check.events_checked) == (2, 18, 18)


@pytest.mark.django_db
def test_verifier_finds_lost_duplicated_and_out_of_chain_events(clinician, editor):
    entries = _cycles(clinician, editor)
    first, second = sorted({e["article"] for e in entries})
    # Lost: the archive event of the first article disappears.
    WorkflowEvent.objects.filter(article_id=first, to_status="archived").delete()
    # Duplicated: the second article's first publish is recorded twice.
    twice = WorkflowEvent.objects.filter(article_id=second, to_status="published").earliest("pk")
    twice.pk = None
    twice.save()

    check = soak.verify_events(entries, _events(entries))
    assert not check.ok
    assert check.lost == 1
    assert check.duplicated == 1
    assert check.broken_links >= 2  # published → draft skips archived; two publishes in a row
    assert any(f"article {first}: no event" in p for p in check.problems)


def test_verifier_counts_failed_calls_and_stray_events():
    entries = [
        {"article": 7, "action": "create", "from": "draft", "to": "draft", "ok": True},
        {"article": 7, "action": "submit", "from": "draft", "to": None, "ok": False, "error": "x"},
    ]
    events = [(7, 1, "draft", "draft"), (8, 2, "draft", "draft")]
    check = soak.verify_events(entries, events)
    assert check.failed_calls == 1
    assert check.lost == 0
    assert check.duplicated == 1  # article 8 was never logged
    assert not check.ok


def test_summary_and_timeline():
    records = [(100.0 + i * 0.1, 0.01 * (i + 1), 200, "home") for i in range(98)]
    records += [(105.0, 0.5, 503, "topic"), (105.2, 2.0, harness.CONN_ERROR, "search")]
    summary = harness.summarise(records)
    assert summary.requests == 100
    assert summary.statuses == Counter({200: 98, 503: 1, harness.CONN_ERROR: 1})
    assert (summary.server_errors, summary.no_response) == (1, 1)
    assert summary.p50 == pytest.approx(0.5)
    assert summary.p99 == pytest.approx(0.98)
    assert summary.slowest == pytest.approx(2.0)
    assert "503: 1" in summary.histogram() and "conn-error: 1" in summary.histogram()

    rows = harness.timeline(records, t0=105.0)
    assert rows[0][0] < 0 < rows[-1][0]
    assert sum(sum(c.values()) for _, c in rows) == 100
    # Requests count in the bucket they finished in: the 503 ended at +0.5 s.
    lines = harness.format_timeline(rows, {0.6: "<- mark"})
    assert any("+0.5s" in line and "503×1" in line and "<- mark" in line for line in lines)


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        status, body = (
            (503, b"<h1>Sorry, the service is unavailable</h1>")
            if self.path == "/down"
            else (200, b"ok")
        )
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_load_generator_records_every_request():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        mix = harness.PathMix([("ok", 3, ["/ok"]), ("down", 1, ["/down"])])
        notes = Counter()
        records = harness.run_load(
            httpd.server_address[1], mix, seconds=0.3, threads=2, timeout=5, notes=notes
        )
    finally:
        httpd.shutdown()
        httpd.server_close()
    statuses = Counter(r[2] for r in records)
    assert statuses[200] and statuses[503]
    assert set(statuses) == {200, 503}
    assert notes == Counter({"503 Sorry, the service is unavailable": statuses[503]})
    # Nothing listens on the port any more: a quick connection error, not a hang.
    assert harness.fetch(httpd.server_address[1], "/", timeout=2)[0] == harness.CONN_ERROR


def test_fault_judge():
    outage = fault.Outage(stop_issued=10.0, down=10.5, start_issued=16.0, ready=16.5)
    records = [(t / 10, 0.05, 200, "home") for t in range(0, 95)]
    records += [(t / 10, 0.02, 503, "topic") for t in range(101, 165)]
    records += [(t / 10, 0.05, 200, "home") for t in range(170, 260)]
    health = fault.Probe(port=0, path="/healthz")
    health.results = [(t / 10, 0.01, 503, "database down") for t in range(105, 160)]
    health.results += [(17.0, 0.01, 200, "database up")]
    page = fault.Probe(port=0, path="/articles/a/")
    page.results = [(t / 10, 0.01, 503, fault.MIDDLEWARE_503) for t in range(105, 160)]
    page.results += [(17.2, 0.1, 200, "")]
    probes = {fault.HEALTH: health, fault.PAGE: page}
    notes = Counter({f"503 {fault.MIDDLEWARE_503}": 64})

    verdict = fault.judge(records, probes, outage, notes, max_request=5, recovery_limit=5)
    assert verdict.failures == []
    assert any("recovery of /healthz: 0.51 s" in f for f in verdict.facts)

    records.append((12.0, 7.0, 500, "article"))  # a hung request that ended in a 500
    page.results[-1] = (25.0, 0.1, 200, "")  # recovered late
    health.results[0] = (10.5, 0.01, 500, "")  # /healthz crashed instead of answering 503
    verdict = fault.judge(records, probes, outage, notes, max_request=5, recovery_limit=5)
    text = "\n".join(verdict.failures)
    assert "took 7.0 s during the outage" in text
    assert "5xx other than 503" in text
    assert "database-backed page took 8.6 s to recover" in text
    assert "/healthz did not answer" in text
    assert "2 responses were 500" in text


def test_database_names_and_the_load_lock(tmp_path):
    assert harness.check_db_name("hub_soak_2", "hub_soak") == "hub_soak_2"
    with pytest.raises(SystemExit):
        harness.check_db_name("hub", "hub_soak")

    path = str(tmp_path / "loadtest.lock")
    with harness.LoadLock(path, wait=1) as lock:
        assert lock.fd is not None  # free: taken by the script itself
        other = os.open(path, os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):  # held: nobody else can take it
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(other)
    # Held by this process (as a `flock` wrapper would be): accepted without waiting.
    fd = os.open(path, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with harness.LoadLock(path, wait=1) as lock:
            assert lock.fd is None
    finally:
        os.close(fd)


def test_signals_wait_for_a_block_that_must_finish():
    before = signal.getsignal(signal.SIGHUP)
    finished = []
    with pytest.raises(SystemExit, match="signal"), harness.signals_deferred():
        os.kill(os.getpid(), signal.SIGHUP)
        finished.append(True)  # the block ran on to its end
    assert finished == [True]
    assert signal.getsignal(signal.SIGHUP) is before
