"""'Was this page helpful?' on articles and topics (issue 21): one answer per browser,
page and day without cookies, rate limited, and the page itself stays cacheable."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import helpfulness
from articles.models import HelpfulnessVote
from tests.factories import ArticleFactory, PublishedArticleFactory, TopicFactory
from tests.html import parse

pytestmark = pytest.mark.django_db
HELPFUL = "/was-this-helpful/"


@pytest.fixture
def article():
    return PublishedArticleFactory(title="Ketamine explained", slug="ketamine-explained")


def vote(client, *, article=None, topic=None, helpful="yes", comment="", **headers):
    data = {"helpful": helpful, "comment": comment}
    if article is not None:
        data["article"] = article.slug
    if topic is not None:
        data["topic"] = topic.slug
    return client.post(HELPFUL, data, headers={"user-agent": "Firefox", **headers})


def test_article_and_topic_pages_ask_and_post_to_their_own_endpoint(client, article):
    topic = TopicFactory(slug="esketamine")
    for url, kind, slug in (
        (article.get_absolute_url(), "article", article.slug),
        (topic.get_absolute_url(), "topic", topic.slug),
    ):
        form = parse(client.get(url)).one("form.helpful")
        assert form.get("action") == HELPFUL
        assert form.one("legend").text.strip() == "Was this page helpful?"
        assert form.one(f"input[name={kind}]").get("value") == slug
        assert [b.get("value") for b in form.select("button[name=helpful]")] == ["yes", "no"]
        assert not form.select("input[name=csrfmiddlewaretoken]")


def test_a_vote_is_stored_with_page_answer_comment_and_day_only(client, article):
    response = vote(client, article=article, helpful="no", comment="  Too <b>long</b>  ")
    assert response.status_code == 200
    assert "Thank you" in parse(response).one("[data-helpful-thanks]").text
    stored = HelpfulnessVote.objects.get()
    assert (stored.article, stored.topic, stored.helpful, stored.comment, stored.day) == (
        article,
        None,
        False,
        "Too <b>long</b>",
        timezone.localdate(),
    )
    assert not response.cookies


def test_a_topic_vote_is_kept_against_the_topic(client):
    topic = TopicFactory(slug="esketamine")
    vote(client, topic=topic)
    assert HelpfulnessVote.objects.get().topic == topic


def test_a_second_vote_from_the_same_browser_the_same_day_is_thanked_and_dropped(client, article):
    vote(client, article=article, helpful="yes")
    again = vote(client, article=article, helpful="no")
    assert again.status_code == 200
    assert HelpfulnessVote.objects.count() == 1
    # Another browser at the same address is another reader.
    vote(client, article=article, helpful="no", **{"user-agent": "Safari"})
    assert HelpfulnessVote.objects.count() == 2


def test_the_dedupe_key_changes_with_the_day_and_says_nothing_of_the_reader():
    today = datetime.date(2026, 12, 4)
    key = helpfulness.vote_key(day=today, address="10.0.0.1", agent="Firefox", page="article:1")
    assert "10.0.0.1" not in key and "Firefox" not in key
    tomorrow = helpfulness.vote_key(
        day=today + datetime.timedelta(days=1),
        address="10.0.0.1",
        agent="Firefox",
        page="article:1",
    )
    assert key != tomorrow


def test_a_flood_from_one_address_is_refused_and_nothing_is_stored_beyond_the_limit(
    client, article, monkeypatch
):
    monkeypatch.setattr("articles.views.HELPFUL_VOTES_PER_HOUR", 3)
    statuses = [
        vote(client, article=article, **{"user-agent": f"agent {n}"}).status_code for n in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]
    assert HelpfulnessVote.objects.count() == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"helpful": "maybe"}, "Choose yes or no."),
        ({"helpful": "yes", "comment": "x" * 301}, "300 characters or fewer"),
    ],
)
def test_bad_answers_are_refused_with_a_message_and_nothing_stored(client, article, data, message):
    response = client.post(HELPFUL, {"article": article.slug, **data})
    assert response.status_code == 400
    assert message in parse(response).one(".error-summary").text
    assert not HelpfulnessVote.objects.exists()


def test_unpublished_or_unknown_pages_take_no_votes(client):
    draft = ArticleFactory(slug="draft")
    assert vote(client, article=draft).status_code == 404
    assert client.post(HELPFUL, {"article": "nope", "helpful": "yes"}).status_code == 404
    assert not HelpfulnessVote.objects.exists()


def test_cross_site_posts_are_refused(client, article):
    response = vote(client, article=article, origin="https://evil.example")
    assert response.status_code == 403
    assert not HelpfulnessVote.objects.exists()
    assert vote(client, article=article, origin="http://testserver").status_code == 200


@pytest.mark.usefixtures("page_cache_on")
def test_the_page_stays_cached_with_the_form_and_votes_need_no_cookie(
    client, article, django_assert_num_queries
):
    first = client.get(article.get_absolute_url())
    with django_assert_num_queries(0):
        cached = client.get(article.get_absolute_url())
    assert cached.content == first.content
    assert parse(cached).one("form.helpful")
    assert "Set-Cookie" not in cached and not cached.cookies
    assert cached.get("Vary", "") == first.get("Vary", "")
    assert "Cookie" not in cached.get("Vary", "")
    # A vote from the cached page (a client that never got a cookie) is taken, and the
    # page is still served from the cache afterwards.
    assert vote(client, article=article).status_code == 200
    with django_assert_num_queries(0):
        again = client.get(article.get_absolute_url())
    assert again.content == first.content


def test_editors_see_per_page_helpfulness_sortable(admin_client, article, editor, client):
    other = PublishedArticleFactory(title="Esketamine spray", slug="spray")
    for n, (page, answer) in enumerate(
        [(article, "yes"), (article, "yes"), (article, "no"), (other, "no"), (other, "no")]
    ):
        vote(
            client,
            article=page,
            helpful=answer,
            comment="why" if n == 2 else "",
            **{"user-agent": str(n)},
        )
    client.force_login(editor)
    url = reverse("admin:articles_helpfulnesssummary_changelist")

    def table(order):
        rows = parse(client.get(url, {"o": order})).select("#result_list tbody tr")
        return [[cell.text.strip() for cell in row.select("th") + row.select("td")] for row in rows]

    assert table("-no") == [
        ["Esketamine spray", "0", "2", "0%", "0"],
        ["Ketamine explained", "2", "1", "67%", "1"],
    ]
    assert [row[0] for row in table("-percent")] == ["Ketamine explained", "Esketamine spray"]
    comments = client.get(reverse("admin:articles_helpfulnessvote_changelist"))
    assert comments.status_code == 200
    assert "why" in comments.content.decode()


def test_the_summary_is_for_editors_only(client, clinician):
    client.force_login(clinician)
    url = reverse("admin:articles_helpfulnesssummary_changelist")
    assert client.get(url).status_code in (302, 403)
