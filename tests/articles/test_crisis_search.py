"""Searches that signal a crisis: help comes first, whatever the results, and only a count
of such searches is kept, never their words (issue 19)."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from articles.crisis import signals_crisis
from articles.models import CrisisSearchDay
from tests.articles.crisis_helpers import card, links, position, uk_and_us_lines
from tests.factories import PublishedArticleFactory, TopicFactory

pytestmark = pytest.mark.django_db
SEARCH = "/search/"

CRISIS = [
    "I want to die",
    "suicide",
    "kil myself",
    "KILL   MYSELF",
    "self-harm",
    "Self harm",
    "selfharm",
    "end it all",
    "sucide",
    "suicidal thoughts",
    "don’t want to live",
    "su\u0456cide",  # a Cyrillic і
    "ＳＵＩＣＩＤＥ",  # fullwidth letters
    "  want   to   die  ",
]
NOT_CRISIS = ["ketamine", "esketamine side effects", "depression", "itself harmful", "kmsx"]


@pytest.fixture(autouse=True)
def lines():
    uk_and_us_lines()


@pytest.mark.parametrize("query", CRISIS)
def test_card_comes_first_when_query_says_so_in_any_form(client, query):
    response = client.get(SEARCH, {"q": query})
    assert card(response).get("class") == "crisis-card crisis-card--first"


@pytest.mark.parametrize("query", CRISIS)
def test_query_signals_crisis_when_it_says_so_in_any_form(query):
    assert signals_crisis(query)


@pytest.mark.parametrize("query", NOT_CRISIS)
def test_query_does_not_signal_crisis_when_it_is_about_treatment(query):
    assert not signals_crisis(query)


@pytest.mark.parametrize("query", ["I want to die", "suicide", "kil myself"])
def test_card_comes_first_with_call_links_when_nothing_matches(client, query):
    response = client.get(SEARCH, {"q": query})
    assert response.status_code == 200
    assert card(response).get("class") == "crisis-card crisis-card--first"
    assert links(response)[:3] == ["tel:999", "tel:116123", "sms:85258"]
    assert position(response, ".crisis-card") < position(response, "form[role=search]")
    assert position(response, ".crisis-card") < position(response, "#article-results")


@pytest.mark.parametrize("query", ["suicide", "Suicide risk"])
def test_card_comes_before_results_when_articles_match(client, query):
    topic = TopicFactory(name="Suicide prevention", definition="Keeping people safe.")
    PublishedArticleFactory(title="Suicide risk and depression", topics=[topic])
    response = client.get(SEARCH, {"q": query})
    assert "Suicide risk and depression" in response.content.decode(), connection.vendor
    assert position(response, ".crisis-card") < position(response, ".card")


def test_card_comes_first_when_query_is_too_long_to_search_whole(client):
    response = client.get(SEARCH, {"q": "x" * 300 + " I want to die"})
    assert card(response).get("class") == "crisis-card crisis-card--first"


def test_card_comes_first_when_query_is_five_thousand_characters(client):
    response = client.get(SEARCH, {"q": "suicide " + "a" * 5000})
    assert response.status_code == 200
    assert card(response).get("class") == "crisis-card crisis-card--first"


def test_card_is_last_and_plain_when_query_is_about_treatment(client):
    PublishedArticleFactory(title="Ketamine explained")
    response = client.get(SEARCH, {"q": "ketamine"})
    assert card(response).get("class") == "crisis-card"
    assert position(response, ".card") < position(response, ".crisis-card")


def test_each_crisis_search_adds_one_to_the_days_count(client):
    for query in ["suicide", "I want to die", "kil myself"]:
        client.get(SEARCH, {"q": query})
    client.get(SEARCH, {"q": "ketamine"})
    assert list(CrisisSearchDay.objects.values_list("count", flat=True)) == [3]


def test_count_keeps_no_word_of_what_was_searched(client):
    client.get(SEARCH, {"q": "I want to die tonight zqxj"})
    assert CrisisSearchDay.objects.get().count == 1
    out = io.StringIO()
    call_command("dumpdata", "articles", "accounts", "auth", stdout=out)
    assert "zqxj" not in out.getvalue()
    assert "tonight" not in out.getvalue()


def test_crisis_search_is_never_stored_by_any_cache(client):
    response = client.get(SEARCH, {"q": "suicide"})
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


@pytest.mark.usefixtures("page_cache_on")
def test_card_and_count_every_time_when_search_pages_are_cached(client, settings):
    settings.PAGE_CACHE_SEARCH = True
    for _ in range(3):
        response = client.get(SEARCH, {"q": "suicide"})
        assert card(response).get("class") == "crisis-card crisis-card--first"
    assert CrisisSearchDay.objects.get().count == 3


@pytest.mark.usefixtures("page_cache_on")
def test_cached_search_page_keeps_its_plain_card_when_query_is_not_a_crisis(
    client, settings, django_assert_num_queries
):
    settings.PAGE_CACHE_SEARCH = True
    first = client.get(SEARCH, {"q": "ketamine"})
    with django_assert_num_queries(0):
        again = client.get(SEARCH, {"q": "ketamine"})
    assert again.content == first.content
    assert card(again).get("class") == "crisis-card"


def test_head_request_is_not_counted(client):
    client.head(SEARCH, {"q": "suicide"})
    assert not CrisisSearchDay.objects.exists()


def test_count_goes_on_when_todays_row_exists():
    CrisisSearchDay.count_one()
    CrisisSearchDay.count_one()
    assert CrisisSearchDay.objects.get().count == 2


def test_card_is_shown_when_searches_from_one_address_are_rate_limited(client):
    for _ in range(120):  # views.search's limit a minute for one address
        client.get(SEARCH, {"q": "flu"})
    response = client.get(SEARCH, {"q": "I want to die"})
    assert response.status_code == 429
    assert links(response)[:2] == ["tel:999", "tel:116123"]
