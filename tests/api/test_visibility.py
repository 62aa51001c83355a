"""Nothing unpublished reaches a partner, through any endpoint or filter; an article taken
off the site answers 410 with a tombstone."""

import datetime

import pytest
from django.utils import timezone

from articles import workflow
from articles.models import Article, TopicCode
from tests.api.helpers import assert_problem, body, get
from tests.factories import HIDDEN_STATES, PublishedArticleFactory, hidden_article

pytestmark = pytest.mark.django_db


def _every_listing(client, topic, author_slug):
    pages = [
        body(get(client, "/articles")),
        body(get(client, f"/articles?topic={topic.slug}")),
        body(get(client, f"/articles?topic={topic.slug}&audience=patients")),
        body(get(client, "/articles?audience=patients")),
    ]
    slugs = [a["slug"] for page in pages for a in page["items"]]
    slugs += [a["slug"] for a in body(get(client, f"/topics/{topic.slug}"))["articles"]["items"]]
    author = body(get(client, f"/authors/{author_slug}"))
    slugs += [a["slug"] for a in author["written"] + author["reviewed"]]
    counts = [page["count"] for page in pages]
    counts.append(body(get(client, "/topics"))["items"][0]["article_count"])
    return slugs, counts


@pytest.mark.parametrize("state", sorted(HIDDEN_STATES))
def test_hidden_articles_never_appear(client, state, depression, psychiatrist, medical_editor):
    TopicCode.objects.create(topic=depression, system="icd10", code="F32.A")
    shown = PublishedArticleFactory(
        topics=[depression], author=psychiatrist, medical_reviewer=medical_editor
    )
    hidden = hidden_article(
        state, topics=[depression], author=psychiatrist, medical_reviewer=medical_editor
    )
    slugs, counts = _every_listing(client, depression, psychiatrist.public_slug)
    assert hidden.slug not in slugs
    assert shown.slug in slugs
    assert set(counts) == {1}
    reviewer_slugs, _ = _every_listing(client, depression, medical_editor.public_slug)
    assert hidden.slug not in reviewer_slugs

    # Hidden by the factory, not withdrawn by the workflow: nothing says it was ever public.
    assert_problem(get(client, f"/articles/{hidden.slug}"), 404)


def test_unknown_article_is_404(client):
    assert_problem(get(client, "/articles/no-such-article"), 404)


def test_tombstone_says_when_and_why_the_editor_withdrew_it(client, psychiatrist, medical_editor):
    article = PublishedArticleFactory(author=psychiatrist, medical_reviewer=medical_editor)
    workflow.archive(
        article=article, by=medical_editor, comment="Dosing advice superseded by new guidance."
    )

    tombstone = assert_problem(get(client, f"/articles/{article.slug}"), 410)

    assert tombstone["title"] == "Gone" and tombstone["withdrawn"] is True
    assert tombstone["reason"] == "Dosing advice superseded by new guidance."
    assert tombstone["withdrawn_at"].startswith(datetime.date.today().isoformat()[:4])


def test_a_cancelled_scheduled_article_is_not_found_not_gone(client, psychiatrist, medical_editor):
    article = PublishedArticleFactory(author=psychiatrist, medical_reviewer=medical_editor)
    Article.objects.filter(pk=article.pk).update(
        published_at=timezone.now() + datetime.timedelta(days=2)
    )
    article.refresh_from_db()
    workflow.archive(article=article, by=medical_editor, comment="Not yet.")

    answer = assert_problem(get(client, f"/articles/{article.slug}"), 404)

    assert article.title not in str(answer)
