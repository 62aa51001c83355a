"""Throughput and latency of the public pages, served as in production, at a given size.

    flock /tmp/loadtest.lock .venv/bin/python bench/bench_pages.py --articles 1000
    flock /tmp/loadtest.lock .venv/bin/python bench/bench_pages.py --articles 100000 \\
        --compare var/bench-pages-1000.json

1. Creates (or resets) the PostgreSQL database --db, migrates it and seeds it with
   `seed_bulk --articles N` (timed), unless --reuse finds it seeded already.
2. Runs `collectstatic` (hashed, compressed files) into a temporary STATIC_ROOT.
3. Starts gunicorn with the production settings (DEBUG off, --workers sync workers on
   127.0.0.1) and loads it with `wrk` from a second process, one page at a time, for
   --duration seconds each: a static file served by the same stack (WhiteNoise), home,
   topic index, a topic page, an article page, an author page, search "ketamine", the feed.
   Twice: cold (cache off: PAGE_CACHE=0, CACHE_BACKEND=dummy; every page rendered) and
   warm (Redis at --redis-url, pages primed). Each request carries its own
   X-Forwarded-For (gunicorn runs with TRUSTED_PROXY_COUNT=1), as many readers would: the
   search rate limit is per reader.
4. Measures the workers' memory (RSS) before and after --memory-requests more cold
   requests over all the pages, and the cost of publishing one article in-process
   (queries and milliseconds of workflow.publish, the cache invalidation included).
5. Also reports the serving side's CPU time per request (the gunicorn workers, their
   PostgreSQL backends and Redis, from /proc), and the static file's CPU per request as
   a share of each page's: on a machine shared with other jobs, throughput drifts from
   run to run, CPU time per request much less.
6. Prints tables, and writes them as JSON (--json, default var/bench-pages-N.json);
   --compare with an earlier JSON adds each page's throughput as a share of that run's.

Every load is bounded in time (wrk -d) or count. Load runs must not overlap others on a
shared machine: run the script under `flock /tmp/loadtest.lock`. Needs `wrk` (Debian:
apt-get install wrk; installed automatically when run as root). --no-wrk checks every piece
without load (tests/test_bench_smoke.py).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
WRK_SCRIPT = """
local paths = PATHS
local nets = {"192.0.2.", "198.51.100.", "203.0.113."}
request = function()
  -- A different reader each time (rate limits are per reader), from documentation ranges.
  wrk.headers["X-Forwarded-For"] = nets[math.random(1, 3)] .. math.random(1, 254)
  return wrk.format(nil, paths[math.random(1, #paths)])
end
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the database -------------------------------------------------------------------------


def admin_connection(db_url: str):
    import psycopg

    base = db_url.rsplit("/", 1)[0]
    return psycopg.connect(f"{base}/postgres", autocommit=True)


def reset_database(db_url: str, name: str) -> None:
    from psycopg import sql

    with admin_connection(db_url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def seeded_articles(db_url: str) -> int:
    import psycopg

    try:
        with psycopg.connect(db_url) as conn:
            row = conn.execute(
                "SELECT count(*) FROM articles_article WHERE slug LIKE 'bulk-article-%%'"
            ).fetchone()
            return row[0]
    except psycopg.Error:
        return 0


def manage(env: dict, *args: str, timeout: int = 1800) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=timeout,
        capture_output=True,
        text=True,
    )


# --- the server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with the production settings, on 127.0.0.1, stopped on exit."""

    def __init__(self, env: dict, *, workers: int, port: int, log_path: Path):
        self.base = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        self.log = log_path.open("ab")
        self.process = subprocess.Popen(
            [
                str(Path(PYTHON).parent / "gunicorn"),
                "hub.wsgi",
                "--workers",
                str(workers),
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=self.log,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn stopped:\n" + self.log_path.read_text()[-3000:])
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=5) as response:  # noqa: S310
                    if response.status == 200 and len(self.workers()) >= workers:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("gunicorn did not answer /healthz within 60 s")

    def workers(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def rss_kib(self) -> list[int]:
        sizes = []
        for pid in self.workers():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]))
        return sizes

    def get(self, path: str) -> tuple[int, dict]:
        request = urllib.request.Request(self.base + path)  # noqa: S310 - our own loopback server
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                response.read()
                return response.status, dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


# --- load ---------------------------------------------------------------------------------


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("Installing wrk (apt-get install wrk)…")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)
        return shutil.which("wrk")
    sys.exit("wrk is missing: install it (Debian: sudo apt-get install wrk), or pass --no-wrk.")


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def cpu_seconds(pids: list[int]) -> float | None:
    """CPU time these processes have used so far (user and system); None if one ended,
    since its time, and that of whatever replaced it, can no longer be counted."""
    total = 0
    for pid in pids:
        try:
            values = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        total += int(values[11]) + int(values[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def serving_pids(server: Server, db_url: str) -> list[int]:
    """This run's serving side: the gunicorn workers, their PostgreSQL backends, Redis."""
    with admin_connection(db_url) as conn:
        backends = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", [db_url.rsplit("/", 1)[1]]
        ).fetchall()
    return [*server.workers(), *(pid for (pid,) in backends), *pids_named("redis-server")]


def pids_named(name: str) -> list[int]:
    pids = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == name:
                pids.append(int(comm.parent.name))
        except OSError:
            continue  # the process ended meanwhile
    return pids


def load(server: Server, db_url: str, path: str, seconds: float, connections: int) -> dict:
    """A short warm-up, then one measured wrk run on `path`, with server CPU per request.

    Unlike requests per second, the serving side's CPU time per request hardly moves when
    other jobs share the machine, so the report shows it too.
    """
    wrk(server.base, [path], seconds=min(2, seconds), connections=4)
    pids = serving_pids(server, db_url)  # after the warm-up: every worker has connected
    before = cpu_seconds(pids)
    result = wrk(server.base, [path], seconds=seconds, connections=connections)
    after = cpu_seconds(pids)
    if before is not None and after is not None:
        result["cpu_ms"] = 1000 * (after - before) / max(result["requests"], 1)
    return result


def wrk(base: str, paths: list[str], *, seconds: float, connections: int) -> dict:
    """One bounded wrk run over `paths` (one at random per request); its numbers."""
    script = WRK_SCRIPT.replace("PATHS", "{" + ", ".join(json.dumps(p) for p in paths) + "}")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        result = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "10s",
                "--latency",
                "-s",
                handle.name,
                base,
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        )
    finally:
        os.unlink(handle.name)
    return wrk_numbers(result.stdout, result.stderr)


def wrk_numbers(out: str, stderr: str = "") -> dict:
    """The numbers of what `wrk --latency` printed: requests, their rate, p50 and p99 in
    milliseconds, and errors."""
    latency = dict(re.findall(r"^\s*(50|99)(?:\.0+)?%\s+(\S+)\s*$", out, re.M))
    if "50" not in latency or "99" not in latency:
        raise RuntimeError(f"wrk printed no latency distribution:\n{out}\n{stderr}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)$", out, re.M)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50_ms": _ms(latency["50"]),
        "p99_ms": _ms(latency["99"]),
        "errors": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1).strip() if socket_errors else "",
    }


# --- publishing, in-process -----------------------------------------------------------------


def publish_cost(runs: int = 5) -> dict:
    """Queries and milliseconds of workflow.publish at this size (run with the bench env)."""
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from articles import cache as page_cache
    from articles import workflow
    from articles.models import Article, Topic

    author = User.objects.get(username="bulk-clinician-0")
    topics = list(Topic.objects.filter(slug__in=["bulk-topic-0", "bulk-topic-1"]))
    body = "Benchmark text about ketamine.[^1]\n\n[^1]: Source. *Journal*. 2026;1:1."
    counts, times, bumps = [], [], []
    for n in range(runs):
        article = workflow.create_article(
            by=author,
            title=f"Publish cost {time.time_ns()} {n}",
            summary="Measuring publish.",
            body=body,
            topics=topics,
        )
        workflow.submit_for_review(article=article, by=author)
        # Fresh rows, as a request would have them (nothing cached on the objects).
        article = Article.objects.get(pk=article.pk)
        editor = User.objects.get(username="bulk-editor")
        before = page_cache.clock()[1]
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            workflow.publish(article=article, by=editor, checklist=list(workflow.CHECKLIST))
            times.append((time.perf_counter() - started) * 1000)
        counts.append(len(captured.captured_queries))
        bumps.append(page_cache.clock()[1] - before)
        workflow.archive(article=article, by=editor, comment="Benchmark clean-up.")
    return {
        "queries": counts,
        "ms_median": statistics.median(times),
        "ms_max": max(times),
        "pages_retired": bumps,
    }


# --- the run ------------------------------------------------------------------------------


def pages(articles: int) -> list[tuple[str, str]]:
    return [
        ("home", "/"),
        ("topic index", "/topics/"),
        ("topic page", "/topics/bulk-topic-0/"),
        ("article page", f"/articles/bulk-article-{articles // 2}/"),
        ("author page", "/authors/bulk-author-0/"),  # seed_bulk's first clinician
        ("search ketamine", "/search/?q=ketamine"),
        ("feed", "/feed/"),
    ]


def table(title: str, rows: list[dict], *, compare: dict | None) -> str:
    head = (
        f"{'page':<16} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'% static':>9} {'errors':>7}"
        f" {'CPU ms/req':>10} {'static/page CPU':>15}"
    )
    if compare is not None:
        # Against the earlier run: raw, and as shares of each run's static file (which
        # cancels out a machine that was busier in one run than in the other).
        head += f" {'vs then':>8} {'vs then, static-norm.':>22}"
    lines = [title, head, "-" * len(head)]
    for row in rows:
        line = (
            f"{row['page']:<16} {row['rps']:>8.1f} {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f} "
            f"{row['pct_static']:>8.1f}% {row['errors']:>7}"
        )
        if "cpu_ms" in row and "cpu_ms" in rows[0]:
            share = 100 * rows[0]["cpu_ms"] / row["cpu_ms"] if row["cpu_ms"] else 0
            line += f" {row['cpu_ms']:>10.2f} {share:>14.1f}%"
        elif "cpu_ms" in rows[0]:
            line += f" {'(lost)':>10}"
        if compare is not None:
            earlier = compare.get(row["page"])
            if earlier:
                normalised = row["pct_static"] / earlier["pct_static"]
                line += f" {100 * row['rps'] / earlier['rps']:>7.1f}% {100 * normalised:>21.1f}%"
            else:
                line += f" {'-':>8} {'-':>22}"
        lines.append(line)
    return "\n".join(lines)


def print_report(results: dict, compare: dict | None) -> None:
    print(f"\n{results['articles']:,} articles in {results['db']}; {results['workers']} workers")
    if results.get("seed_seconds") is not None:
        print(f"seed_bulk --articles {results['articles']}: {results['seed_seconds']} s")
    if "cold" in results and "rps" in results["cold"][0]:
        print(
            f"wrk: 1 thread, {results['connections']} connections, "
            f"{results['duration']:g} s a page\n"
        )
        for mode, title, earlier in (
            ("cold", "COLD (cache off)", compare),
            ("warm", "WARM (Redis, pages primed)", None),
        ):
            print(table(title, results[mode], compare=earlier))
            if "rps_range" in results[mode][0]:
                low, high = results[mode][0]["rps_range"]
                print(
                    f"(static css ran {low:,.0f}-{high:,.0f} req/s between the pages; each page's"
                    " % static is against the static runs just before and after it)"
                )
            print()
    if "memory" in results:
        memory = results["memory"]
        print(
            f"worker RSS over {memory['requests']:,} cold requests: "
            f"{[round(k / 1024, 1) for k in memory['rss_before_kib']]} MiB -> "
            f"{[round(k / 1024, 1) for k in memory['rss_after_kib']]} MiB, "
            f"growth {memory['growth_pct']} %"
            + (" (a worker was replaced)" if memory.get("workers_replaced") else "")
        )
    publish = results["publish"]
    print(
        f"publish: {publish['queries']} queries, {publish['ms_median']:.1f} ms median "
        f"({publish['ms_max']:.1f} max), page-cache retirements +{publish['pages_retired']}"
    )


def main() -> int:  # noqa: C901 - one script, read top to bottom
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="hub_bench_pages")
    parser.add_argument("--db-server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--reuse", action="store_true", help="keep the database if seeded")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per page")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--memory-requests", type=int, default=50_000)
    parser.add_argument("--no-wrk", action="store_true", help="check the pieces, no load")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--compare", type=Path, default=None, help="an earlier run's JSON")
    parser.add_argument(
        "--report", type=Path, default=None, help="print the tables of a JSON file, run nothing"
    )
    parser.add_argument("--publish-cost", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.publish_cost:  # the in-process part, in a child with the bench environment
        print(json.dumps(publish_cost()))
        return 0
    compare = None
    if args.compare:
        earlier = json.loads(args.compare.read_text())
        compare = {row["page"]: row for row in earlier["cold"]}
    if args.report:
        print_report(json.loads(args.report.read_text()), compare)
        return 0

    db_url = f"{args.db_server}/{args.db}"
    work_dir = Path(tempfile.mkdtemp(prefix="hub-bench-"))
    static_root = work_dir / "static"
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "REDIS_URL"}},
        "DATABASE_URL": db_url,
        "SECRET_KEY": "bench-" + os.urandom(16).hex(),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "LOG_LEVEL": "WARNING",
        "STATIC_ROOT": str(static_root),
        "TRUSTED_PROXY_COUNT": "1",
        # Connections kept for the whole run: a backend replaced mid-page (the default
        # 60 s) took its CPU time with it, and the article page's figure came out low.
        "CONN_MAX_AGE": "3600",
    }
    cold_env = {**env, "CACHE_BACKEND": "dummy", "PAGE_CACHE": "0"}
    warm_env = {**env, "REDIS_URL": args.redis_url, "CACHE_BACKEND": "redis", "PAGE_CACHE": "1"}
    results: dict = {
        "articles": args.articles,
        "db": args.db,
        "workers": args.workers,
        "connections": args.connections,
        "duration": args.duration,
    }
    if not args.no_wrk:
        ensure_wrk()

    if args.reuse and seeded_articles(db_url) == args.articles:
        log(f"Reusing {args.db}: {args.articles} articles.")
        results["seed_seconds"] = None
    else:
        log(f"Resetting {args.db}, migrating, seeding {args.articles} articles…")
        reset_database(db_url, args.db)
        manage(cold_env, "migrate", "--noinput")
        started = time.monotonic()
        manage(warm_env, "seed_bulk", "--articles", str(args.articles), timeout=3600)
        results["seed_seconds"] = round(time.monotonic() - started, 1)
        log(f"  seeded in {results['seed_seconds']} s")
    manage(cold_env, "collectstatic", "--noinput")
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    static_path = "/static/" + manifest["paths"]["css/site.css"]
    targets = [("static css", static_path), *pages(args.articles)]
    results["pages"] = dict(targets)
    port = args.port or free_port()

    try:
        for mode, mode_env in (("cold", cold_env), ("warm", warm_env)):
            server = Server(
                mode_env, workers=args.workers, port=port, log_path=work_dir / f"{mode}.log"
            )
            try:
                for name, path in targets:  # every page answers, and warm ones are cached
                    server.get(path)
                    status, headers = server.get(path)
                    if status != 200:
                        raise RuntimeError(f"{mode}: {path} answered {status}")
                    cached = "Age" in headers
                    if mode == "warm" and name not in ("static css", "search ketamine"):
                        assert cached, f"warm: {path} was not served from the cache"
                    if mode == "cold":
                        assert not cached, f"cold: {path} came from a cache"
                if args.no_wrk:
                    results[mode] = [{"page": name, "status": 200} for name, _ in targets]
                    results.setdefault("rss_kib", {})[mode] = server.rss_kib()
                    continue
                # The static file is loaded again after every page, and each page is compared
                # with the static runs just before and after it: on a shared machine the
                # throughput of both drifts during a run by more than the differences measured.
                static_name, static_path = targets[0]
                connections = args.connections
                half = args.duration / 2
                statics = [load(server, db_url, static_path, half, connections)]
                rows = []
                for name, path in targets[1:]:
                    row = {"page": name, "path": path}
                    row.update(load(server, db_url, path, args.duration, connections))
                    statics.append(load(server, db_url, static_path, half, connections))
                    around = (statics[-2]["rps"] + statics[-1]["rps"]) / 2
                    row["pct_static"] = 100 * row["rps"] / around
                    rows.append(row)
                    log(f"  {mode:<5} {name:<16} {row['rps']:>8.1f} req/s")
                static_rps = sorted(run["rps"] for run in statics)
                median = sorted(statics, key=lambda run: run["rps"])[len(statics) // 2]
                static_row = {"page": static_name, "path": static_path, **median}
                static_row.update(pct_static=100.0, rps_range=[static_rps[0], static_rps[-1]])
                rows = results[mode] = [static_row, *rows]
                if mode == "cold" and args.memory_requests:
                    workers_before = server.workers()
                    before = server.rss_kib()
                    paths = [path for name, path in targets if name != "static css"]
                    # Each request picks a page at random: the mix runs at the harmonic mean.
                    # Runs of at most a minute until the count is reached (wrk stops on
                    # time only), bounded at 30 minutes in all.
                    mix_rps = len(rows[1:]) / sum(1 / max(row["rps"], 1) for row in rows[1:])
                    done, errors, deadline = 0, 0, time.monotonic() + 1800
                    while done < args.memory_requests and time.monotonic() < deadline:
                        seconds = min(60, (args.memory_requests - done) / mix_rps + 1)
                        run = wrk(server.base, paths, seconds=seconds, connections=args.connections)
                        done += run["requests"]
                        errors += run["errors"]
                    after = server.rss_kib()
                    if server.workers() != workers_before:
                        log("  warning: gunicorn replaced a worker during the memory run")
                    results["memory"] = {
                        "workers_replaced": server.workers() != workers_before,
                        "requests": done,
                        "rss_before_kib": before,
                        "rss_after_kib": after,
                        "growth_pct": [
                            round(100 * (a - b) / b, 1) for a, b in zip(after, before, strict=False)
                        ],
                        "errors": errors,
                    }
            finally:
                server.stop()
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)

    cost = subprocess.run(
        [PYTHON, __file__, "--publish-cost"],
        cwd=ROOT,
        env=warm_env,
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    results["publish"] = json.loads(cost.stdout.strip().splitlines()[-1])

    print_report(results, compare)
    target = args.json or (ROOT / "var" / f"bench-pages-{args.articles}.json")
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(results, indent=2))
    print(f"\n(written to {target})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
