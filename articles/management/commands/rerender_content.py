"""Render every article body and topic intro again (linked terms, sanitiser changes)."""

from django.core.management.base import BaseCommand

from articles import linking
from articles.cache import check_no_bump_owed, content_changed
from articles.cards import refresh_cards
from articles.models import Article, Topic
from articles.search import refresh_search_vectors, refresh_topic_vectors


class Command(BaseCommand):
    help = (
        "Render every article's body and every topic's intro again from their Markdown, "
        "so linked terms and the sanitiser's rules are current; render every article's card; "
        "refresh search vectors."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=200)
        parser.add_argument(
            "--skip-vectors", action="store_true", help="Leave the search vectors alone."
        )

    def handle(self, *args, batch_size: int, skip_vectors: bool, **options):
        total = Article.objects.count() + Topic.objects.count()
        done = 0

        def progress(n: int) -> None:
            nonlocal done
            done += n
            self.stdout.write(f"\r  {done}/{total} pages", ending="")
            self.stdout.flush()

        changed = linking.rerender_pages(
            articles=Article.objects.all(),
            topics=Topic.objects.all(),
            batch_size=max(1, batch_size),
            progress=progress,
        )
        self.stdout.write("")
        # A card needs neither the text nor the search vectors: not read for it.
        articles = Article.objects.select_related("author").defer(
            "body", "body_html", "search_vector", "search_head"
        )
        cards = refresh_cards(articles.iterator(chunk_size=1000))
        if not skip_vectors:
            refresh_topic_vectors(None)
            refresh_search_vectors(None)
        content_changed()
        check_no_bump_owed()
        self.stdout.write(
            self.style.SUCCESS(f"Rendered {total} pages; {changed} changed; {cards} cards changed.")
        )
