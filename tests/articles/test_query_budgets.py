"""Every public page costs a fixed number of SQL queries, whatever the amount of content.

Each page is requested with a little content and again after about 200 more articles (on
the same topics, by the same people): the count must be the same, and exactly the budget
named here, query by query. The page cache is off in tests (tests/conftest.py), so these
are the queries of a page rendered afresh; tests/articles/test_page_cache.py covers the
cached answer (no query at all).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import sitemaps, workflow
from articles.models import Page
from tests.articles.public_helpers import (
    LARGE,
    SMALL,
    assert_same_queries_at_two_sizes,
    published_articles,
)
from tests.articles.workflow_helpers import approve
from tests.factories import ArticleFactory, ClinicianFactory, EditorFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    """A topic with related topics, articles on it by three authors, one editor."""
    topic = TopicFactory(slug="ketamine", name="Ketamine", is_featured=True)
    topic.related.set([TopicFactory(), TopicFactory()])
    others = [TopicFactory(), TopicFactory()]
    authors = [ClinicianFactory(username=f"author-{n}") for n in range(3)]
    editor = EditorFactory(username="the-editor")
    articles = published_articles(
        SMALL, topics=[topic, *others], authors=authors, reviewer=editor, prefix="Ketamine"
    )

    def grow():
        published_articles(
            LARGE - SMALL, topics=[topic, *others], authors=authors, reviewer=editor, prefix="More"
        )

    return {
        "topic": topic,
        "article": articles[0],
        "author": authors[0],
        "editor": editor,
        "grow": grow,
    }


def test_home_costs_two_queries_at_any_size(client, site):
    assert_same_queries_at_two_sizes(
        client,
        "/",
        grow=site["grow"],
        # 1. featured topics, with their article counts
        # 2. the eight latest articles' stored cards
        expected=2,
    )


@pytest.mark.parametrize("one_page", [300, 3], ids=["all on one page", "one letter a page"])
def test_topic_index_costs_two_queries_at_any_size(client, site, monkeypatch, one_page):
    # The site's five topics fit on one page under 300, and are too many for one under 3.
    monkeypatch.setattr("articles.views.INDEX_ONE_PAGE", one_page)

    def grow():
        site["grow"]()
        TopicFactory.create_batch(LARGE - SMALL)

    assert_same_queries_at_two_sizes(
        client,
        "/topics/",
        grow=grow,
        # 1. the letters that have topics, and whether there are more than fit on one page
        # 2. the topics shown (all, or a page of one letter's), each with its stored count
        #    of live articles less scheduled ones
        expected=2,
    )


@pytest.mark.parametrize("query", ["", "?page=2"])
def test_topic_page_costs_four_queries_at_any_size(client, site, query):
    if query == "?page=2":
        site["grow"]()  # a second page exists only with more articles
    assert_same_queries_at_two_sizes(
        client,
        f"/topics/ketamine/{query}",
        grow=site["grow"],
        # 1. the topic by slug, with its stored count of live articles less scheduled ones
        # 2. the page of articles' stored cards
        # 3. the related topics
        # 4. the care cards attached to the topic
        expected=4,
    )


def test_topic_page_for_one_audience_costs_five_queries_at_any_size(client, site):
    assert_same_queries_at_two_sizes(
        client,
        "/topics/ketamine/?audience=patients",
        grow=site["grow"],
        # 1. the topic by slug  2. the count of its articles for that audience (no stored
        # count for it)  3. the page of articles' stored cards  4. the related topics
        # 5. the care cards attached to the topic
        expected=5,
    )


def test_article_page_costs_four_queries_at_any_size(client, site):
    assert_same_queries_at_two_sizes(
        client,
        site["article"].get_absolute_url(),
        grow=site["grow"],
        # 1. the article by slug, with its author and medical reviewer
        # 2. its topics
        # 3. the stored cards of up to five related articles sharing its topics
        # 4. the care cards attached to the article or its topics
        expected=4,
    )


def test_author_page_costs_three_queries_at_any_size(client, site):
    assert_same_queries_at_two_sizes(
        client,
        site["author"].get_absolute_url(),
        grow=site["grow"],
        # 1. the person, if they are an active clinician or editor
        # 2. the articles they wrote, with authors
        # 3. the articles they reviewed, with authors
        expected=3,
    )


def test_reviewer_page_costs_three_queries_at_any_size(client, site):
    assert_same_queries_at_two_sizes(
        client,
        site["editor"].get_absolute_url(),
        grow=site["grow"],
        # 1. the person, if they are an active clinician or editor
        # 2. the articles they wrote, with authors
        # 3. the articles they reviewed, with authors
        expected=3,
    )


@pytest.mark.parametrize("words", ["ketamine", "ketamine article"])
def test_search_costs_a_fixed_number_of_queries_at_any_size(client, site, words):
    assert_same_queries_at_two_sizes(
        client,
        f"/search/?q={words}",
        grow=site["grow"],
        # 1. matching topics
        # PostgreSQL, in one statement: 2. the newest matches up to COUNT_LIMIT + 1 (the
        # count), the page of them ranked, with snippets and topics.
        # SQLite (FTS5): 2. the newest matches up to COUNT_LIMIT + 1 (the count), the page
        # of them ranked, 3. the page's cards with snippets, 4. that page's topics.
        expected=2 if connection.vendor == "postgresql" else 4,
    )


def test_search_costs_three_queries_when_nothing_matches(client, site):
    assert_same_queries_at_two_sizes(
        client,
        "/search/?q=nothing-matches",
        grow=site["grow"],
        # 1. matching topics
        # 2. the newest matching articles: none
        # 3. the articles whose titles (and, on SQLite, topics) are spelled close to the
        #    words: none
        expected=3,
    )


@pytest.mark.parametrize("url", ["/feed/", "/feed/atom/"])
def test_site_feed_costs_two_queries_at_any_size(client, site, url):
    assert_same_queries_at_two_sizes(
        client,
        url,
        grow=site["grow"],
        # 1. the newest articles, with their authors
        # 2. their topics, for the categories
        expected=2,
    )


@pytest.mark.parametrize("url", ["/topics/ketamine/feed/", "/topics/ketamine/feed/atom/"])
def test_topic_feed_costs_three_queries_at_any_size(client, site, url):
    assert_same_queries_at_two_sizes(
        client,
        url,
        grow=site["grow"],
        # 1. the topic by slug
        # 2. its newest articles, with their authors
        # 3. their topics, for the categories
        expected=3,
    )


def test_sitemap_costs_six_queries_at_any_size(client, site):
    assert_same_queries_at_two_sizes(
        client,
        "/sitemap.xml",
        grow=site["grow"],
        # 1-3. the number of topics, of published articles, of their authors
        # 4-6. the topics, the articles and the authors listed
        expected=6,
    )


def test_sitemap_index_costs_six_queries_when_sections_need_several_files(
    client, site, monkeypatch
):
    monkeypatch.setattr(sitemaps, "SECTION_LIMIT", 10)
    monkeypatch.setattr(sitemaps.HubSitemap, "limit", 10)
    assert_same_queries_at_two_sizes(
        client,
        "/sitemap.xml",
        grow=site["grow"],
        # 1-3. the number of topics, of published articles, of their authors
        # 4-6. each section's newest change (one index lookup each)
        expected=6,
    )


def test_robots_txt_costs_no_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/robots.txt").status_code == 200


def test_policy_page_costs_one_query(client, django_assert_num_queries):
    Page.objects.update_or_create(slug="funding", defaults={"title": "Funding", "body": "x"})
    with django_assert_num_queries(1):  # the page by slug
        assert client.get("/about/funding/").status_code == 200


# --- publishing ---------------------------------------------------------------------------


def _publish_queries(django_capture_on_commit_callbacks, *, topic) -> list[str]:
    author, editor = ClinicianFactory(), EditorFactory()
    article = ArticleFactory(author=author, topics=[topic])
    workflow.submit_for_review(article=article, by=author)
    article.refresh_from_db()
    editor.refresh_from_db()
    with (
        CaptureQueriesContext(connection) as captured,
        django_capture_on_commit_callbacks(execute=True),
    ):
        approve(article=article, by=editor)
    return [query["sql"] for query in captured.captured_queries]


def test_publishing_costs_the_same_queries_at_any_size(
    site, django_capture_on_commit_callbacks, mailoutbox
):
    # Publishing, the cache invalidation and the e-mail to the author after commit.
    topic = site["topic"]
    small = _publish_queries(django_capture_on_commit_callbacks, topic=topic)
    site["grow"]()
    large = _publish_queries(django_capture_on_commit_callbacks, topic=topic)
    listing = "\n".join(f"{n}. {sql}" for n, sql in enumerate(large, 1))
    assert len(small) == len(large), listing
    # 1. savepoint  2. the article, locked, with its author (its card shows the name)
    # 3. the editor's groups (the four-eyes check)
    # 4. its topics, for the safe-messaging check  5. its events since submission, for a
    # clinical sign-off  6. the version in review
    # 7. its topics again, to compare with that version  8. the version, approved
    # 9. the topics' signature, for linked terms  10. the article row, version counter
    # included  11. its publish time copied to its topic links  12. its search vectors
    # (SQLite: its row of the full-text index)  13-14. its topics, locked, then their
    # stored counts of live articles
    # 15. its entry in the changes log  16. the workflow event  17. release savepoint
    # 18. after commit: the partners' webhooks, for those told of publications  19. the
    # article, for the author's e-mail. The cache invalidation after commit is one cache
    # incr: no SQL.
    assert len(large) == 19, listing
    assert len(large) < 25
