"""The error pages: a helpful 404 in the site's layout, and a 500 that needs no database."""

import pytest
from pytest_django.asserts import assertContains

from hub.views import server_error

pytestmark = pytest.mark.django_db


def test_404_page_says_page_not_found_when_address_is_unknown(client):
    response = client.get("/no/such/page/")

    assertContains(response, "<h1>Page not found</h1>", status_code=404, html=True)


def test_404_page_offers_search_and_topics_when_address_is_unknown(client):
    response = client.get("/no/such/page/")

    assertContains(response, '<a href="/search/">search</a>', status_code=404, html=True)
    assertContains(response, '<a href="/topics/">browse topics A–Z</a>', status_code=404, html=True)


def test_404_page_queries_nothing_when_address_matches_no_page(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        client.get("/no/such/page/")


def test_500_page_apologises_without_the_database_when_server_fails(rf, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = server_error(rf.get("/"))

    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()
