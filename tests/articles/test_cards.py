"""Article cards are rendered at save time (articles/cards.py) and never go stale."""

import importlib
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import set_script_prefix
from django.utils import timezone
from django.utils.safestring import mark_safe

from articles import workflow
from articles.cards import META, as_search_result, render_card
from articles.models import Article
from tests.articles.workflow_helpers import approve
from tests.factories import ClinicianFactory, EditorFactory, PublishedArticleFactory
from tests.html import parse


@pytest.fixture
def topic(esketamine):
    return esketamine


def topic_page(client, topic) -> str:
    return client.get(topic.get_absolute_url()).content.decode()


def test_card_shows_title_summary_date_and_credited_author(client, topic):
    author = ClinicianFactory(first_name="Ana", last_name="Ruiz", credentials="MD")
    article = PublishedArticleFactory(
        title="Nasal spray basics", summary="What to expect.", author=author, topics=[topic]
    )

    card = parse(topic_page(client, topic)).one("article.card")

    assert card.one(".card__title a").get("href") == f"/articles/{article.slug}/"
    assert card.one(".card__title a").text == "Nasal spray basics"
    assert card.one(".card__summary").text == "What to expect."
    assert "Ana Ruiz, MD" in card.one(".card__meta").text
    published = card.one(".card__meta time").get("datetime")
    assert published.startswith(article.published_at.strftime("%Y-%m-%d"))


def test_card_of_a_professional_article_says_so(client, topic):
    PublishedArticleFactory(audience="clinicians", topics=[topic])

    assert "For health professionals" in topic_page(client, topic)


def test_card_shows_hostile_text_as_text(client, topic):
    PublishedArticleFactory(title="<script>alert(1)</script>", summary="<b>x</b>", topics=[topic])

    html = topic_page(client, topic)

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html and "<b>x</b>" not in html


def test_card_keeps_the_approved_title_until_an_edit_is_approved(client, topic):
    author, editor = ClinicianFactory(), EditorFactory()
    article = PublishedArticleFactory(title="Approved title", author=author, topics=[topic])
    content = workflow.Content("Pending title", article.summary, article.body, [topic.pk])
    workflow.edit_article(
        article=article, by=author, content=content, expected_version=article.version
    )

    html = topic_page(client, topic)
    assert "Approved title" in html and "Pending title" not in html

    workflow.submit_for_review(article=article, by=author)
    approve(article=article, by=editor)

    html = topic_page(client, topic)
    assert "Pending title" in html and "Approved title" not in html


def test_renaming_an_author_updates_their_cards_everywhere(
    client, topic, settings, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE = True  # and the cached topic page goes too
    author = ClinicianFactory(first_name="Ana", last_name="Ruiz", credentials="")
    PublishedArticleFactory(author=author, topics=[topic])
    assert "Ana Ruiz" in topic_page(client, topic)

    author.credentials = "MD, PhD"
    with django_capture_on_commit_callbacks(execute=True):
        author.save()

    assert "Ana Ruiz, MD, PhD" in topic_page(client, topic)
    assert "Ana Ruiz, MD, PhD" in client.get("/").content.decode()


def test_signing_in_renders_no_cards(topic):
    author = ClinicianFactory()
    PublishedArticleFactory.create_batch(3, author=author, topics=[topic])
    with CaptureQueriesContext(connection) as queries:
        author.save(update_fields=["last_login"])
    assert len(queries) == 1  # the UPDATE of last_login alone


def test_saving_an_author_without_a_new_name_renders_no_cards(topic):
    author = ClinicianFactory()
    PublishedArticleFactory.create_batch(3, author=author, topics=[topic])
    author.bio = "A new biography."
    with CaptureQueriesContext(connection) as queries:
        author.save()
    assert len(queries) == 2  # the name as stored, to compare; the UPDATE


def test_moving_an_article_to_another_author_shows_the_new_name(client, topic):
    article = PublishedArticleFactory(topics=[topic])
    new_author = ClinicianFactory(first_name="Bea", last_name="Khan")

    article.author = new_author
    article.save(update_fields=["author"])

    assert "Bea Khan" in topic_page(client, topic)


def test_rerender_content_repairs_a_missing_card(client, topic):
    article = PublishedArticleFactory(title="Lost card", topics=[topic])
    Article.objects.filter(pk=article.pk).update(card_html="")
    assert "Lost card" not in topic_page(client, topic)

    call_command("rerender_content", "--skip-vectors", stdout=io.StringIO())

    assert "Lost card" in topic_page(client, topic)


def test_the_migration_that_added_cards_renders_them_as_save_does(topic):
    article = PublishedArticleFactory(topics=[topic])
    saved = Article.objects.get(pk=article.pk).card_html
    Article.objects.update(card_html="")

    migration = importlib.import_module("articles.migrations.0007_article_card_html")
    migration.render_cards(apps, None)

    assert Article.objects.get(pk=article.pk).card_html == saved


def test_a_bulk_insert_renders_cards_too(client, topic):
    author = ClinicianFactory(first_name="Ana", last_name="Ruiz")
    (article,) = Article.objects.bulk_create(
        [
            PublishedArticleFactory.build(
                title="Bulk loaded", slug="bulk-loaded", author=author, medical_reviewer=None
            )
        ]
    )
    article.topics.set([topic])

    html = topic_page(client, topic)

    assert "Bulk loaded" in html and "Ana Ruiz" in html


def test_a_card_links_with_the_site_prefix_whoever_saved_it(db, settings):
    set_script_prefix("/somewhere/")  # a request served under another prefix
    try:
        plain = PublishedArticleFactory(slug="plain")
        settings.FORCE_SCRIPT_NAME = "/health/"
        mounted = PublishedArticleFactory(slug="mounted")
    finally:
        set_script_prefix("/")

    assert parse(plain.card_html).one(".card__title a").get("href") == "/articles/plain/"
    assert parse(mounted.card_html).one(".card__title a").get("href") == "/health/articles/mounted/"


def test_search_results_find_the_meta_line_in_every_card_the_template_renders():
    for audience in ("patients", "clinicians"):
        for published_at in (timezone.now(), None):
            card = render_card(
                title="T", slug="t", summary="S", published_at=published_at,
                audience=audience, author_name="A",
            )  # fmt: skip
            assert card.count(META) == 1 and card.endswith("</article>")
            result = as_search_result(card, mark_safe("a <mark>hit</mark>"), ["Topic & co"])
            parts = parse(result).one("article.card").select("article > p")
            classes = [part.get("class") for part in parts]
            assert classes.index("card__snippet") < classes.index("card__meta")
            assert parts[classes.index("card__snippet")].inner_html == "a <mark>hit</mark>"
            assert classes[-1] == "card__topics" and parts[-1].inner_html == "Topic &amp; co"
            assert result.endswith("</p>\n</article>")
    # A snippet that is not marked safe is shown as text.
    assert "&lt;b&gt;" in as_search_result(card, "<b>", [])
