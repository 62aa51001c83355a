"""Render every article body and topic intro again (linked terms, sanitiser changes)."""

from django.core.management.base import BaseCommand

from articles import upkeep
from articles.cache import check_no_bump_owed, content_changed
from articles.models import Article, Topic, refresh_search_vectors, refresh_topic_vectors


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

        changed = upkeep.rerender_all_pages(batch_size=max(1, batch_size), progress=progress)
        self.stdout.write("")
        cards = upkeep.refresh_all_cards()
        if not skip_vectors:
            refresh_topic_vectors(None)
            refresh_search_vectors(None)
        content_changed()
        check_no_bump_owed()
        self.stdout.write(
            self.style.SUCCESS(f"Rendered {total} pages; {changed} changed; {cards} cards changed.")
        )
