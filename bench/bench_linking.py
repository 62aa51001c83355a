"""How long linked terms take: a 2,000-word body against 5,000 topics (target < 50 ms).

    SECRET_KEY=x .venv/bin/python bench/bench_linking.py [--topics 5000] [--words 2000]

Needs no database: the topics are synthetic and the matcher is built in memory.
Prints the matcher's build time (once per process and topic change), the time to link
the body's element tree (the linking step alone), and the whole render_markdown() with
and without linking; medians of --runs runs.
"""

import argparse
import copy
import os
import random
import statistics
import sys
import time
from pathlib import Path
from xml.etree import ElementTree

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")

import django  # noqa: E402

django.setup()

from articles import linking  # noqa: E402
from articles.markdown import render_markdown  # noqa: E402
from articles.models import frozen_matcher, render_linked  # noqa: E402

SYLLABLES = [
    "ka", "ta", "mi", "ne", "es", "lo", "ra", "vi", "do", "su", "pe", "cor", "tin", "zol",
    "pra", "mab", "cept", "ine", "ol", "ate", "ium", "ox"
]  # fmt: skip
FILLER = [
    "the", "a", "of", "and", "to", "in", "is", "it", "for", "with", "that", "on", "as", "are",
    "be", "this", "you", "by", "or", "your", "can", "may", "people", "doctor", "treatment",
    "dose", "weeks", "feel", "help", "often", "some", "most", "after", "before", "when",
    "about", "their", "other", "more", "usually", "very", "side", "effects", "daily", "care",
    "health", "plan"
]  # fmt: skip


def word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def topics(n: int, rng: random.Random) -> list[tuple[linking.TopicRef, list[str]]]:
    out, seen = [], set()
    while len(out) < n:
        name = " ".join(word(rng) for _ in range(rng.choice([1, 1, 2, 2, 3])))
        if name in seen:
            continue
        seen.add(name)
        aliases = [word(rng), f"{name} {rng.choice(['therapy', 'disease', 'syndrome'])}"]
        ref = linking.TopicRef(len(out) + 1, f"t{len(out) + 1}", name, f"About {name}.")
        out.append((ref, [name.capitalize(), *aliases]))
    return out


def body(words: int, terms: list[str], rng: random.Random) -> str:
    paragraphs, count = [], 0
    while count < words:
        sentence = []
        for _ in range(rng.randint(8, 20)):
            sentence.append(rng.choice(terms) if rng.random() < 0.05 else rng.choice(FILLER))
        text = " ".join(sentence).capitalize() + "."
        if rng.random() < 0.1:
            paragraphs.append(f"## {rng.choice(terms).capitalize()} explained")
        if rng.random() < 0.1:
            text += f" See [{rng.choice(terms)}](https://example.org/) or `{rng.choice(terms)}`."
        paragraphs.append(text)
        count += len(text.split())
    return "\n\n".join(paragraphs)


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--topics", type=int, default=5000)
    parser.add_argument("--words", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    rng = random.Random(42)

    topic_list = topics(args.topics, rng)
    terms = [t for _, names in topic_list for t in names]
    start = time.perf_counter()
    matcher = linking.Matcher(topic_list)
    build_ms = (time.perf_counter() - start) * 1000
    text = body(args.words, terms, rng)

    with frozen_matcher(matcher):
        linked_html = render_linked(text)
        plain_html = render_markdown(text)
        # Warm the per-word patterns, as a running process has.
        tree = ElementTree.fromstring(f"<div>{plain_html}</div>")  # noqa: S314 - our own HTML
        linking.link_tree(copy.deepcopy(tree), matcher=matcher)

        trees = [copy.deepcopy(tree) for _ in range(args.runs)]
        link_ms = median_ms(lambda: linking.link_tree(trees.pop(), matcher=matcher), args.runs)
        with_ms = median_ms(lambda: render_linked(text), args.runs)
    without_ms = median_ms(lambda: render_markdown(text), args.runs)

    print(f"topics: {args.topics:,} ({matcher.term_count:,} names and aliases)")
    print(f"body: {len(text.split()):,} words, {linked_html.count('term__link')} terms linked")
    print(f"matcher build (cold, once per topic change): {build_ms:.1f} ms")
    print(f"linking the element tree (median of {args.runs}): {link_ms:.2f} ms  (target < 50 ms)")
    print(f"render_markdown with linking: {with_ms:.1f} ms; without: {without_ms:.1f} ms")


if __name__ == "__main__":
    main()
