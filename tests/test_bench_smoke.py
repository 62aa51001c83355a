"""bench/bench_pages.py, bench/explain.py and bench/bench_hostile_markdown.py still work:
their pieces at a tiny size.

A smoke run, not a benchmark (the full runs are `make bench`): no load is generated
(--no-wrk), five articles, one gunicorn worker. The database is made and seeded, static
files collected, gunicorn started with the production settings, cold and warm, every
page checked, and publishing measured. wrk's output parser is checked on a sample.
"""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.services import redis_up

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.postgres

SMOKE_ARTICLES = 5


def _bench_module():
    spec = importlib.util.spec_from_file_location("bench_pages", ROOT / "bench" / "bench_pages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _server_url() -> str:
    settings = connection.settings_dict
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or "5432"
    user = settings["USER"] or "postgres"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return f"postgres://{user}{password}@{host}:{port}"


# What `wrk --latency` prints (wrk 4.2), with its three units of time.
WRK_REPORT = """\
Running 1s test @ http://127.0.0.1:8000/
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.50ms    3.10ms   1.25s    91.00%
    Req/Sec   320.00     20.00    350.00     70.00%
  Latency Distribution
     50%  830.00us
     75%   12.50ms
     90%   20.00ms
     99%    1.25s
  322 requests in 1.00s, 1.50MB read
  Socket errors: connect 0, read 0, write 0, timeout 1
  Non-2xx or 3xx responses: 2
Requests/sec:    321.50
Transfer/sec:      1.50MB
"""


def test_wrk_output_is_understood():
    numbers = _bench_module().wrk_numbers(WRK_REPORT)
    assert numbers["p50_ms"] == pytest.approx(0.83)
    assert numbers["p99_ms"] == 1250
    assert (numbers["requests"], numbers["rps"], numbers["errors"]) == (322, 321.5, 2)
    assert numbers["socket_errors"] == "connect 0, read 0, write 0, timeout 1"
    milliseconds = WRK_REPORT.replace("     99%    1.25s", "     99%   12.5ms")
    assert _bench_module().wrk_numbers(milliseconds)["p99_ms"] == 12.5


@pytest.mark.skipif(not redis_up(), reason="needs Redis on 127.0.0.1:6379 for the warm run")
def test_benchmark_runs_end_to_end_at_a_tiny_size(tmp_path):
    name = f"{connection.settings_dict['NAME']}_bench_smoke"[:60]
    out = tmp_path / "bench.json"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [
            sys.executable,
            "bench/bench_pages.py",
            "--db",
            name,
            "--db-server",
            _server_url(),
            "--articles",
            str(SMOKE_ARTICLES),
            "--workers",
            "1",
            "--duration",
            "1",
            "--no-wrk",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    try:
        assert result.returncode == 0, result.stdout + result.stderr
        report = json.loads(out.read_text())
        assert report["articles"] == SMOKE_ARTICLES
        assert [row["page"] for row in report["cold"]][1:] == [
            "home",
            "topic index",
            "topic page",
            "article page",
            "author page",
            "search ketamine",
            "feed",
        ]
        assert report["pages"]["static css"].startswith("/static/css/site.")
        assert all(len(sizes) == 1 for sizes in report["rss_kib"].values())  # one worker
        publish = report["publish"]
        assert len(set(publish["queries"])) == 1 and publish["queries"][0] < 25
        assert publish["pages_retired"] == [1] * len(publish["queries"])

        explained = subprocess.run(  # noqa: S603 - our own script
            [sys.executable, "bench/explain.py"],
            cwd=ROOT,
            env={**env, "DATABASE_URL": f"{_server_url()}/{name}"},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert explained.returncode in (0, 1), explained.stdout + explained.stderr
        assert "search ketamine" in explained.stdout
    finally:
        bench = _bench_module()
        with bench.admin_connection(f"{_server_url()}/{name}") as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_hostile_markdown_benchmark_runs_every_case_at_a_tiny_size():
    result = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [
            sys.executable,
            "bench/bench_hostile_markdown.py",
            "--chars",
            "2000",
            "--runs",
            "1",
            "--limit-seconds",
            "60",  # a smoke run: the script works; the timings are the full run's business
        ],
        cwd=ROOT,
        env={**os.environ, "SECRET_KEY": "bench-smoke"},
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "'<' x N" in result.stdout
    assert "long ordinary article" in result.stdout
    assert "FAILED" not in result.stdout
