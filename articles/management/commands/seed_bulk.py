"""Synthetic published content for benchmarks: bulk inserts, each distinct body rendered once."""

import datetime
import random
import sys
import time

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import CLINICIANS, EDITORS, User
from articles.markdown import render_markdown
from articles.models import Article, ArticleTopic, Status, Topic
from articles.readability import measure

BATCH = 2_000
WORDS = [
    "depression",
    "anxiety",
    "ketamine",
    "esketamine",
    "therapy",
    "treatment",
    "dose",
    "clinic",
    "symptoms",
    "sleep",
    "mood",
    "antidepressant",
    "trial",
    "evidence",
    "review",
    "side",
    "effects",
    "blood",
    "pressure",
    "nasal",
    "spray",
    "infusion",
    "relapse",
    "remission",
    "psychiatrist",
    "support",
    "family",
    "risk",
    "benefit",
    "monitoring",
]


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def _body(rng: random.Random) -> str:
    paragraphs = [" ".join(_sentence(rng, rng.randint(8, 16)) for _ in range(5)) for _ in range(6)]
    return (
        "\n\n".join(f"## Part {i + 1}\n\n{p}" for i, p in enumerate(paragraphs))
        + "[^1]\n\n[^1]: Synthetic source. *Journal of Benchmarks*. 2026;1:1."
    )


class Progress:
    """A one-line progress bar on stderr: no dependency needed for this much."""

    def __init__(self, total: int, label: str):
        self.total, self.label, self.start, self.done = total, label, time.monotonic(), 0

    def advance(self, n: int) -> None:
        self.done += n
        fraction = self.done / self.total if self.total else 1
        rate = self.done / max(time.monotonic() - self.start, 1e-6)
        bar = "#" * int(fraction * 30)
        sys.stderr.write(
            f"\r{self.label:<10} [{bar:<30}] {fraction:6.1%} {self.done}/{self.total} {rate:,.0f}/s"
        )
        if self.done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


class Command(BaseCommand):
    help = "Create N synthetic published articles quickly (for benchmarks, never production)."

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, required=True)
        parser.add_argument("--topics", type=int, default=None)
        parser.add_argument("--authors", type=int, default=20)
        parser.add_argument("--bodies", type=int, default=50, help="distinct bodies to render")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, articles: int, topics: int | None, authors: int, bodies: int,
               seed: int, **options):  # fmt: skip
        if articles < 1:
            raise CommandError("--articles must be at least 1.")
        rng = random.Random(seed)  # noqa: S311 - reproducible fake data, not secrets
        started = time.monotonic()
        topic_count = topics or max(20, min(5_000, articles // 50))
        with transaction.atomic():
            people = self._authors(authors)
            reviewer = self._reviewer()
            topic_ids = self._topics(topic_count)
        rendered = []
        for _ in range(bodies):
            body = _body(rng)
            rendered.append((body, render_markdown(body), measure(body).words))
        self._articles(articles, rng, people, reviewer, topic_ids, rendered)
        if connection.vendor == "postgresql":
            from articles.search import refresh_search_vectors, refresh_topic_vectors

            self.stderr.write("Updating search vectors…")
            refresh_topic_vectors(None)
            refresh_search_vectors(None)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {articles} articles and {topic_count} topics "
                f"in {time.monotonic() - started:.1f} s."
            )
        )

    def _authors(self, n: int) -> list[User]:
        group = Group.objects.get(name=CLINICIANS)
        people = []
        for i in range(n):
            user, _ = User.objects.get_or_create(
                username=f"bulk-clinician-{i}",
                defaults={"first_name": "Bulk", "last_name": f"Clinician {i}", "credentials": "MD"},
            )
            user.groups.add(group)
            people.append(user)
        return people

    def _reviewer(self) -> User:
        user, _ = User.objects.get_or_create(
            username="bulk-editor", defaults={"first_name": "Bulk", "last_name": "Editor"}
        )
        user.groups.add(Group.objects.get(name=EDITORS))
        return user

    def _topics(self, n: int) -> list[int]:
        existing = set(
            Topic.objects.filter(slug__startswith="bulk-topic-").values_list("slug", flat=True)
        )
        new = [
            Topic(
                name=f"Bulk topic {i}",
                slug=f"bulk-topic-{i}",
                headline=f"Bulk topic {i}: what you need to know",
                definition=f"A synthetic topic number {i} for benchmarks.",
            )
            for i in range(n)
            if f"bulk-topic-{i}" not in existing
        ]
        Topic.objects.bulk_create(new, batch_size=BATCH)
        return list(
            Topic.objects.filter(slug__startswith="bulk-topic-").values_list("pk", flat=True)
        )

    def _articles(self, n, rng, people, reviewer, topic_ids, rendered) -> None:
        start = Article.objects.filter(slug__startswith="bulk-article-").count()
        now = timezone.now()
        progress = Progress(n, "articles")
        for offset in range(0, n, BATCH):
            batch = []
            for i in range(start + offset, start + min(offset + BATCH, n)):
                body, html, words = rng.choice(rendered)
                published = now - datetime.timedelta(minutes=i)
                batch.append(
                    Article(
                        title=f"{_sentence(rng, 6)[:-1]} {i}",
                        slug=f"bulk-article-{i}",
                        summary=_sentence(rng, 18),
                        body=body,
                        body_html=html,
                        word_count=words,
                        author=rng.choice(people),
                        medical_reviewer=reviewer,
                        status=Status.PUBLISHED,
                        live=True,
                        published_at=published,
                        submitted_at=published,
                        last_reviewed=published.date(),
                        next_review_due=published.date() + datetime.timedelta(days=365),
                    )
                )
            with transaction.atomic():
                created = Article.objects.bulk_create(batch)
                links = [
                    ArticleTopic(content_object_id=article.pk, tag_id=tag)
                    for article in created
                    for tag in rng.sample(topic_ids, k=min(3, len(topic_ids)))
                ]
                ArticleTopic.objects.bulk_create(links, ignore_conflicts=True)
            progress.advance(len(batch))
