"""/search/?q=: readers find published articles only (search itself is tested elsewhere)."""

import pytest
from pytest_django.asserts import assertContains

from tests.factories import HIDDEN_STATES, PublishedArticleFactory, hidden_article

pytestmark = pytest.mark.django_db


def test_search_finds_article_when_it_is_published(client):
    article = PublishedArticleFactory(title="Zanzibar fever explained")

    response = client.get("/search/", {"q": "zanzibar"})

    assertContains(
        response, f'<a href="{article.get_absolute_url()}">Zanzibar fever explained</a>', html=True
    )


@pytest.mark.parametrize("state", list(HIDDEN_STATES))
def test_search_leaves_out_article_when_it_is_not_public(client, state):
    hidden_article(state, title="Zanzibar fever explained", summary="Zanzibar fever in brief.")

    response = client.get("/search/", {"q": "zanzibar"})

    assert response.status_code == 200
    assert "Zanzibar fever explained" not in response.content.decode()
