"""Server time of the writing desk's live preview (target: median < 300 ms).

    SECRET_KEY=x .venv/bin/python bench/bench_preview.py [--runs 20]

A 2,000-word article with 20 linked terms and 15 sources, posted to the live-preview
endpoint as the change page posts it, through Django's test client in this process (so
the time is the server's: URL routing, login and CSRF middleware, the Markdown pipeline,
linking, the writing checks, the JSON). Each run changes one word, as typing does, so no
cache answers for it. The database is a throwaway SQLite file unless DATABASE_URL is set.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
_db = Path(tempfile.mkdtemp()) / "bench_preview.sqlite3"
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_db}")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from articles.models import Topic  # noqa: E402
from tests.factories import ClinicianFactory  # noqa: E402

TERMS = [f"Condition{n}" for n in range(20)]
SENTENCE = (
    "People with {term} often notice the first changes in their sleep and energy, and a "
    "doctor can help them choose a treatment that suits their life.[^{source}]"
)


def article_body(words: int = 2000) -> str:
    sentences, n = [], 0
    while sum(len(s.split()) for s in sentences) < words:
        sentences.append(SENTENCE.format(term=TERMS[n % 20], source=n % 15 + 1))
        n += 1
    paragraphs = [" ".join(sentences[i : i + 5]) for i in range(0, len(sentences), 5)]
    headed = [f"## Part {i // 4 + 1}\n\n{p}" if i % 4 == 0 else p for i, p in enumerate(paragraphs)]
    sources = [f"[^{k}]: Author {k}. A study of treatment. BMJ. 2020;{k}:1." for k in range(1, 16)]
    return "\n\n".join(headed + sources)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    setup_test_environment()
    call_command("migrate", verbosity=0)
    for term in TERMS:
        Topic.objects.get_or_create(name=term, defaults={"definition": f"What {term} is."})
    client = Client()
    client.force_login(ClinicianFactory(username="bench-preview-writer"))
    body = article_body()
    print(f"article: {len(body.split()):,} words, 20 linked terms, 15 sources")
    url = "/admin/articles/article/live-preview/"
    times = []
    for run in range(args.runs + 1):
        text = body.replace("first changes", f"first changes{run}", 1)
        start = time.perf_counter()
        response = client.post(url, {"title": "Bench", "summary": "s", "body": text}, secure=True)
        elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, response.status_code
        if run:  # the first run loads the hyphenation dictionary and the matcher
            times.append(elapsed)
    data = response.json()
    assert data["html"].count("term__link") >= 20, "the terms were not linked"
    print(
        f"preview: median {statistics.median(times):.0f} ms, max {max(times):.0f} ms "
        f"over {len(times)} runs (target: median < 300 ms)"
    )
    sys.exit(0 if statistics.median(times) < 300 else 1)


if __name__ == "__main__":
    main()
