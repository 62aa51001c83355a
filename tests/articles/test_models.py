"""Articles and topics: slugs, names, stored HTML and what counts as published."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertInHTML

from articles.models import Article, Status, Topic
from tests.factories import (
    HIDDEN_STATES,
    ArticleFactory,
    PublishedArticleFactory,
    TopicFactory,
    hidden_article,
)

pytestmark = pytest.mark.django_db

NAMES_WITHOUT_LETTERS = ["$", "&", "..", "???"]


# --- article slugs ---------------------------------------------------------------------


def test_slug_is_made_from_title_when_left_blank():
    article = ArticleFactory(title="Ketamine for depression: what to expect")

    assert article.slug == "ketamine-for-depression-what-to-expect"


def test_slug_is_kept_when_author_gives_one():
    article = ArticleFactory(title="Ketamine for depression", slug="ketamine-guide")

    assert article.slug == "ketamine-guide"


def test_slug_gets_2_then_3_when_titles_repeat():
    slugs = [ArticleFactory(title="Living with depression").slug for _ in range(3)]

    assert slugs == [
        "living-with-depression",
        "living-with-depression-2",
        "living-with-depression-3",
    ]


def test_slug_stays_when_title_changes_after_saving():
    article = ArticleFactory(title="Ketamine for depression")

    article.title = "Esketamine nasal spray"
    article.save()

    assert article.slug == "ketamine-for-depression"


@pytest.mark.parametrize("title", NAMES_WITHOUT_LETTERS)
def test_slug_falls_back_to_a_word_when_title_has_no_letters(title):
    article = ArticleFactory(title=title)

    assert article.slug == "article"
    assert reverse("articles:detail", kwargs={"slug": article.slug})


def test_fallback_slugs_are_unique_when_several_titles_have_no_letters():
    slugs = {ArticleFactory(title=title).slug for title in NAMES_WITHOUT_LETTERS}

    assert slugs == {"article", "article-2", "article-3", "article-4"}


def test_slug_fits_the_column_when_title_is_at_its_longest():
    article = ArticleFactory(title="Depression " * 18)  # 198 characters

    assert 0 < len(article.slug) <= Article._meta.get_field("slug").max_length


# --- topic slugs -------------------------------------------------------------------------


def test_topic_slug_is_made_from_name_when_left_blank():
    topic = TopicFactory(name="Treatment-resistant depression")

    assert topic.slug == "treatment-resistant-depression"


def test_topic_slug_gets_2_when_another_topic_has_it():
    TopicFactory(name="Depression")

    topic = TopicFactory(name="Depression?")

    assert topic.slug == "depression-2"


@pytest.mark.parametrize("name", NAMES_WITHOUT_LETTERS)
def test_topic_slug_falls_back_to_a_word_when_name_has_no_letters(name):
    topic = TopicFactory(name=name)

    assert topic.slug == "topic"
    assert topic.get_absolute_url() == "/topics/topic/"


def test_topic_fallback_slugs_are_unique_when_several_names_have_no_letters():
    slugs = {TopicFactory(name=name).slug for name in NAMES_WITHOUT_LETTERS}

    assert slugs == {"topic", "topic-2", "topic-3", "topic-4"}


def test_topic_slug_is_ascii_when_name_is_in_another_script():
    topic = TopicFactory(name="Депрессия")

    assert topic.slug.isascii()
    assert topic.get_absolute_url().startswith("/topics/")


def test_full_clean_rejects_topic_slug_when_it_is_not_ascii():
    topic = Topic(name="Depression", slug="депрессия")

    with pytest.raises(ValidationError) as caught:
        topic.full_clean()

    assert "slug" in caught.value.message_dict


# --- topic names ---------------------------------------------------------------------------


def test_topic_name_loses_bidi_override_when_saved():
    topic = TopicFactory(name="Ketamine\u202e for depression")

    topic.refresh_from_db()
    assert topic.name == "Ketamine for depression"


def test_topic_name_has_single_spaces_when_saved_with_runs_of_whitespace():
    topic = TopicFactory(name="  Ketamine \t for\n\ndepression  ")

    topic.refresh_from_db()
    assert topic.name == "Ketamine for depression"


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("   ", id="spaces"),
        pytest.param("\t\n ", id="tabs-and-newlines"),
        pytest.param("\u202e\u200b", id="invisible-characters"),
    ],
)
def test_full_clean_rejects_topic_name_when_it_is_only_whitespace(name):
    topic = Topic(name=name)

    with pytest.raises(ValidationError) as caught:
        topic.full_clean()

    assert caught.value.message_dict["name"] == ["Enter a name that has letters or numbers in it."]


def test_full_clean_rejects_topic_name_when_it_has_300_characters():
    topic = Topic(name="x" * 300)

    with pytest.raises(ValidationError) as caught:
        topic.full_clean()

    assert caught.value.message_dict["name"] == [
        "Ensure this value has at most 100 characters (it has 300)."
    ]


def test_full_clean_rejects_topic_name_when_another_differs_only_in_case():
    TopicFactory(name="Depression")

    with pytest.raises(ValidationError) as caught:
        Topic(name="DEPRESSION").full_clean()

    assert caught.value.message_dict["name"] == ["A topic called “Depression” already exists."]


def test_full_clean_accepts_topic_when_it_is_saved_again_unchanged():
    topic = TopicFactory(name="Depression")

    topic.full_clean()


# --- stored HTML -----------------------------------------------------------------------------


def test_body_html_is_stored_when_article_is_saved():
    article = ArticleFactory(body="Some **important** text.")

    stored = Article.objects.values_list("body_html", flat=True).get(pk=article.pk)

    assert stored == "<p>Some <strong>important</strong> text.</p>"


def test_body_html_changes_only_when_article_is_saved_again():
    article = ArticleFactory(body="Version one.")
    article.body = "Version two."

    assert article.body_html == "<p>Version one.</p>"
    article.save()
    assert article.body_html == "<p>Version two.</p>"


def test_public_page_shows_stored_html_when_body_changes_without_a_save(client):
    # Pages never render Markdown per request: they show what was rendered at save.
    article = PublishedArticleFactory(body="Approved text.")
    Article.objects.filter(pk=article.pk).update(body="Unapproved text.")

    response = client.get(article.get_absolute_url())

    assert "Approved text." in response.content.decode()
    assert "Unapproved text." not in response.content.decode()


def test_intro_html_is_stored_when_topic_is_saved():
    topic = TopicFactory(intro="# About\n\nPlain *words*.")

    stored = Topic.objects.values_list("intro_html", flat=True).get(pk=topic.pk)

    assertInHTML('<h2 id="about">About</h2>', stored)
    assertInHTML("<em>words</em>", stored)


# --- published() -------------------------------------------------------------------------------


def test_published_includes_article_when_it_went_live_in_the_past():
    article = PublishedArticleFactory()

    assert list(Article.objects.published()) == [article]


@pytest.mark.parametrize("state", list(HIDDEN_STATES))
def test_published_excludes_article_when_it_is_not_public(state):
    hidden_article(state)

    assert list(Article.objects.published()) == []


def test_published_includes_article_when_its_scheduled_time_has_come():
    article = PublishedArticleFactory(published_at=timezone.now() + datetime.timedelta(hours=1))
    Article.objects.filter(pk=article.pk).update(
        published_at=timezone.now() - datetime.timedelta(seconds=1)
    )

    assert list(Article.objects.published()) == [article]


def test_published_includes_live_article_when_its_new_version_is_in_review():
    # Readers keep seeing the approved text while the next version is reviewed.
    article = PublishedArticleFactory(status=Status.IN_REVIEW, has_pending_changes=True)

    assert list(Article.objects.published()) == [article]


# --- article counts ------------------------------------------------------------------------------


def test_topic_counts_only_published_articles_when_it_has_hidden_ones():
    topic = TopicFactory()
    PublishedArticleFactory.create_batch(2, topics=[topic])
    for state in HIDDEN_STATES:
        hidden_article(state, topics=[topic])

    counted = Topic.objects.with_article_counts().get(pk=topic.pk)

    assert counted.num_articles == 2


def test_topic_count_is_zero_when_it_has_no_published_articles():
    topic = TopicFactory()
    hidden_article("draft", topics=[topic])

    assert Topic.objects.with_article_counts().get(pk=topic.pk).num_articles == 0


def test_topic_counts_each_article_once_when_counted_alongside_other_topics():
    first, second = TopicFactory(), TopicFactory()
    PublishedArticleFactory(topics=[first, second])
    PublishedArticleFactory(topics=[first])

    counts = dict(Topic.objects.with_article_counts().values_list("pk", "num_articles"))

    assert counts == {first.pk: 2, second.pk: 1}
