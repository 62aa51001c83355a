"""Synthetic published content for benchmarks: bulk inserts, each distinct body rendered once.

On PostgreSQL every row is inserted with its search vectors, each distinct body parsed
once (models.new_article_vectors), so no UPDATE pass rewrites the table afterwards. A large load
drops the article table's GIN indexes and builds them again at the end, which is several
times faster than maintaining them row by row. The load is one transaction: interrupted,
it leaves nothing behind, indexes included.
"""

import contextlib
import datetime
import random
import sys
import time

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import CLINICIANS, EDITORS, MEDICAL_REVIEWERS, User
from articles.cache import check_no_bump_owed, content_changed
from articles.models import (
    Article,
    ArticleTopic,
    Status,
    Topic,
    new_article_vectors,
    refresh_search_vectors,
    refresh_topic_vectors,
    render_linked,
)
from articles.readability import measure

BATCH = 2_000
# From this many new articles on, the GIN indexes are dropped and built again at the end.
REBUILD_INDEXES_FROM = 10_000
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
        postgres = connection.vendor == "postgresql"
        topic_count = topics or max(20, min(5_000, articles // 50))
        rendered = []
        for _ in range(bodies):
            body = _body(rng)
            rendered.append((body, render_linked(body), measure(body).words))
        with transaction.atomic():
            if postgres:
                with connection.cursor() as cursor:
                    # A benchmark load, not a web request: no statement timeout here.
                    cursor.execute("SET LOCAL statement_timeout = 0")
                    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            people = self._authors(authors)
            reviewer = self._reviewer()
            topic_names = self._topics(topic_count)
            rebuild = postgres and articles >= REBUILD_INDEXES_FROM
            with (
                _gin_indexes_rebuilt(Article._meta.db_table, self.stderr)
                if rebuild
                else (contextlib.nullcontext())
            ):
                self._articles(articles, rng, people, reviewer, topic_names, rendered, postgres)
            # The bulk insert bypasses what keeps the topics' stored counts current.
            Topic.objects.filter(pk__in=list(topic_names)).recount_live_articles()
            if postgres:
                refresh_topic_vectors(None)
            else:
                # SQLite: the bulk insert bypassed the full-text index; one statement fills it.
                refresh_search_vectors(None)
        if postgres:
            self.stderr.write("Vacuuming and analysing…")
            with connection.cursor() as cursor:
                cursor.execute("SET statement_timeout = 0")
                # Fresh statistics for the planner, and a visibility map for index-only scans.
                cursor.execute("VACUUM ANALYZE")
                cursor.execute("RESET statement_timeout")
        content_changed()
        check_no_bump_owed()
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
                defaults={
                    "first_name": "Bulk",
                    "last_name": f"Clinician {i}",
                    "credentials": "MD",
                    # The name would spell the username, which a public slug never is.
                    "public_slug": f"bulk-author-{i}",
                },
            )
            user.groups.add(group)
            people.append(user)
        return people

    def _reviewer(self) -> User:
        # A doctor, so also a medical reviewer: one press approves (issue 18).
        user, _ = User.objects.get_or_create(
            username="bulk-editor",
            defaults={"first_name": "Bulk", "last_name": "Editor", "credentials": "MBBS"},
        )
        if not user.credentials:  # made before issue 18 gave the role its credentials
            user.credentials = "MBBS"
            user.save(update_fields=["credentials"])
        user.groups.add(*Group.objects.filter(name__in=[EDITORS, MEDICAL_REVIEWERS]))
        return user

    def _topics(self, n: int) -> dict[int, str]:
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
        # Another seed_bulk at once may insert the same topics: theirs are kept.
        Topic.objects.bulk_create(new, batch_size=BATCH, ignore_conflicts=True)
        # What an article's search vector holds of each topic: see search._topic_names().
        rows = Topic.objects.filter(slug__startswith="bulk-topic-").values_list(
            "pk", "name", "aliases"
        )
        return {pk: f"{name}\n{aliases}" for pk, name, aliases in rows}

    def _articles(self, n, rng, people, reviewer, topic_names, rendered, vectors: bool) -> None:
        start = Article.objects.filter(slug__startswith="bulk-article-").count()
        topic_ids = sorted(topic_names)
        now = timezone.now()
        progress = Progress(n, "articles")
        for offset in range(0, n, BATCH):
            batch, chosen, heads = [], [], []
            for i in range(start + offset, start + min(offset + BATCH, n)):
                number = rng.randrange(len(rendered))
                body, html, words = rendered[number]
                published = now - datetime.timedelta(minutes=i)
                tags = sorted(rng.sample(topic_ids, k=min(3, len(topic_ids))))
                article = Article(
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
                names = "\n".join(topic_names[t] for t in tags)
                heads.append((article.title, names, article.summary, number))
                batch.append(article)
                chosen.append(tags)
            if vectors:
                bodies = [body for body, _, _ in rendered]
                for article, (vector, head) in zip(
                    batch, new_article_vectors(heads, bodies), strict=True
                ):
                    article.search_vector, article.search_head = vector, head
            created = Article.objects.bulk_create(batch)
            ArticleTopic.objects.bulk_create(
                # With the article at hand, the bulk insert copies its publish time.
                ArticleTopic(content_object=article, tag_id=tag)
                for article, tags in zip(created, chosen, strict=True)
                for tag in tags
            )
            progress.advance(len(batch))


@contextlib.contextmanager
def _gin_indexes_rebuilt(table: str, out):
    """Drop the table's GIN indexes for the block, then build them again as they were.

    Inside the caller's transaction, so an interrupted load keeps its indexes.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
            [table, "% USING gin %"],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    started = time.monotonic()
    out.write(f"Building {len(indexes)} search indexes…")
    with connection.cursor() as cursor:
        # Check the deferred foreign keys now: PostgreSQL builds no index on a table with
        # checks still pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for _name, definition in indexes:
            cursor.execute(definition)  # as PostgreSQL itself wrote it in pg_indexes
    out.write(f"  built in {time.monotonic() - started:.1f} s")
