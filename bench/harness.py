"""Shared helpers for the reliability scripts (bench/soak.py, bench/fault.py).

A dedicated PostgreSQL database, the app served by gunicorn with production settings on a
free loopback port, a bounded read-load generator that records every request, and the
summaries (status histogram, latency percentiles, timeline) the scripts print.

Importing this module has no side effects: it neither sets up Django nor touches a
database, so tests can use its building blocks directly.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import fcntl
import http.client
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
GUNICORN = str(VENV_BIN / "gunicorn")
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
LOCK_PATH = "/tmp/loadtest.lock"  # noqa: S108 - the agreed lock shared with the benchmarks

# Status codes for requests that got no HTTP response at all.
CONN_ERROR = 0  # refused, reset, closed without a response
CLIENT_TIMEOUT = -1  # no answer within the client's timeout: a hung worker


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- the load lock ----------------------------------------------------------------------


def _ancestors() -> set[int]:
    pids, pid = set(), os.getpid()
    for _ in range(64):
        pids.add(pid)
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            break
        pid = int(stat.rsplit(")", 1)[1].split()[1])
        if pid <= 1:
            break
    return pids


def _lock_holders(path: str) -> set[int]:
    """PIDs holding a flock on `path`, from /proc/locks."""
    try:
        inode = os.stat(path).st_ino
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return set()
    holders = set()
    for line in lines:
        parts = line.split()
        if "FLOCK" in parts and "->" not in parts:
            idx = parts.index("FLOCK")
            pid, dev_inode = parts[idx + 3], parts[idx + 4]
            if dev_inode.rsplit(":", 1)[-1] == str(inode):
                holders.add(int(pid))
    return holders


class LoadLock:
    """Hold /tmp/loadtest.lock for the run, or confirm that our `flock` wrapper holds it.

    Load runs (and the PostgreSQL restart) must never overlap with the other benchmarks on
    this two-core machine. Run the scripts as `flock /tmp/loadtest.lock python bench/...`;
    without the wrapper they take the lock themselves, waiting at most `wait` seconds.
    """

    def __init__(self, path: str = LOCK_PATH, wait: float = 1800):
        self.path, self.wait, self.fd = path, wait, None

    def __enter__(self) -> LoadLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        deadline = time.monotonic() + self.wait
        announced = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self.fd = fd
                log(f"holding {self.path}")
                return self
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                    os.close(fd)
                    raise
            if _lock_holders(self.path) & _ancestors():
                os.close(fd)
                log(f"{self.path} is held by our flock wrapper")
                return self
            if time.monotonic() > deadline:
                os.close(fd)
                raise SystemExit(f"{self.path} is busy (another load run): gave up waiting")
            if not announced:
                log(f"waiting for {self.path} (another load run is in progress)")
                announced = True
            time.sleep(1)

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def exit_on_signals() -> None:
    """Turn SIGTERM/SIGHUP into SystemExit so `finally` blocks (restart PostgreSQL) run."""

    def handler(signum, frame):
        raise SystemExit(f"stopped by signal {signum}")

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, handler)


@contextlib.contextmanager
def signals_deferred():
    """Let Ctrl-C, SIGTERM and SIGHUP wait until a block that must finish has finished."""
    received: list[int] = []
    signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, lambda signum, frame: received.append(signum))
                for sig in signals}  # fmt: skip
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if received:
        raise SystemExit(f"stopped by signal {received[0]}")


# --- the database -----------------------------------------------------------------------


def database_url(name: str) -> str:
    return f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{name}"


def check_db_name(name: str, prefix: str) -> str:
    """Refuse any name but our own: these scripts drop and recreate the database."""
    if not re.fullmatch(rf"{re.escape(prefix)}[a-z0-9_]*", name):
        raise SystemExit(f"--db must start with {prefix!r} (it is dropped and recreated): {name}")
    return name


def _admin_connection():
    import psycopg

    return psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=5, **PG)


def recreate_database(name: str) -> None:
    from psycopg import sql

    with _admin_connection() as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(name: str) -> None:
    from psycopg import sql

    for attempt in range(10):
        try:
            with _admin_connection() as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
            log(f"dropped database {name}")
            return
        except Exception as exc:  # PostgreSQL may still be starting after a fault run
            if attempt == 9:
                log(f"could not drop database {name}: {exc}")
                return
            time.sleep(1)


def query(name: str, sql_text: str, params: Sequence = ()) -> list[tuple]:
    import psycopg

    with psycopg.connect(dbname=name, connect_timeout=5, **PG) as conn:
        return conn.execute(sql_text, params).fetchall()


# --- the app ----------------------------------------------------------------------------


def production_env(db: str, redis_url: str = "", **extra: str) -> dict[str, str]:
    """Production settings as the deploy docs give them, on plain HTTP over loopback.

    With `redis_url` the app shares a Redis cache (and hub/settings.py turns the page
    cache on); without, each process has its local-memory cache, the documented default.
    """
    dropped = {"REDIS_URL", "CACHE_BACKEND", "PAGE_CACHE", "DJANGO_SETTINGS_MODULE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(
        DATABASE_URL=database_url(db),
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        LOG_LEVEL="WARNING",
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, quiet: bool = True) -> None:
    started = time.monotonic()
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=quiet,
        text=True,
        timeout=900,
        check=False,
    )
    if result.returncode:
        if quiet:
            sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit(f"manage.py {' '.join(args)} failed ({result.returncode})")
    log(f"manage.py {' '.join(args)}: {time.monotonic() - started:.1f} s")


def prepare_site(db: str, env: dict[str, str], articles: int) -> None:
    """A fresh database with the demo content and `articles` synthetic articles."""
    recreate_database(db)
    log(f"created database {db}")
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo")
    manage(env, "seed_bulk", "--articles", str(articles))
    manage(env, "collectstatic", "--noinput")


SIGN_IN = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from accounts.models import User
user = User.objects.get(username=USERNAME)
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print("SESSION", session.session_key)
"""


def session_cookie(env: dict[str, str], username: str) -> str:
    """A signed-in session for `username` (stored in the database like any other)."""
    code = SIGN_IN.replace("USERNAME", repr(username))
    result = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", code],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    match = re.search(r"^SESSION (\w+)$", result.stdout, re.M)
    if not match:
        raise SystemExit(f"could not sign {username} in:\n{result.stderr[-2000:]}")
    return f"sessionid={match.group(1)}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the master stops its own workers
            try:
                self.process.wait(timeout=35)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_gunicorn(
    env: dict[str, str], *, workers: int = 3, timeout: int = 30, log_dir: Path | None = None
) -> Server:
    port = free_port()
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="hub-reliability-"))
    log_path = log_dir / "gunicorn.log"
    with open(log_path, "w") as out:
        process = subprocess.Popen(
            [
                GUNICORN,
                "hub.wsgi",
                "--workers",
                str(workers),
                "--worker-class",
                "sync",
                "--timeout",
                str(timeout),
                "--graceful-timeout",
                "10",
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, port, log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(
                f"gunicorn exited ({process.returncode}):\n{server.log_text()[-4000:]}"
            )
        status, _, _ = fetch(port, "/healthz", timeout=5)
        if status == 200:
            log(f"gunicorn ({workers} sync workers, --timeout {timeout}) on {server.base}")
            return server
        time.sleep(0.3)
    server.stop()
    raise SystemExit(f"gunicorn did not become healthy:\n{server.log_text()[-4000:]}")


def log_problems(text: str) -> dict[str, int]:
    """What must never appear in the server's log: tracebacks, 500s, killed workers."""
    return {
        "tracebacks": text.count("Traceback (most recent call last)"),
        "internal_server_errors": text.count("Internal Server Error"),
        "worker_timeouts": text.count("WORKER TIMEOUT"),
        "worker_crashes": len(re.findall(r"Worker \(pid:\d+\) (?:was sent|exited)", text)),
    }


# --- HTTP -------------------------------------------------------------------------------


def fetch(
    port: int, path: str, timeout: float = 35, headers: dict[str, str] | None = None
) -> tuple[int, bytes, str]:
    """GET one path: (status, body, error kind). Status 0 / -1 when no response came."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(
            "GET", path, headers={"Host": "127.0.0.1", "Connection": "close", **(headers or {})}
        )
        response = conn.getresponse()
        return response.status, response.read(), ""
    except TimeoutError:
        return CLIENT_TIMEOUT, b"", "timeout"
    except (OSError, http.client.HTTPException) as exc:
        return CONN_ERROR, b"", type(exc).__name__
    finally:
        conn.close()


@dataclass
class PathMix:
    """Weighted choice of reader paths."""

    groups: list[tuple[str, float, list[str]]]

    def choose(self, rng: random.Random) -> tuple[str, str]:
        weights = [w for _, w, paths in self.groups]
        name, _, paths = rng.choices(self.groups, weights=weights)[0]
        return name, rng.choice(paths)


SEARCH_TERMS = [
    "ketamine",
    "esketamine",
    "depression",
    "nasal spray",
    "treatment resistant",
    "side effects",
    "sleep",
    "anxiety",
    "spravato",
    "blood pressure",
]


def reader_paths(db: str, sample: int = 200) -> PathMix:
    """Home, topic index and pages, articles, authors, search, feeds and sitemap."""
    topics = [
        r[0]
        for r in query(
            db,
            "SELECT t.slug FROM articles_topic t JOIN articles_articletopic l ON l.tag_id = t.id "
            "GROUP BY t.slug ORDER BY count(*) DESC, t.slug LIMIT %s",
            [sample],
        )
    ]
    articles = [
        r[0]
        for r in query(
            db,
            "SELECT slug FROM articles_article WHERE live AND published_at <= now() "
            "ORDER BY published_at DESC LIMIT %s",
            [sample],
        )
    ]
    authors = [
        r[0]
        for r in query(
            db,
            "SELECT DISTINCT u.username FROM accounts_user u "
            "JOIN articles_article a ON a.author_id = u.id WHERE a.live ORDER BY 1",
        )
    ]
    if not (topics and articles and authors):
        raise SystemExit("the database holds no published content to read")
    return PathMix(
        [
            ("home", 10, ["/"]),
            ("topic_index", 5, ["/topics/"]),
            ("topic", 20, [f"/topics/{s}/" for s in topics] + [f"/topics/{topics[0]}/?page=2"]),
            ("article", 30, [f"/articles/{s}/" for s in articles]),
            ("author", 8, [f"/authors/{u}/" for u in authors]),
            ("search", 12, [f"/search/?q={t.replace(' ', '+')}" for t in SEARCH_TERMS]),
            ("feed", 8, ["/feed/", "/feed/atom/"] + [f"/topics/{s}/feed/" for s in topics[:20]]),
            ("sitemap", 4, ["/sitemap.xml", "/sitemap-articles.xml", "/robots.txt"]),
        ]
    )


# A record per request: (start, duration, status, group), start on the system-wide
# monotonic clock so that timelines from several processes line up.
Record = tuple[float, float, int, str]


def run_load(
    port: int,
    mix: PathMix,
    *,
    seconds: float,
    threads: int = 6,
    timeout: float = 35,
    seed: int = 1,
    stop=None,
    max_requests: int = 2_000_000,
    notes: Counter | None = None,
) -> list[Record]:
    """Closed-loop readers for `seconds` (bounded in time and in count); every request kept.

    `notes` counts what each 5xx page said (its <h1>, or the start of its body).
    """
    records: list[Record] = []
    notes = Counter() if notes is None else notes
    lock = threading.Lock()
    stop = threading.Event() if stop is None else stop
    deadline = time.monotonic() + seconds

    def reader(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        while time.monotonic() < deadline and not stop.is_set():
            group, path = mix.choose(rng)
            started = time.monotonic()
            status, body, _ = fetch(port, path, timeout=timeout)
            record = (started, time.monotonic() - started, status, group)
            with lock:
                records.append(record)
                if status >= 500:
                    notes[f"{status} {page_says(body)}"] += 1
                if len(records) >= max_requests:
                    stop.set()
            if status == CONN_ERROR:
                time.sleep(0.05)  # a refused connection returns at once: do not spin

    workers = [threading.Thread(target=reader, args=(n,), daemon=True) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(seconds + timeout + 10)
    with lock:
        return sorted(records)


def page_says(body: bytes) -> str:
    """A short description of an error page: its <h1>, or the start of its text."""
    text = body.decode("utf-8", "replace")
    match = re.search(r"<h1[^>]*>(.*?)</h1>", text, re.S | re.I)
    return " ".join((match.group(1) if match else text[:80]).split())


def _load_process_main(port, mix, seconds, threads, timeout, seed, out_path, stop) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    notes: Counter = Counter()
    records = run_load(port, mix, seconds=seconds, threads=threads, timeout=timeout,
                       seed=seed, notes=notes, stop=stop)  # fmt: skip
    Path(out_path).write_text(json.dumps({"records": records, "notes": notes}))


class LoadProcess:
    """run_load in a process of its own, so the readers do not share the caller's GIL."""

    def __init__(self, port: int, mix: PathMix, *, seconds: float, threads: int = 6,
                 timeout: float = 35, seed: int = 1):  # fmt: skip
        import multiprocessing

        fd, self.out_path = tempfile.mkstemp(prefix="hub-load-", suffix=".json")
        os.close(fd)
        atexit.register(self._remove_output)  # also when the run is interrupted
        self.seconds, self.timeout = seconds, timeout
        self.notes: Counter = Counter()  # what the 5xx pages said, filled in by result()
        context = multiprocessing.get_context("fork")
        self._stop = context.Event()
        self.process = context.Process(
            target=_load_process_main,
            args=(port, mix, seconds, threads, timeout, seed, self.out_path, self._stop),
            daemon=True,
        )

    def start(self) -> LoadProcess:
        self.process.start()
        return self

    def _remove_output(self) -> None:
        with contextlib.suppress(OSError):
            os.unlink(self.out_path)

    def stop(self) -> None:
        """End the load early: readers finish their current request and stop."""
        self._stop.set()

    def result(self) -> list[Record]:
        self.process.join(self.seconds + self.timeout + 60)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(10)
            raise SystemExit("the load process did not finish in time")
        try:
            text = Path(self.out_path).read_text()
        finally:
            self._remove_output()
        if self.process.exitcode or not text:
            raise SystemExit(f"the load process failed ({self.process.exitcode})")
        data = json.loads(text)
        self.notes = Counter(data["notes"])
        return [tuple(r) for r in data["records"]]


# --- summaries --------------------------------------------------------------------------


def status_label(status: int) -> str:
    return {CONN_ERROR: "conn-error", CLIENT_TIMEOUT: "timeout"}.get(status, str(status))


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of already sorted values (0 for none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), -(-len(sorted_values) * p // 100)))
    return sorted_values[int(rank) - 1]


@dataclass
class Summary:
    requests: int
    statuses: Counter
    p50: float
    p99: float
    slowest: float
    seconds: float
    by_group: dict[str, Counter] = field(default_factory=dict)
    group_latency: dict[str, tuple[float, float]] = field(default_factory=dict)  # p50, p99

    @property
    def server_errors(self) -> int:
        return sum(n for s, n in self.statuses.items() if s >= 500)

    @property
    def no_response(self) -> int:
        return sum(n for s, n in self.statuses.items() if s <= 0)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def histogram(self) -> str:
        return ", ".join(f"{status_label(s)}: {n}" for s, n in sorted(self.statuses.items()))

    def lines(self) -> list[str]:
        lines = [
            f"requests: {self.requests} in {self.seconds:.1f} s ({self.rate:.1f}/s)",
            f"status histogram: {self.histogram()}",
            f"latency: p50 {self.p50 * 1000:.1f} ms, p99 {self.p99 * 1000:.1f} ms, "
            f"max {self.slowest * 1000:.1f} ms",
            f"5xx responses: {self.server_errors}; without a response: {self.no_response}",
        ]
        for group, counts in sorted(self.by_group.items()):
            p50, p99 = self.group_latency.get(group, (0.0, 0.0))
            text = ", ".join(f"{status_label(s)}: {n}" for s, n in sorted(counts.items()))
            lines.append(
                f"  {group:<12} {text:<28} p50 {p50 * 1000:7.1f} ms  p99 {p99 * 1000:7.1f} ms"
            )
        return lines


def summarise(records: Iterable[Record]) -> Summary:
    records = list(records)
    durations = sorted(r[1] for r in records)
    by_group: dict[str, Counter] = {}
    group_durations: dict[str, list[float]] = {}
    for _, duration, status, group in records:
        by_group.setdefault(group, Counter())[status] += 1
        group_durations.setdefault(group, []).append(duration)
    group_latency = {
        group: (percentile(sorted(d), 50), percentile(sorted(d), 99))
        for group, d in group_durations.items()
    }
    span = (max(r[0] + r[1] for r in records) - min(r[0] for r in records)) if records else 0.0
    return Summary(
        requests=len(records),
        statuses=Counter(r[2] for r in records),
        p50=percentile(durations, 50),
        p99=percentile(durations, 99),
        slowest=durations[-1] if durations else 0.0,
        seconds=span,
        by_group=by_group,
        group_latency=group_latency,
    )


def timeline(
    records: Iterable[Record], t0: float, bucket: float = 0.5
) -> list[tuple[float, Counter]]:
    """Status counts per `bucket` seconds, by when each request finished, from t0."""
    buckets: dict[int, Counter] = {}
    for start, duration, status, _ in records:
        index = int((start + duration - t0) // bucket)
        buckets.setdefault(index, Counter())[status] += 1
    if not buckets:
        return []
    return [(i * bucket, buckets.get(i, Counter())) for i in range(min(buckets), max(buckets) + 1)]


def format_timeline(
    rows: list[tuple[float, Counter]], marks: dict[float, str] | None = None, bucket: float = 0.5
) -> list[str]:
    """One line per bucket; `marks` ({offset: label}) annotate the bucket they fall in."""
    marks = dict(marks or {})
    out = []
    for offset, counts in rows:
        here = [label for t, label in sorted(marks.items()) if offset <= t < offset + bucket]
        text = " ".join(f"{status_label(s)}×{n}" for s, n in sorted(counts.items())) or "-"
        out.append(f"  {offset:+7.1f}s  {text:<40} {' '.join(here)}".rstrip())
    return out


def wait_until(check: Callable[[], bool], seconds: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return False
