"""/articles/<slug>/: one published article, with its byline, review dates and sources."""

import datetime

import pytest

from articles import reads
from articles.models import Article
from tests.articles.public_helpers import (
    LARGE,
    SMALL,
    assert_same_queries_at_two_sizes,
    published_articles,
)
from tests.factories import (
    HIDDEN_STATES,
    ClinicianFactory,
    EditorFactory,
    PublishedArticleFactory,
    TopicFactory,
    hidden_article,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    author = ClinicianFactory(
        first_name="Amara",
        last_name="Okafor",
        credentials="MD, MRCPsych",
        professional_title="Consultant psychiatrist",
    )
    reviewer = EditorFactory(first_name="James", last_name="Whitfield", credentials="MBBS, FRCP")
    return PublishedArticleFactory(
        title="What happens during a ketamine session",
        summary="You stay at the clinic for at least two hours afterwards.",
        body="Staff check on you.[^1]\n\n[^1]: Smith J. Ketamine trial. *BMJ*. 2020;1:1.",
        author=author,
        medical_reviewer=reviewer,
        last_reviewed=datetime.date(2026, 3, 4),
        next_review_due=datetime.date(2027, 3, 4),
        topics=[TopicFactory(name="Ketamine for depression", safety_notice="Call 116 123.")],
    )


@pytest.fixture
def page(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_page_shows_title_as_heading_when_article_is_published(page):
    assert "<h1>What happens during a ketamine session</h1>" in page


def test_page_shows_summary_when_article_is_published(page):
    assert "You stay at the clinic for at least two hours afterwards." in page


def test_byline_shows_author_with_credentials_when_article_is_published(page, article):
    assert (
        f'By <a href="{article.author.get_absolute_url()}">Amara Okafor, MD, MRCPsych</a>, '
        "Consultant psychiatrist"
    ) in page


def test_page_names_medical_reviewer_when_article_is_published(page, article):
    assert (
        "Medically reviewed by "
        f'<a href="{article.medical_reviewer.get_absolute_url()}">James Whitfield, MBBS, FRCP</a>'
    ) in page


def test_page_names_no_reviewer_when_the_article_has_none(client):
    # Articles published through the workflow always have one; imported ones may not.
    article = PublishedArticleFactory(title="Imported", medical_reviewer=None)
    page = client.get(article.get_absolute_url()).content.decode()
    assert "<h1>Imported</h1>" in page
    assert "Medically reviewed by" not in page
    assert '"reviewedBy"' not in page


def test_structured_data_credits_author_and_reviewer_when_article_is_published(page):
    assert '"author": {"@type": "Person", "honorificSuffix": "MD, MRCPsych"' in page
    assert '"jobTitle": "Consultant psychiatrist", "name": "Amara Okafor"' in page
    assert '"reviewedBy": {"@type": "Person", "honorificSuffix": "MBBS, FRCP"' in page


def test_page_shows_last_reviewed_date_when_article_is_published(page):
    assert "<dt>Page last reviewed</dt>" in page
    assert '<time datetime="2026-03-04">4 March 2026</time>' in page


def test_page_shows_next_review_date_when_article_is_published(page):
    assert "<dt>Next review due</dt>" in page
    assert '<time datetime="2027-03-04">4 March 2027</time>' in page


def test_page_lists_sources_when_article_cites_them(page):
    assert '<h2 id="sources">Sources</h2>' in page
    assert "Smith J. Ketamine trial. <em>BMJ</em>. 2020;1:1." in page


def test_page_shows_safety_notice_when_a_topic_has_one(page):
    assert "Call 116 123." in page


def test_page_links_its_topics_when_article_has_topics(page, article):
    topic = article.topics.get()

    assert f'<a href="{topic.get_absolute_url()}">Ketamine for depression</a>' in page


@pytest.mark.parametrize("state", list(HIDDEN_STATES))
def test_page_is_not_found_when_article_is_not_public(client, state):
    article = hidden_article(state, title="A hidden article")

    response = client.get(article.get_absolute_url())

    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.content.decode()
    assert "A hidden article" not in response.content.decode()


def test_page_is_not_found_when_slug_does_not_exist(client):
    response = client.get("/articles/no-such-article/")

    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.content.decode()


def test_page_costs_the_same_queries_when_site_has_200_articles(client, article):
    topic = article.topics.get()
    others = [TopicFactory(), TopicFactory()]
    article.topics.add(*others)
    published_articles(SMALL, topics=[topic, *others])

    assert_same_queries_at_two_sizes(
        client,
        article.get_absolute_url(),
        grow=lambda: published_articles(LARGE - SMALL, topics=[topic, *others]),
        # 1. the article by slug, with its author and medical reviewer
        # 2. its topics  3. the stored cards of related articles sharing its topics
        # 4. the care cards attached to the article or its topics
        expected=4,
    )


def test_page_read_gives_the_values_the_orm_gives_on_any_database(article):
    read = reads.article_page(article.slug)
    stored = Article.objects.get(pk=article.pk)
    for name in reads.ARTICLE_PAGE_FIELDS:
        attname = Article._meta.get_field(name).attname
        assert getattr(read, attname) == getattr(stored, attname), name
    assert isinstance(read.published_at, datetime.datetime) and read.published_at.tzinfo
    assert read.last_reviewed == datetime.date(2026, 3, 4) and read.live is True
    assert read.author.name_with_credentials == "Amara Okafor, MD, MRCPsych"
    assert read.author.professional_title == "Consultant psychiatrist"
    assert read.medical_reviewer.name_with_credentials == "James Whitfield, MBBS, FRCP"
