"""Report a problem from every public page, the contact page, and the site's icons
(issue 19)."""

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import cache

from articles.models import ProblemReport
from tests.factories import PublishedArticleFactory, TopicFactory
from tests.html import parse

pytestmark = pytest.mark.django_db
REPORT = "/report-a-problem/"


def report_link(response) -> str:
    """Where the page's "Report a problem with this page" link in the footer goes."""
    found = [
        a.get("href")
        for a in parse(response).select(".site-footer a")
        if a.text == "Report a problem with this page"
    ]
    assert len(found) == 1
    return found[0]


@pytest.fixture
def article():
    return PublishedArticleFactory(title="Ketamine explained", topics=[TopicFactory()])


@pytest.mark.parametrize(
    "url", ["/", "/topics/", "/search/", "/search/?q=ketamine", "/search/?q=suicide", "/contact/"]
)
def test_report_form_is_one_tap_away_when_page_is_a_general_one(client, url):
    link = report_link(client.get(url))
    form = client.get(link)
    assert form.status_code == 200
    assert parse(form).one("form.report-form textarea[name=message]")


def test_report_from_a_general_page_is_kept_with_its_address(client):
    link = report_link(client.get("/topics/"))
    response = client.post(link, {"message": "The letter Q has no topics."})
    assert response.status_code == 302
    report = ProblemReport.objects.get()
    assert (report.article, report.topic, report.page_address) == (None, None, "/topics/")


def test_report_from_an_article_footer_is_kept_against_the_article(client, article):
    link = report_link(client.get(article.get_absolute_url()))
    client.post(link, {"message": "A broken link in the sources."})
    report = ProblemReport.objects.get()
    assert report.article == article
    assert report.article_version == article.version


def test_report_from_a_topic_footer_is_kept_against_the_topic(client):
    topic = TopicFactory()
    client.post(report_link(client.get(topic.get_absolute_url())), {"message": "Out of date."})
    assert ProblemReport.objects.get().topic == topic


def test_report_without_a_page_is_a_general_report(client):
    response = client.post(REPORT, {"message": "The site is slow on my phone."}, follow=True)
    assert "Thank you" in response.content.decode()
    report = ProblemReport.objects.get()
    assert (report.article, report.topic, report.page_address) == (None, None, "")


@pytest.mark.parametrize(
    "page",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/no/such/page/",
        "javascript:alert(1)",
        "/" + "a" * 400,
        '/"><script>alert(1)</script>',
        REPORT,
    ],
)
def test_page_given_is_ignored_when_not_a_page_of_the_site(client, page):
    response = client.get(REPORT, {"page": page})
    assert response.status_code == 200
    assert b"<script>alert(1)" not in response.content
    assert "Report a problem with this website" in response.content.decode()
    client.post(f"{REPORT}?page={page}", {"message": "Something is wrong here."})
    assert ProblemReport.objects.get().page_address == ""


def test_report_on_a_draft_by_address_keeps_nothing_of_it(client):
    draft = PublishedArticleFactory(live=False, status="draft", published_at=None)
    client.post(f"{REPORT}?page=/articles/{draft.slug}/", {"message": "Can I see this?"})
    report = ProblemReport.objects.get()
    assert report.article is None


def test_general_reports_are_rate_limited_too(client):
    cache.clear()
    for _ in range(5):
        client.post(REPORT, {"message": "Another problem here."})
    assert client.post(REPORT, {"message": "One too many."}).status_code == 429
    assert ProblemReport.objects.count() == 5


def test_contact_page_gives_the_address_when_settings_have_one(client, settings):
    settings.CONTACT_EMAIL = "editors@health.example.org"
    page = parse(client.get("/contact/"))
    assert page.one("h1").text == "Contact us"
    assert page.select("a[href='mailto:editors@health.example.org']")
    assert page.select(f"a[href='{REPORT}']")


def test_contact_page_offers_the_report_form_when_there_is_no_address(client, settings):
    settings.CONTACT_EMAIL = ""
    page = parse(client.get("/contact/"))
    assert not page.select("a[href^='mailto:']")
    assert page.select(f"a[href='{REPORT}']")


def test_every_page_links_the_contact_page(client, article):
    for url in ("/", article.get_absolute_url(), "/topics/"):
        assert parse(client.get(url)).select("footer a[href='/contact/']"), url


def test_favicon_is_an_icon_when_browsers_ask_for_it(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # the ICO header
    assert "max-age=604800" in response["Cache-Control"]


def static_file(url: str):
    """The file a static address serves (tests serve no static files themselves)."""
    assert url.startswith(settings.STATIC_URL), url
    return finders.find(url.removeprefix(settings.STATIC_URL))


def test_pages_link_their_icons_and_manifest(client):
    head = parse(client.get("/")).one("head")
    assert head.select("link[rel=icon][href='/favicon.ico']")
    svg = head.one("link[rel=icon][type='image/svg+xml']").get("href")
    assert open(static_file(svg)).read().startswith("<svg")  # noqa: SIM115
    touch = head.one("link[rel=apple-touch-icon]").get("href")
    assert open(static_file(touch), "rb").read(8) == b"\x89PNG\r\n\x1a\n"  # noqa: SIM115
    manifest = client.get(head.one("link[rel=manifest]").get("href"))
    assert manifest["Content-Type"] == "application/manifest+json"
    assert {icon["sizes"] for icon in manifest.json()["icons"]} == {"192x192", "512x512", "any"}
    for icon in manifest.json()["icons"]:
        assert static_file(icon["src"]), icon["src"]
