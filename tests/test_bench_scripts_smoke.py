"""The small benchmark scripts still run: one pass each, no timing asserted here."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_script(name: str, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # its own database
    env["SECRET_KEY"] = "bench-smoke"
    done = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, f"bench/{name}", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]  # 1: slower than its target
    return done.stdout


def test_preview_benchmark_runs():
    out = run_script("bench_preview.py", "--runs", "1")
    assert "20 linked terms, 15 sources" in out and "preview: median" in out


def test_sqlite_search_benchmark_runs():
    out = run_script("bench_search_sqlite.py", "--articles", "50", "--runs", "1")
    assert "median of the medians" in out


def test_image_benchmark_runs():
    out = run_script("bench_images.py", "--width", "800", "--height", "600", "--runs", "1")
    assert "800 x 600 JPEG" in out and "4 renditions" in out


def test_api_benchmark_runs():
    out = run_script("bench_api.py", "--articles", "50", "--runs", "2")
    assert "API page of 20 articles" in out
