"""How long hostile Markdown takes to render: every case must stay under 0.5 s (issue 23).

    SECRET_KEY=x .venv/bin/python bench/bench_hostile_markdown.py [--chars 200000] [--runs 3]
        [--only SUBSTRING] [--limit-seconds 0.5]

Each case is a body of about --chars characters (default: the length cap,
settings.ARTICLE_BODY_MAX_CHARS): every printable ASCII character repeated, a few
Unicode ones, and patterns that make a Markdown renderer, the sanitiser or the linker
scan back and forth (nested brackets, unclosed tags, emphasis runs, deep lists and
quotes, thousands of footnotes and links...). Each is rendered as articles are, with
linked terms against a small synthetic set of topics; the median CPU time of --runs is
printed (CPU, so that other processes on a shared machine do not count).
Exits 1 if any case takes --limit-seconds or more.

Needs no database: the topics are built in memory.
"""

import argparse
import os
import signal
import statistics
import string
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from articles import linking  # noqa: E402
from articles.markdown import render_markdown  # noqa: E402

UNICODE = ["é", "中", "😀", "\ufffd", "\u200b", "\u202e", "\u0301", "\u00a0", "\u2028"]


def fill(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def lines(make, size: int) -> str:
    """Lines made by make(i), up to about `size` characters."""
    out, total, i = [], 0, 0
    while total < size:
        line = make(i)
        out.append(line)
        total += len(line) + 1
        i += 1
    return "\n".join(out)


def ordinary(size: int) -> str:
    """Prose as dense with sources, links and emphasis as any article, to the length cap."""
    paragraph = (
        "Ketamine can ease depression within hours.[^{n}] See [the trial](https://e.org/{n})"
        " and *take care* when driving.\n\n"
    )
    body, n, total = [], 0, 0
    while total < size * 0.95:
        n += 1
        body.append(paragraph.format(n=n))
        total += len(body[-1])
    body.append("".join(f"[^{i}]: Source {i}. doi:10.1000/{i}\n" for i in range(1, n + 1)))
    return "".join(body)[:size]


def cases(size: int) -> dict[str, str]:
    out = {}
    for char in string.printable[:95]:  # every printable ASCII character, space included
        out[f"{char!r} x N"] = fill(char, size)
    for char in UNICODE:
        out[f"{char!a} x N"] = fill(char, size)
    patterns = {
        "'[[[[' then ']]]]'": "[" * (size // 2) + "]" * (size // 2),
        "'[](' x N": fill("[](", size),
        "'[a](' x N": fill("[a](", size),
        "'[a](b) ' links x N": fill("[a](https://e.org/b) ", size),
        "'![a](' x N": fill("![a](", size),
        "'[a][b]' x N": fill("[a][b]", size),
        "'*_' x N": fill("*_", size),
        "'**a' x N": fill("**a", size),
        "'*a* ' x N": fill("*a* ", size),
        "'***a***' x N": fill("***a*** ", size),
        "'_a_b' x N": fill("_a_b", size),
        "'<a' x N": fill("<a", size),
        "'<a>' x N": fill("<a>", size),
        "'<a ' x N": fill("<a ", size),
        "'</a>' x N": fill("</a>", size),
        "'<a href=' x N": fill('<a href="', size),
        "'<span>' x N": fill("<span>", size),
        "'<div>' lines": lines(lambda i: "<div>", size),
        "'<!--' x N": fill("<!--", size),
        "'<!-- -->' x N": fill("<!-- x -->", size),
        "'<?' x N": fill("<?", size),
        "'<![CDATA[' x N": fill("<![CDATA[", size),
        "'<http://a' x N": fill("<http://a", size),
        "'<http://a>' x N": fill("<http://a.b> ", size),
        "'<a@b.c>' x N": fill("<a@b.c> ", size),
        "'&#' x N": fill("&#", size),
        "'&#x' x N": fill("&#x", size),
        "'&amp;' x N": fill("&amp;", size),
        "'&#1;' x N": fill("&#1;", size),
        "'`a' x N": fill("`a", size),
        "'``a' x N": fill("``a", size),
        "backtick runs 1..N": " ".join("`" * n for n in range(1, 600))[:size],
        "'```' fence lines": lines(lambda i: "```", size),
        "'~~~' fence lines": lines(lambda i: "~~~", size),
        "'|' table rows": "|a|b|\n|-|-|\n" + lines(lambda i: "|a|b|", size),
        "'|' wide table": "|" + fill("a|", size // 2) + "\n|" + fill("-|", size // 2),
        "'> ' quote nesting": lines(lambda i: "> " * (i % 500) + "a", size),
        "'>' one line": fill(">", size - 2) + " a",
        "'> ' one line": fill("> ", size - 2) + "a",
        "'1. ' list nesting": lines(lambda i: "    " * (i % 200) + "1. a", size),
        "'- ' list nesting": lines(lambda i: "  " * (i % 300) + "- a", size),
        "'1. ' one line": fill("1. ", size),
        "'- ' one line": fill("- ", size),
        "'- ' items": lines(lambda i: "- a", size),
        "'* ' hr lines": lines(lambda i: "* * *", size),
        "'#' headings": lines(lambda i: "# a", size),
        "'    ' code lines": lines(lambda i: "    a", size),
        "'[^1]' x N": "a" + fill("[^1]", size - 20) + "\n\n[^1]: s",
        "'[^n]' distinct x N": "".join(f"[^{n}]" for n in range(size // 8)) + "\n\n[^1]: s",
        "'[^n]: ' definitions": lines(lambda i: f"[^{i}]: s [^{i + 1}]", size),
        "'[^' x N": fill("[^", size),
        "'[a]: ' link refs": lines(lambda i: f"[a{i}]: https://e.org/{i}", size // 2)
        + "\n\n"
        + fill("[a1] ", size // 2),
        "'[a]: ' one ref, used x N": "[a]: https://e.org/\n\n" + fill("[a] ", size - 30),
        "long line, no spaces": fill("abcdefghij", size),
        "long url": "https://e.org/" + fill("a", size - 20),
        "'https://a.b ' x N": fill("https://a.b/c ", size),
        "'https://a.b ' x N in a source": "a[^1]\n\n[^1]: " + fill("https://a.b/c ", size - 15),
        "'http://' + '.' x N in a source": "a[^1]\n\n[^1]: http://" + fill(".", size - 20),
        "'doi:10.1234/' x N": fill("doi:10.1234/a ", size),
        "'PMID: 1 ' x N": fill("PMID: 1 ", size),
        "'a\\n' lines": lines(lambda i: "a", size),
        "'\\\\' x N": fill("\\", size),
        "'\\\\[' x N": fill("\\[", size),
        "'$' x N": fill("$", size),
        "word x N (a topic)": fill("depression ", size),
        "mixed markup": fill("*[<&`_]>)(!", size),
        "'[<' x N": fill("[<", size),
        "'(' x N after ']'": "]" + fill("(", size),
        "'](' x N": fill("](", size),
        "'[a](<' x N": fill("[a](<", size),
        "'[a](b \"' x N": fill('[a](b "', size),
        "'~~' x N": fill("~~", size),
        "'\"' in <a title=": fill('<a title="', size),
        "blocks of 999 '&'": lines(lambda i: "&" * 999 + "\n", size),
        "blocks of 999 '<a>'": lines(lambda i: "<a>" * 333 + "\n", size),
        "blocks of 299 '# a' lines": lines(lambda i: "# a\n" * 299, size),
        "blocks of 299 '|' rows": lines(lambda i: "|a|b|\n|-|-|\n" + "|a|b|\n" * 297, size),
        "'a\\n\\n' paragraphs": lines(lambda i: "a\n", size),
        "'- a\\n\\n' loose list": lines(lambda i: "- a\n", size),
        "deep indentation": lines(lambda i: " " * (i % 2000) + "- a", size),
        "'- ' a level deeper a line": lines(lambda i: "    " * (i % 299) + "- a", size),
        "'> ' a level deeper a line": lines(lambda i: ">" * (i % 299) + " a", size),
        "long ordinary article": ordinary(size),
    }
    out.update(patterns)
    return out


def matcher() -> linking.Matcher:
    refs = [
        (linking.TopicRef(n, f"t{n}", name, f"About {name}."), [name])
        for n, name in enumerate(["Depression", "a", "ab", "abc d", "ketamine", "e"], start=1)
    ]
    return linking.Matcher(refs)


class GaveUp(Exception):
    pass


def _give_up(signum, frame):
    raise GaveUp


def median_seconds(text: str, runs: int, terms: linking.Matcher) -> float:
    # CPU time, not wall time: on a shared machine other processes' load would count too.
    times = []
    for _ in range(runs):
        start = time.process_time()
        render_markdown(text, matcher=terms)
        times.append(time.process_time() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chars", type=int, default=settings.ARTICLE_BODY_MAX_CHARS)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default="", help="only the cases whose name contains this")
    parser.add_argument("--limit-seconds", type=float, default=0.5)
    parser.add_argument(
        "--give-up-seconds", type=float, default=30, help="stop a case that takes this long"
    )
    args = parser.parse_args()
    signal.signal(signal.SIGALRM, _give_up)

    terms = matcher()
    slow = []
    rows = [(name, text) for name, text in cases(args.chars).items() if args.only in name]
    width = max(len(name) for name, _ in rows)
    print(f"{'case':<{width}}  {'chars':>7}  CPU seconds (median of {args.runs})")
    for name, text in rows:
        signal.setitimer(signal.ITIMER_REAL, args.give_up_seconds * args.runs)
        try:
            seconds = median_seconds(text, args.runs, terms)
        except GaveUp:
            seconds, flag = float("nan"), f"  SLOW: gave up after {args.give_up_seconds:g} s"
        except RecursionError as error:  # a crash is a failure too, and must not stop the table
            seconds, flag = float("nan"), f"  FAILED: {type(error).__name__}"
        else:
            flag = "  SLOW" if seconds >= args.limit_seconds else ""
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        print(f"{name:<{width}}  {len(text):>7}  {seconds:7.3f}{flag}", flush=True)
        if flag:
            slow.append(name)
    print(f"{len(rows)} cases; {len(slow)} at or over {args.limit_seconds} s")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
