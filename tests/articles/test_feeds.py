"""RSS 2.0 and Atom feeds: /feed/, /feed/atom/, /topics/<slug>/feed/ and its Atom twin."""

import datetime
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from articles.models import Status
from tests.factories import ArticleFactory, PublishedArticleFactory, TopicFactory
from tests.html import parse

pytestmark = pytest.mark.django_db

ATOM = {"atom": "http://www.w3.org/2005/Atom"}


def parse_xml(content: bytes) -> ElementTree.Element:
    # The brief asks for xml.etree; the input is our own response, not untrusted data.
    return ElementTree.fromstring(content)  # noqa: S314


def rss_items(response) -> list[ElementTree.Element]:
    assert response["Content-Type"].startswith("application/rss+xml")
    root = parse_xml(response.content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    return root.findall("./channel/item")


def atom_entries(response) -> list[ElementTree.Element]:
    assert response["Content-Type"].startswith("application/atom+xml")
    root = parse_xml(response.content)
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    return root.findall("atom:entry", ATOM)


def days_ago(n: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=n)


@pytest.fixture
def unpublished(clinician):
    ArticleFactory(title="Draft", author=clinician)
    ArticleFactory(title="In review", author=clinician, status=Status.IN_REVIEW)
    PublishedArticleFactory(title="Scheduled", published_at=timezone.now() + datetime.timedelta(1))
    PublishedArticleFactory(title="Archived", status=Status.ARCHIVED, live=False)


def test_rss_lists_published_articles_newest_first(client, unpublished):
    PublishedArticleFactory(title="Older", summary="The older one.", published_at=days_ago(5))
    PublishedArticleFactory(title="Newer", summary="The newer one.", published_at=days_ago(1))
    items = rss_items(client.get("/feed/"))
    assert [item.findtext("title") for item in items] == ["Newer", "Older"]
    assert items[0].findtext("description") == "The newer one."
    assert items[0].findtext("link").startswith("http://testserver/articles/")


def test_rss_item_has_author_date_and_topics(client, esketamine):
    article = PublishedArticleFactory(title="A", topics=[esketamine])
    item = rss_items(client.get("/feed/"))[0]
    assert article.author.display_name in item.findtext("author", "") + item.findtext(
        "{http://purl.org/dc/elements/1.1/}creator", ""
    )
    assert item.findtext("pubDate")
    assert [c.text for c in item.findall("category")] == ["Esketamine"]


def test_feed_holds_the_newest_twenty(client):
    for n in range(23):
        PublishedArticleFactory(title=f"Article {n}", published_at=days_ago(30 - n))
    items = rss_items(client.get("/feed/"))
    assert len(items) == 20
    assert items[0].findtext("title") == "Article 22"


def test_atom_lists_published_articles_with_updated_from_the_last_review(client, unpublished):
    published = days_ago(10)
    PublishedArticleFactory(
        title="Reviewed",
        summary="Summary text.",
        published_at=published,
        last_reviewed=(published + datetime.timedelta(days=3)).date(),
    )
    entries = atom_entries(client.get("/feed/atom/"))
    assert [e.findtext("atom:title", namespaces=ATOM) for e in entries] == ["Reviewed"]
    entry = entries[0]
    assert entry.findtext("atom:summary", namespaces=ATOM) == "Summary text."
    assert entry.findtext("atom:published", namespaces=ATOM).startswith(
        published.date().isoformat()
    )
    updated = (published + datetime.timedelta(days=3)).date().isoformat()
    assert entry.findtext("atom:updated", namespaces=ATOM).startswith(updated)
    assert entry.find("atom:author/atom:name", ATOM).text


def test_topic_feeds_list_only_that_topics_published_articles(client, unpublished, esketamine):
    PublishedArticleFactory(title="On topic", topics=[esketamine])
    PublishedArticleFactory(title="Off topic")
    ArticleFactory(title="On topic, draft", topics=[esketamine])
    items = rss_items(client.get("/topics/esketamine/feed/"))
    assert [item.findtext("title") for item in items] == ["On topic"]
    entries = atom_entries(client.get("/topics/esketamine/feed/atom/"))
    assert [e.findtext("atom:title", namespaces=ATOM) for e in entries] == ["On topic"]


def test_topic_feed_is_titled_and_linked_to_its_topic(client, esketamine):
    channel = parse_xml(client.get("/topics/esketamine/feed/").content).find("channel")
    assert "Esketamine" in channel.findtext("title")
    assert channel.findtext("link") == "http://testserver/topics/esketamine/"


@pytest.mark.parametrize("url", ["/topics/no-such-topic/feed/", "/topics/no-such-topic/feed/atom/"])
def test_unknown_topic_feed_is_404(client, url):
    assert client.get(url).status_code == 404


def feeds_in_head(response) -> set[tuple[str, str]]:
    links = parse(response).select("head > link[rel=alternate]")
    return {(link.get("type"), link.get("href")) for link in links}


def test_feeds_are_advertised_in_the_page_head(client, esketamine):
    home = feeds_in_head(client.get("/"))
    assert ("application/rss+xml", "/feed/") in home
    assert ("application/atom+xml", "/feed/atom/") in home
    topic = feeds_in_head(client.get("/topics/esketamine/"))
    assert ("application/rss+xml", "/topics/esketamine/feed/") in topic
    assert ("application/atom+xml", "/topics/esketamine/feed/atom/") in topic


HOSTILE_SUMMARY = 'a & b <i>c</i> <img src=x onerror="alert(1)">'


def test_hostile_text_is_escaped_in_feeds(client):
    PublishedArticleFactory(title="<script>alert(1)</script>", summary=HOSTILE_SUMMARY)
    response = client.get("/feed/")
    assert b"<script>" not in response.content
    item = rss_items(response)[0]
    assert item.findtext("title") == "<script>alert(1)</script>"


@pytest.mark.parametrize("url", ["/feed/", "/feed/atom/"])
def test_summary_read_as_the_html_the_feed_declares_holds_no_markup(client, url):
    PublishedArticleFactory(title="Sleep", summary=HOSTILE_SUMMARY)
    response = client.get(url)
    if url.endswith("atom/"):
        summary = atom_entries(response)[0].find("atom:summary", ATOM)
        assert summary.get("type") == "html"
        html = summary.text
    else:
        html = rss_items(response)[0].findtext("description")

    # A feed reader renders this HTML: the summary must come out as text, whole.
    shown = parse(f"<p>{html}</p>")
    assert [e.tag for e in shown.descendants()] == ["p"]
    assert shown.one("p").text == HOSTILE_SUMMARY


@pytest.mark.parametrize("count", [2, 12])
def test_feed_query_count_is_fixed(client, django_assert_num_queries, count):
    topic = TopicFactory(slug="t")
    for _ in range(count):
        PublishedArticleFactory(topics=[topic])
    # The articles with their authors, then their topics.
    with django_assert_num_queries(2):
        client.get("/feed/")
    # The topic, the articles with their authors, then their topics.
    with django_assert_num_queries(3):
        client.get("/topics/t/feed/atom/")
