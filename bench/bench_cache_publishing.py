"""The page cache under steady publishing, and Varnish in front (issue 24).

    flock /tmp/loadtest.lock .venv/bin/python bench/bench_cache_publishing.py \\
        --db hub_bench_keys --redis-url redis://127.0.0.1:6379/8

1. A fresh PostgreSQL database (--db, dropped and recreated) with the demo content and
   --articles synthetic articles (seed_bulk), unless --reuse finds it seeded.
2. gunicorn with the production settings (gthread: --workers x --threads), the page cache
   in Redis (--redis-url), purging a Varnish started in front of it on loopback
   (deploy/varnish/default.vcl, --varnish-port) when varnishd is installed.
3. The paths: every live article (up to --articles), every topic page and home.
   All warmed (fetched once through the app and once through Varnish).
4. wrk, --connections connections for --seconds, a path at random per request:
   a. the app, nobody publishing, before and after (b) (the mean of the two);
   b. the app, while another process publishes an article (in a random topic) every
      --publish-every seconds: its throughput as a share of (a) (target >= 95 %). The
      publisher is started, set up and warm (one publish) before the run, as a worker
      is in production: an interpreter's start-up is not the cost of publishing;
   c. Varnish, nobody publishing: its throughput as a multiple of (a) (target >= 10x).
5. Retraction: an article fetched through Varnish (a hit), archived in another process;
   the time from the archive's return to Varnish answering 404 (target < 1 s).
6. Stampede: a popular page's keys retired, then --readers requests for it at once,
   straight to the app; renders counted as the answers without an Age header
   (a stored page is served with one) (target 1).

Prints the figures and writes them as JSON (--json). Needs PostgreSQL, Redis, wrk
(Debian `wrk`) and, for 4c and 5, varnishd with vmod xkey (Debian `varnish`,
`varnish-modules`). Hold /tmp/loadtest.lock: never overlap another load run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
from bench_pages import ensure_wrk, wrk  # noqa: E402
from harness import log  # noqa: E402

ROOT = harness.ROOT
VCL = ROOT / "deploy" / "varnish" / "default.vcl"
# The purge secret the VCL is written with and the app sends (CACHE_PURGE_TOKEN).
PURGE_TOKEN = secrets.token_hex(32)


# --- in-process modes (run in a child with the bench's environment) ------------------------


def _django():
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    django.setup()


def publisher(every: float, seconds: float) -> None:
    """Publish a new article in a random bulk topic every `every` seconds, for `seconds`
    from the line "go" on stdin. Before it: Django set up and one publish done, then
    "ready" printed. A worker starts once and publishes for hours; what is measured is the
    steady publishing, not an interpreter starting and loading its modules (seconds of
    CPU on a 2-core machine, which the first run's figure counted)."""
    _django()
    from accounts.models import User
    from articles import workflow
    from articles.models import Topic

    author = User.objects.get(username="bulk-clinician-0")
    editor = User.objects.get(username="bulk-editor")
    topics = list(Topic.objects.filter(slug__startswith="bulk-topic-"))
    body = "Benchmark text about sleep.[^1]\n\n[^1]: Source. *Journal*. 2026;1:1."

    def publish_one() -> None:
        article = workflow.create_article(
            by=author,
            title=f"Steady publishing {time.time_ns()}",
            summary="Published while readers read.",
            body=body,
            topics=[random.choice(topics)],
        )
        workflow.submit_for_review(article=article, by=author)
        workflow.publish(article=article, by=editor, checklist=list(workflow.CHECKLIST))

    publish_one()
    print("ready", flush=True)
    sys.stdin.readline()
    end = time.monotonic() + seconds
    published = 0
    while time.monotonic() < end:
        started = time.monotonic()
        publish_one()
        published += 1
        time.sleep(max(0.0, every - (time.monotonic() - started)))
    print(json.dumps({"published": published}), flush=True)


def retract(varnish_port: int) -> None:
    """Archive a live article seen through Varnish; print how long until it is a 404."""
    _django()
    from accounts.models import User
    from articles import workflow
    from articles.models import Article
    from articles.readability import measure

    article = Article.objects.published().order_by("-pk").first()
    path = article.get_absolute_url()
    for _ in range(2):
        status, headers = _get(varnish_port, path)
    assert status == 200 and headers.get("X-Cache") == "HIT", (status, headers)
    editor = User.objects.get(username="bulk-editor")
    measure("Warm up.")  # its word list loads on first use (seconds): not the retraction's
    started = time.monotonic()
    workflow.archive(article=article, by=editor, comment="Benchmark retraction.")
    committed = time.monotonic()
    while _get(varnish_port, path)[0] != 404:
        if time.monotonic() - committed > 10:
            break
        time.sleep(0.005)
    gone = time.monotonic()
    print(
        json.dumps(
            {
                "archive_ms": (committed - started) * 1000,
                "gone_after_commit_ms": (gone - committed) * 1000,
                "status_after": _get(varnish_port, path)[0],
            }
        )
    )


def retire_page(path: str) -> None:
    """Retire the keys of the page at `path` (as a change to its article would)."""
    _django()
    from articles import cache as page_cache
    from articles.cache import article_key
    from articles.models import Article

    slug = path.strip("/").split("/")[-1]
    pk = Article.objects.get(slug=slug).pk
    page_cache._retire(frozenset({article_key(pk)}))


# --- helpers --------------------------------------------------------------------------------


def _get(port: int, path: str) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        # Host as wrk sends it (127.0.0.1:port): it is part of both caches' keys.
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status, dict(response.getheaders())
    finally:
        connection.close()


def start_gunicorn(env: dict, workers: int, threads: int, log_dir: Path) -> harness.Server:
    port = harness.free_port()
    log_path = log_dir / "gunicorn.log"
    with open(log_path, "w") as out:
        process = subprocess.Popen(
            [
                harness.GUNICORN, "hub.wsgi", "--workers", str(workers),
                "--worker-class", "gthread", "--threads", str(threads),
                "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
            ],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    server = harness.Server(process, port, log_path)
    if not harness.wait_until(lambda: harness.fetch(port, "/healthz", timeout=5)[0] == 200, 60):
        server.stop()
        raise SystemExit(f"gunicorn did not start:\n{server.log_text()[-3000:]}")
    log(f"gunicorn ({workers} workers x {threads} threads) on {server.base}")
    return server


def start_varnish(backend_port: int, port: int, admin_port: int) -> tuple[int, Path] | None:
    if shutil.which("varnishd") is None:
        log("no varnishd: no Varnish figures (apt-get install varnish varnish-modules)")
        return None
    workdir = Path(tempfile.mkdtemp(prefix="hub-bench-varnish-"))
    workdir.chmod(0o755)
    vcl = workdir / "default.vcl"
    vcl.write_text(
        VCL.read_text()
        .replace("BACKEND_PORT", str(backend_port))
        .replace("PURGE_SECRET", PURGE_TOKEN)
    )
    vcl.chmod(0o644)
    subprocess.run(
        [
            "varnishd", "-a", f"127.0.0.1:{port}", "-T", f"127.0.0.1:{admin_port}",
            "-n", str(workdir / "n"), "-f", str(vcl), "-s", "malloc,512m",
            "-P", str(workdir / "pid"),
        ],
        check=True, capture_output=True,
    )  # fmt: skip
    # Until the health probe finds the app up.
    harness.wait_until(lambda: _get(port, "/")[0] == 200, 15)
    log(f"varnishd on 127.0.0.1:{port} in front of 127.0.0.1:{backend_port}")
    return int((workdir / "pid").read_text()), workdir


def child(env: dict, *args: str, timeout: float) -> dict:
    result = subprocess.run(
        [harness.PYTHON, __file__, *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    if result.returncode:
        raise SystemExit(f"{args[0]} failed:\n{result.stderr[-3000:]}")
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


def start_publisher(env: dict, every: float, seconds: float) -> subprocess.Popen:
    """The publisher child (see publisher()), set up and warm: it publishes on "go"."""
    process = subprocess.Popen(
        [harness.PYTHON, __file__, "--publisher", "--publish-every", str(every),
         "--seconds", str(seconds)],
        cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    line = process.stdout.readline()
    if line.strip() != "ready":
        process.kill()
        raise SystemExit(f"the publisher did not start: {line!r}")
    return process


def finish_publisher(process: subprocess.Popen, seconds: float) -> dict:
    out, _ = process.communicate(timeout=seconds + 120)
    if process.returncode:
        raise SystemExit("the publisher failed")
    lines = [line for line in out.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


def paths_of(db: str, articles: int) -> list[str]:
    slugs = harness.query(
        db, "SELECT slug FROM articles_article WHERE live ORDER BY id LIMIT %s", [articles]
    )
    topics = harness.query(db, "SELECT slug FROM articles_topic ORDER BY id")
    return (
        [f"/articles/{slug}/" for (slug,) in slugs]
        + [f"/topics/{slug}/" for (slug,) in topics]
        + ["/"]
    )


def stampede(port: int, path: str, readers: int) -> int:
    """Renders of `path` when `readers` ask for it at once: answers without Age."""
    barrier = threading.Barrier(readers)
    rendered = []

    def read():
        barrier.wait()
        status, headers = _get(port, path)
        rendered.append(status == 200 and "Age" not in headers)

    threads = [threading.Thread(target=read) for _ in range(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(rendered)


# --- the run --------------------------------------------------------------------------------


def main() -> int:  # noqa: C901 - one script, read top to bottom
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--db", default="hub_bench_keys")
    parser.add_argument("--reuse", action="store_true", help="keep a seeded --db")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/8")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--publish-every", type=float, default=2.0)
    parser.add_argument("--readers", type=int, default=16)
    parser.add_argument("--varnish-port", type=int, default=6091)
    parser.add_argument("--varnish-admin-port", type=int, default=6092)
    parser.add_argument("--json", default="var/bench-cache-publishing.json")
    parser.add_argument("--publisher", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--retract", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--retire", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.publisher:
        publisher(args.publish_every, args.seconds)
        return 0
    if args.retract:
        retract(args.varnish_port)
        return 0
    if args.retire:
        retire_page(args.retire)
        return 0

    db = harness.check_db_name(args.db, "hub_bench")
    ensure_wrk()
    # Varnish purged by key may keep pages as long as the page cache does (s-maxage).
    env = harness.production_env(
        db,
        args.redis_url,
        CACHE_PURGE_HOSTS=f"http://127.0.0.1:{args.varnish_port}",
        CACHE_PURGE_TOKEN=PURGE_TOKEN,
        PAGE_CDN_SECONDS="600",
    )
    seeded = False
    if args.reuse:
        try:
            seeded = harness.query(db, "SELECT count(*) FROM articles_article")[0][0] > 0
        except Exception:  # no such database yet
            seeded = False
    if not seeded:
        harness.prepare_site(db, env, args.articles)
    subprocess.run(["redis-cli", "-u", args.redis_url, "FLUSHDB"], check=True, capture_output=True)
    log_dir = Path(tempfile.mkdtemp(prefix="hub-bench-keys-"))
    server = start_gunicorn(env, args.workers, args.threads, log_dir)
    varnish = None
    results: dict = {"articles": args.articles, "connections": args.connections}
    try:
        varnish = start_varnish(server.port, args.varnish_port, args.varnish_admin_port)
        paths = paths_of(db, args.articles)
        results["paths"] = len(paths)
        log(f"warming {len(paths)} pages")
        for path in paths:
            _get(server.port, path)
            if varnish:
                _get(args.varnish_port, path)

        def load(port: int) -> dict:
            return wrk(f"http://127.0.0.1:{port}", paths, seconds=args.seconds,
                       connections=args.connections)  # fmt: skip

        # Quiet, publishing, quiet again: the share is of the mean of the quiet runs, so a
        # drift of the shared machine's load during the run does not pass for the cost.
        before = load(server.port)
        log(f"app, nobody publishing: {before['rps']:.0f} req/s")
        publishing = start_publisher(env, args.publish_every, args.seconds)
        for path in paths:  # what its warm-up publish retired
            _get(server.port, path)
        publishing.stdin.write("go\n")
        publishing.stdin.flush()
        busy = results["app_publishing"] = load(server.port)
        results["published"] = finish_publisher(publishing, args.seconds)
        log(f"app, a publish every {args.publish_every:g} s: {busy['rps']:.0f} req/s")
        after = load(server.port)
        log(f"app, nobody publishing again: {after['rps']:.0f} req/s")
        quiet = results["app_quiet"] = {
            "rps": (before["rps"] + after["rps"]) / 2,
            "before": before,
            "after": after,
        }
        results["publishing_share"] = busy["rps"] / quiet["rps"]
        log(
            f"publishing: {results['publishing_share']:.0%} of quiet "
            f"({quiet['rps']:.0f} req/s, mean of both); {results.get('published')}"
        )
        # Quiet again before Varnish, so its figure is not the tail of the publishing.
        if varnish:
            for path in paths:
                _get(args.varnish_port, path)
            through = results["varnish_quiet"] = load(args.varnish_port)
            results["varnish_multiple"] = through["rps"] / quiet["rps"]
            log(f"Varnish: {through['rps']:.0f} req/s ({results['varnish_multiple']:.1f}x the app)")
            results["retraction"] = child(
                env, "--retract", "--varnish-port", str(args.varnish_port), timeout=120
            )
            log(f"retraction: {results['retraction']}")

        popular = paths[0]
        _get(server.port, popular)
        child(env, "--retire", popular, timeout=120)
        results["stampede_renders"] = stampede(server.port, popular, args.readers)
        log(f"{args.readers} readers of a retired page: {results['stampede_renders']} render(s)")
        problems = harness.log_problems(server.log_text())
        results["server_log_problems"] = problems
    finally:
        if varnish:
            os.kill(varnish[0], 15)
            shutil.rmtree(varnish[1], ignore_errors=True)
        server.stop()
    out = ROOT / args.json
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
