"""/authors/<slug>/: a clinician's or editor's public profile and published work."""

import pytest
from pytest_django.asserts import assertContains

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
    UserFactory,
    hidden_article,
)
from tests.html import parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(psychiatrist):
    return psychiatrist


def test_page_shows_name_with_credentials_when_person_is_a_clinician(client, author):
    response = client.get("/authors/amara-okafor/")

    assertContains(response, "<h1>Amara Okafor, MD, MRCPsych</h1>", html=True)


def test_page_shows_bio_when_person_has_one(client, author):
    response = client.get("/authors/amara-okafor/")

    assert "Amara leads a mood disorders clinic." in response.content.decode()


def test_page_shows_disclosures_when_person_has_declared_some(client, author):
    response = client.get("/authors/amara-okafor/")

    assert "Conflicts of interest" in response.content.decode()
    assert "Paid talks for Acme Pharma, 2024." in response.content.decode()


def test_page_says_none_declared_when_person_has_no_disclosures(client):
    person = ClinicianFactory(username="quiet", disclosures="")

    response = client.get(person.get_absolute_url())

    assert "None declared." in response.content.decode()


def test_page_lists_published_articles_when_person_wrote_some(client, author):
    article = PublishedArticleFactory(author=author, title="Esketamine explained")

    response = client.get("/authors/amara-okafor/")

    assertContains(
        response, f'<a href="{article.get_absolute_url()}">Esketamine explained</a>', html=True
    )


@pytest.mark.parametrize("state", list(HIDDEN_STATES))
def test_page_hides_article_when_it_is_not_public(client, author, state):
    hidden_article(state, author=author, title="A hidden article")

    response = client.get("/authors/amara-okafor/")

    assert "A hidden article" not in response.content.decode()
    assert "No published articles yet." in response.content.decode()


def test_page_leaves_out_other_peoples_articles_when_person_wrote_none(client, author):
    PublishedArticleFactory(title="Someone else's article")

    response = client.get("/authors/amara-okafor/")

    assert "Someone else's article" not in parse(response).text


def test_page_lists_reviewed_articles_when_person_is_an_editor(client, medical_editor):
    PublishedArticleFactory(medical_reviewer=medical_editor, title="Reviewed by James")

    response = client.get("/authors/james-whitfield/")

    assert "Articles medically reviewed" in response.content.decode()
    assert "Reviewed by James" in response.content.decode()


@pytest.mark.parametrize(
    "make_person",
    [
        pytest.param(lambda: UserFactory(username="someone", is_superuser=True), id="superuser"),
        pytest.param(lambda: UserFactory(username="someone"), id="staff-without-a-role"),
        pytest.param(
            lambda: ClinicianFactory(username="someone", is_active=False), id="inactive-clinician"
        ),
    ],
)
def test_page_is_not_found_when_person_does_not_write_or_review(client, make_person):
    person = make_person()

    for address in (person.get_absolute_url(), "/authors/someone/"):  # by slug, by login
        response = client.get(address)
        assertContains(response, "<h1>Page not found</h1>", status_code=404, html=True)


def test_page_is_not_found_when_username_does_not_exist(client):
    response = client.get("/authors/nobody/")

    assertContains(response, "<h1>Page not found</h1>", status_code=404, html=True)


def test_page_costs_the_same_queries_when_person_has_200_articles(client, author):
    editor = EditorFactory()
    published_articles(SMALL, authors=[author], reviewer=editor)
    published_articles(SMALL, reviewer=author)

    def grow():
        published_articles(LARGE - SMALL, authors=[author], reviewer=editor)
        published_articles(LARGE - SMALL, reviewer=author)

    assert_same_queries_at_two_sizes(
        client,
        "/authors/amara-okafor/",
        grow=grow,
        # 1. the person, if they are an active clinician or editor
        # 2. the articles they wrote, with authors
        # 3. the articles they reviewed, with authors
        expected=3,
    )
