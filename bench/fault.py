"""Fault injection: stop PostgreSQL under read load and watch the app fail soft and recover.

    flock /tmp/loadtest.lock .venv/bin/python bench/fault.py            # 6 s outage
    flock /tmp/loadtest.lock .venv/bin/python bench/fault.py --outage 8

Same setup as bench/soak.py, on a database of its own (--db, default hub_fault). Under
steady read load it stops the local PostgreSQL cluster (`pg_ctlcluster` fast shutdown),
keeps it down for --outage seconds, starts it again and checks that

* during the outage readers get 503 pages from hub/middleware.py (or quick connection
  errors), never a 500 or another 5xx, and no request takes longer than --max-request
  seconds (the connect timeout plus a margin): no hung worker;
* /healthz answers 503 with {"database": "down"} while PostgreSQL is down;
* once pg_isready succeeds, /healthz and a database-backed page answer 200 within
  --recovery-limit seconds, with no restart of the app;
* the server's log holds no traceback and no killed worker.

It prints a timeline (status counts per 0.5 s), the recovery times and the longest request
during the outage, and exits non-zero if an expectation fails.

The PostgreSQL server is shared with other work on this machine: run this only holding
the load lock (the script checks, and waits for it otherwise), keep the outage short,
and know that the script always starts PostgreSQL again (in `finally`, also on SIGTERM
or Ctrl-C; only SIGKILL can prevent it; then run `pg_ctlcluster 15 main start`).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
from harness import log  # noqa: E402

MIDDLEWARE_503 = "Sorry, the service is unavailable"


# --- PostgreSQL control -------------------------------------------------------------------


def find_cluster(port: int = 5432) -> tuple[str, str]:
    """(version, name) of the local cluster on `port`, from pg_lsclusters."""
    out = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[2] == str(port):
            return parts[0], parts[1]
    raise SystemExit(f"no PostgreSQL cluster on port {port} (see pg_lsclusters)")


def pg_ctl(cluster: tuple[str, str], action: str, timeout: float = 60) -> None:
    version, name = cluster
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", "-m", "fast", version, name, action],
        check=True,
        timeout=timeout,
        capture_output=True,
    )


def pg_ready(timeout: int = 1) -> bool:
    result = subprocess.run(
        ["pg_isready", "-q", "-h", harness.PG["host"], "-p", str(harness.PG["port"]),
         "-t", str(timeout)],
        check=False, timeout=timeout + 5,
    )  # fmt: skip
    return result.returncode == 0


def start_postgres(cluster: tuple[str, str], limit: float = 90) -> tuple[float, float | None]:
    """Start the cluster, retrying until it accepts connections (other work depends on it).

    Returns when the first start command was issued and when pg_isready first succeeded
    (None if it never did). A thread polls pg_isready every 50 ms meanwhile, so that
    moment is not delayed by `pg_ctlcluster`, which returns only once the server is up.
    """
    start_issued = time.monotonic()
    deadline = start_issued + limit
    ready: list[float] = []
    done = threading.Event()

    def poll() -> None:
        while not done.is_set() and time.monotonic() < deadline:
            if pg_ready(1):
                ready.append(time.monotonic())
                return
            time.sleep(0.05)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    attempt = 0
    while not ready and time.monotonic() < deadline:
        attempt += 1
        log("starting PostgreSQL" + (f" (attempt {attempt})" if attempt > 1 else ""))
        try:
            pg_ctl(cluster, "start")
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            # Exit 2 means "already running" (or still shutting down): pg_isready decides.
            stderr = (getattr(exc, "stderr", b"") or b"").decode(errors="replace").strip()
            log(f"pg_ctlcluster start: {stderr[-200:] or exc}")
        harness.wait_until(lambda: bool(ready), 5, 0.05)
    done.set()
    poller.join(5)
    if not ready and pg_ready(1):
        ready.append(time.monotonic())
    if not ready:
        log("!!! PostgreSQL is NOT running: start it with pg_ctlcluster 15 main start")
    return start_issued, (ready[0] if ready else None)


# --- probes -------------------------------------------------------------------------------


@dataclass
class Probe:
    """Requests one path every `interval` seconds from a thread, keeping every answer."""

    port: int
    path: str
    interval: float = 0.25
    timeout: float = 35
    headers: dict[str, str] = field(default_factory=dict)
    results: list[tuple[float, float, int, str]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def run(self, seconds: float) -> Probe:
        deadline = time.monotonic() + seconds

        def loop() -> None:
            n = 0
            while not self._stop.is_set() and time.monotonic() < deadline:
                n += 1
                path = self.path.replace("{n}", str(n))
                started = time.monotonic()
                status, body, _ = harness.fetch(
                    self.port, path, timeout=self.timeout, headers=self.headers
                )
                self.results.append((started, time.monotonic() - started, status, describe(body)))
                self._stop.wait(self.interval)

        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.timeout + 5)

    def first_ok_after(self, t: float) -> float | None:
        """When the first 200 that started at or after `t` finished."""
        for started, duration, status, _ in self.results:
            if started >= t and status == 200:
                return started + duration
        return None


def describe(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return harness.page_says(body)
    return f"database {data.get('database')}" if isinstance(data, dict) else ""


# --- analysis -----------------------------------------------------------------------------


@dataclass
class Outage:
    stop_issued: float
    down: float  # pg_ctlcluster stop returned
    start_issued: float
    ready: float  # pg_isready succeeded


@dataclass
class Verdict:
    failures: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)


HEALTH, PAGE, ADMIN = "/healthz", "database-backed page", "signed-in admin page"


def _counts(counter: Counter) -> str:
    return ", ".join(f"{harness.status_label(s)}: {n}" for s, n in sorted(counter.items())) or "-"


def judge(records, probes: dict[str, Probe], outage: Outage, notes: Counter, *,
          max_request: float, recovery_limit: float) -> Verdict:  # fmt: skip
    """Check the run against the expectations; every figure goes into `facts`.

    `probes` holds the HEALTH and PAGE probes (and optionally ADMIN), each polling one
    path through the outage.
    """
    v = Verdict()
    during = [r for r in records if r[0] < outage.ready and r[0] + r[1] > outage.stop_issued]
    statuses = Counter(r[2] for r in during)
    v.facts.append(f"readers during the outage: {_counts(statuses)}")
    probed = [p for probe in probes.values() for p in probe.results]
    probes_during = [p for p in probed if p[0] < outage.ready and p[0] + p[1] > outage.stop_issued]
    longest = max([r[1] for r in during] + [p[1] for p in probes_during], default=0.0)
    started = [r[1] for r in during + probes_during if r[0] >= outage.stop_issued]
    v.facts.append(
        f"longest request during the outage: {longest:.3f} s "
        f"(of those started after the stop: {max(started, default=0.0):.3f} s)"
    )
    if not during:
        v.failures.append("no reader request overlapped the outage")
    if longest > max_request:
        v.failures.append(f"a request took {longest:.1f} s during the outage (> {max_request} s)")
    bad = {s: n for s, n in statuses.items() if s >= 500 and s != 503}
    if bad:
        v.failures.append(f"5xx other than 503 during the outage: {bad}")
    if statuses.get(harness.CLIENT_TIMEOUT):
        hung = statuses[harness.CLIENT_TIMEOUT]
        v.failures.append(f"{hung} requests hung until the client gave up")
    if not statuses.get(503):
        v.failures.append("no 503 during the outage")
    foreign = {k: n for k, n in notes.items() if k != f"503 {MIDDLEWARE_503}"}
    if foreign:
        v.failures.append(f"5xx pages not from the middleware: {foreign}")
    v.facts.append("5xx pages: " + (", ".join(f"{k} ×{n}" for k, n in notes.items()) or "none"))

    # Each probe while PostgreSQL was certainly down, and its recovery from pg_isready.
    recovered = []
    for name, probe in probes.items():
        down = [
            p for p in probe.results if p[0] >= outage.down and p[0] + p[1] <= outage.start_issued
        ]
        answers = Counter(f"{harness.status_label(p[2])} {p[3]}".strip() for p in down)
        text = ", ".join(f"{k} ×{n}" for k, n in answers.items()) or "-"
        v.facts.append(f"{name} while down: {text}")
        wanted = {"503 database down"} if name == HEALTH else {f"503 {MIDDLEWARE_503}"}
        if not down:
            v.failures.append(f"{name} was not probed while PostgreSQL was down")
        elif set(answers) != wanted:
            v.failures.append(f"{name} did not answer {wanted} while down: {dict(answers)}")
        odd = Counter(p[2] for p in probe.results if p[2] not in (200, 503))
        if odd:
            v.failures.append(f"{name} answered {dict(odd)} (expected only 200 or 503)")
        first = probe.first_ok_after(outage.start_issued)
        if first is None:
            v.failures.append(f"{name} never answered 200 after PostgreSQL came back")
            continue
        seconds = first - outage.ready
        recovered.append(first)
        v.facts.append(
            f"recovery of {name}: {max(0.0, seconds):.2f} s after pg_isready "
            f"(first 200 at {seconds:+.2f} s from pg_isready, "
            f"{first - outage.start_issued:+.2f} s from the start command)"
        )
        if seconds > recovery_limit:
            v.failures.append(f"{name} took {seconds:.1f} s to recover (> {recovery_limit} s)")

    # After recovery: no errors at all; and no 500 anywhere in the run.
    if recovered:
        settled = max(recovered) + 1.0
        after = Counter(r[2] for r in records if r[0] >= settled)
        v.facts.append(f"readers after recovery: {_counts(after)}")
        late = {s: n for s, n in after.items() if s >= 500 or s <= 0}
        if late:
            v.failures.append(f"errors after recovery: {late}")
        if not after.get(200):
            v.failures.append("no 200 after recovery")
    before = Counter(r[2] for r in records if r[0] + r[1] < outage.stop_issued)
    if any(s >= 500 or s <= 0 for s in before):
        v.failures.append(f"errors before the outage: {dict(before)}")
    all_statuses = Counter(r[2] for r in records) + Counter(p[2] for p in probed)
    if all_statuses.get(500):
        v.failures.append(f"{all_statuses[500]} responses were 500")
    return v


# --- the run --------------------------------------------------------------------------------


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="hub_fault")
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=6, help="concurrent readers")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--before", type=float, default=5, help="seconds of load before")
    parser.add_argument("--outage", type=float, default=6, help="seconds PostgreSQL stays down")
    parser.add_argument("--after", type=float, default=10, help="seconds of load after")
    parser.add_argument("--max-request", type=float, default=5.0,
                        help="longest acceptable request during the outage (connect timeout "
                             "3 s + margin)")  # fmt: skip
    parser.add_argument("--recovery-limit", type=float, default=5.0)
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database")
    parser.add_argument(
        "--redis",
        default="",
        metavar="URL",
        help="share a Redis cache (turns the page cache on), e.g. redis://127.0.0.1:6379/14; "
        "default: local-memory caches",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.outage <= 15:
        parser.error("--outage must be between 1 and 15 seconds: the server is shared")
    return args


def run(args: argparse.Namespace) -> int:
    db = harness.check_db_name(args.db, "hub_fault")
    cluster = find_cluster(harness.PG["port"])
    if not pg_ready():
        raise SystemExit("PostgreSQL is not accepting connections before the run")
    env = harness.production_env(db, redis_url=args.redis)
    workdir = Path(tempfile.mkdtemp(prefix="hub-fault-"))
    server = None
    failures: list[str] = []
    try:
        harness.prepare_site(db, env, args.articles)
        mix = harness.reader_paths(db)
        cookie = harness.session_cookie(env, "editor")
        server = harness.start_gunicorn(env, workers=args.workers, timeout=30, log_dir=workdir)
        for _, _, paths in mix.groups:  # warm every worker's caches
            harness.fetch(server.port, paths[0])
        total = args.before + args.outage + args.after + 30
        load = harness.LoadProcess(server.port, mix, seconds=total, threads=args.threads).start()
        # A database-backed page, never served from a cache (a new query string each time;
        # not search, which is rate-limited per client address), and an editor's admin page
        # (session and user from the database).
        article = next(paths[0] for name, _, paths in mix.groups if name == "article")
        probes = {
            HEALTH: Probe(server.port, "/healthz", interval=0.1),
            PAGE: Probe(server.port, article + "?probe={n}", interval=0.1),
            ADMIN: Probe(server.port, "/admin/", interval=0.25,
                         headers={"Cookie": cookie}),
        }  # fmt: skip
        for probe in probes.values():
            probe.run(total)
        log(f"load running; PostgreSQL {cluster[0]}/{cluster[1]} goes down in {args.before:g} s")
        time.sleep(args.before)

        outage = run_outage(cluster, args.outage)
        log(
            f"PostgreSQL down {outage.start_issued - outage.down:.1f} s, ready "
            f"{outage.ready - outage.stop_issued:.1f} s after the stop"
        )
        # Wait for the recovery (bounded), then keep the load on for --after seconds.
        harness.wait_until(
            lambda: all(p.first_ok_after(outage.start_issued) for p in probes.values()), 30
        )
        time.sleep(args.after)
        load.stop()
        for probe in probes.values():
            probe.stop()
        records = load.result()
        server.stop()

        t0 = outage.stop_issued
        marks = {
            0.0: "<- stop",
            outage.down - t0: "<- down",
            outage.start_issued - t0: "<- start",
            outage.ready - t0: "<- pg_isready",
        }
        for name, probe in probes.items():
            first = probe.first_ok_after(outage.start_issued)
            if first is not None:
                label = {HEALTH: "healthz", PAGE: "page", ADMIN: "admin"}[name]
                marks[first - t0 + 1e-6] = f"<- {label} 200"
        window = [r for r in records if t0 - args.before <= r[0] + r[1] <= outage.ready + 8]
        print("\n=== fault timeline (reader statuses per 0.5 s, by finish time; 0 = stop) ===")
        for line in harness.format_timeline(harness.timeline(window, t0), marks):
            print(line)
        summary = harness.summarise(records)
        print("\n=== fault results ===")
        for line in summary.lines()[:4]:
            print(line)
        verdict = judge(
            records,
            probes,
            outage,
            load.notes,
            max_request=args.max_request,
            recovery_limit=args.recovery_limit,
        )
        for line in verdict.facts:
            print(line)
        problems = harness.log_problems(server.log_text())
        print("server log: " + ", ".join(f"{k} {v}" for k, v in problems.items()))
        failures += verdict.failures
        failures += [
            f"the server log shows {n} {k.replace('_', ' ')}" for k, n in problems.items() if n
        ]
    finally:
        if server is not None:
            server.stop()
        if not args.keep_db:
            harness.drop_database(db)
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        print(f"server log kept in {workdir}")
        return 1
    shutil.rmtree(workdir, ignore_errors=True)
    print("OK: 503s during the outage, no hung worker, recovered by itself")
    return 0


def run_outage(cluster: tuple[str, str], seconds: float) -> Outage:
    """Stop PostgreSQL, keep it down `seconds`, start it; it is ALWAYS started again.

    Neither the shutdown nor the start is interrupted (Ctrl-C, SIGTERM and SIGHUP wait
    for them to finish); one while the server is down cuts the outage short.
    """
    stop_issued = time.monotonic()
    down = None
    try:
        log("stopping PostgreSQL")
        with harness.signals_deferred():  # a half-done shutdown would make the start fail
            pg_ctl(cluster, "stop")
        down = time.monotonic()
        time.sleep(seconds)
    finally:
        with harness.signals_deferred():  # nothing may stop the restart
            start_issued, ready = start_postgres(cluster)
    if ready is None:
        raise SystemExit("PostgreSQL did not come back")
    return Outage(stop_issued, down or stop_issued, start_issued, ready)


def main(argv=None) -> int:
    args = parse_args(argv)
    harness.exit_on_signals()
    with harness.LoadLock():
        return run(args)


if __name__ == "__main__":
    sys.exit(main())
