"""Published content as JSON: a portable, human-readable backup of what readers can see."""

import json

from django.core.management.base import BaseCommand
from django.core.serializers.json import DjangoJSONEncoder

from articles.models import Article, Page, Topic


def published_content() -> dict:
    topics = Topic.objects.prefetch_related("related_links__to_topic").order_by("slug")
    articles = (
        Article.objects.published()
        .select_related("author", "medical_reviewer")
        .prefetch_related("topics")
        .order_by("slug")
    )
    return {
        "topics": [
            {
                "slug": t.slug,
                "name": t.name,
                "headline": t.headline,
                "definition": t.definition,
                "aliases": t.alias_list,
                "intro": t.intro,
                "safety_notice": t.safety_notice,
                # In the order the topic's page lists them.
                "related": [link.to_topic.slug for link in t.related_links.all()],
            }
            for t in topics
        ],
        "articles": [
            {
                "slug": a.slug,
                "title": a.title,
                "summary": a.summary,
                "body": a.body,
                "audience": a.audience,
                "topics": sorted(t.slug for t in a.topics.all()),
                "author": a.author.public_slug,
                "medical_reviewer": a.medical_reviewer.public_slug if a.medical_reviewer else None,
                "published_at": a.published_at,
                "last_reviewed": a.last_reviewed,
                "next_review_due": a.next_review_due,
            }
            for a in articles
        ],
        "pages": [
            {"slug": p.slug, "title": p.title, "body": p.body}
            for p in Page.objects.order_by("slug")
        ],
    }


class Command(BaseCommand):
    help = "Write every published article, topic and policy page as JSON (to stdout or --output)."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args, output=None, **options):
        text = json.dumps(published_content(), cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
            self.stderr.write(f"Wrote {output}")
        else:
            self.stdout.write(text)
