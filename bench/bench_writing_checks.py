"""How long the writing checks take: a 2,000-word article (target < 20 ms) and hostile input.

    SECRET_KEY=x .venv/bin/python bench/bench_writing_checks.py [--runs 20]

Needs no database. The article is the demo's longest, twice (with its own sources each
time). "Cold" gives every run a text no cache has seen (textstat caches per text, so an
edit re-grades only the sentences it touched: "warm" is that case). Hostile inputs are
200,000 characters each; they must take time in proportion to their length.
"""

import argparse
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

from articles.management.commands._demo_content import ARTICLES  # noqa: E402
from articles.writing_checks import check  # noqa: E402

HOSTILE = {
    "[": "[",
    "#": "#",
    "[^": "[^",
    "#\\n": "#\n",
    "[^\\n": "[^\n",
    "`": "`",
    "[a](": "[a](",
    "<http://": "<http://",
    "```\\n# x\\n": "```\n# x\n",
    "[^1] ": "[^1] ",
    "a\\n---\\n\\n": "a\n---\n\n",
    "committed suicide ": "committed suicide ",
}


def timed(body: str, title: str = "", summary: str = "") -> float:
    start = time.perf_counter()
    check(title=title, summary=summary, body=body)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    spec = max(ARTICLES, key=lambda a: len(a["body"]))
    body = spec["body"].replace("[^", "[^b") + "\n\n" + spec["body"]
    print(f"article: {len(body.split()):,} words, {len(body):,} characters")
    timed("Warm up: load the hyphenation dictionary once.[^1]\n\n[^1]: x")
    # A word added to every line makes every sentence new to textstat's caches.
    cold = [timed(body.replace("\n", f" w{run}\n")) for run in range(args.runs)]
    warm = [timed(body) for _ in range(args.runs)]
    print(f"cold: median {statistics.median(cold):.1f} ms, max {max(cold):.1f} ms")
    print(f"warm: median {statistics.median(warm):.1f} ms, max {max(warm):.1f} ms")
    for name, unit in HOSTILE.items():
        text = unit * (200_000 // len(unit))
        print(f"hostile {name!r:>22} x {len(text):,}: {timed(text, text[:200], text[:300]):.0f} ms")


if __name__ == "__main__":
    main()
