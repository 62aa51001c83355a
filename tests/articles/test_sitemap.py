"""/sitemap.xml and /robots.txt, for crawlers."""

import datetime
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from articles import sitemaps
from articles.models import Status
from tests.factories import ArticleFactory, ClinicianFactory, PublishedArticleFactory, TopicFactory

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def parse_xml(content: bytes) -> ElementTree.Element:
    # The brief asks for xml.etree; the input is our own response, not untrusted data.
    return ElementTree.fromstring(content)  # noqa: S314


def locations(response) -> list[str]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = parse_xml(response.content)
    return [loc.text for loc in root.iterfind(".//sm:loc", NS)]


def test_sitemap_lists_topics_published_articles_and_their_authors(client):
    writer = ClinicianFactory(username="writer", first_name="Wanda", last_name="Writer")
    drafter = ClinicianFactory(username="drafter", first_name="Dan", last_name="Drafter")
    topic = TopicFactory(slug="esketamine")
    PublishedArticleFactory(slug="published", author=writer, topics=[topic])
    ArticleFactory(slug="draft", author=drafter)
    ArticleFactory(slug="in-review", status=Status.IN_REVIEW)
    PublishedArticleFactory(
        slug="scheduled", published_at=timezone.now() + datetime.timedelta(days=1)
    )
    PublishedArticleFactory(slug="archived", status=Status.ARCHIVED, live=False)
    urls = locations(client.get("/sitemap.xml"))
    assert "http://testserver/topics/esketamine/" in urls
    assert "http://testserver/articles/published/" in urls
    assert "http://testserver/authors/wanda-writer/" in urls
    for hidden in ("draft", "in-review", "scheduled", "archived"):
        assert f"http://testserver/articles/{hidden}/" not in urls
    assert f"http://testserver{drafter.get_absolute_url()}" not in urls
    assert len(urls) == len(set(urls))


def test_article_lastmod_is_the_later_of_last_review_and_update(client):
    article = PublishedArticleFactory(slug="a", last_reviewed=datetime.date(2020, 1, 2))
    root = parse_xml(client.get("/sitemap.xml").content)
    for url in root.iterfind("sm:url", NS):
        if url.findtext("sm:loc", namespaces=NS).endswith("/articles/a/"):
            lastmod = url.findtext("sm:lastmod", namespaces=NS)
            assert lastmod == article.updated_at.date().isoformat()
            break
    else:
        pytest.fail("article missing from the sitemap")


def test_sitemap_uses_the_requests_host_and_scheme(client):
    PublishedArticleFactory(slug="a")
    urls = locations(client.get("/sitemap.xml", secure=True))
    assert "https://testserver/articles/a/" in urls


def test_sitemap_becomes_an_index_when_a_section_outgrows_one_file(client, monkeypatch):
    monkeypatch.setattr(sitemaps.ArticleSitemap, "limit", 2)
    for n in range(3):
        PublishedArticleFactory(slug=f"a{n}")
    index = client.get("/sitemap.xml")
    root = parse_xml(index.content)
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    sections = locations(index)
    assert "http://testserver/sitemap-articles.xml" in sections
    assert "http://testserver/sitemap-articles.xml?p=2" in sections
    first = locations(client.get("/sitemap-articles.xml"))
    second = locations(client.get("/sitemap-articles.xml", {"p": 2}))
    assert sorted(first + second) == [f"http://testserver/articles/a{n}/" for n in range(3)]


def test_unknown_sitemap_section_is_404(client):
    assert client.get("/sitemap-nothing.xml").status_code == 404


@pytest.mark.parametrize("count", [1, 6])
def test_sitemap_query_count_is_fixed(client, django_assert_num_queries, count):
    for _ in range(count):
        PublishedArticleFactory(topics=[TopicFactory()])
    # Three section counts, then each section's items.
    with django_assert_num_queries(6):
        client.get("/sitemap.xml")


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_out_of_admin_and_search(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert "Disallow: /search/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
