"""NUL and other control characters in an address are a 400 (or a 404), never a 500; in a
posted form field they are a form error and nothing is stored."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from articles.models import Article, ProblemReport
from tests.factories import ClinicianFactory, EditorFactory, PublishedArticleFactory, TopicFactory

pytestmark = pytest.mark.django_db

CONTROL = ["%00", "%01", "%0A", "%0D", "%1B", "%1F", "%7F"]
PARAMETERS = ["q", "page", "topic", "article", "audience", "letter", "revision", "sent"]


def _routes(patterns=None, prefix=""):
    """Every route of the URLconf outside the admin, as "topics/<slug:slug>/" strings."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if entry.namespace != "admin":
                yield from _routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route


def _fill(route: str, value: str) -> str:
    assert "^" not in route, route  # path() routes only: a regex route needs its own sample
    return "/" + re.sub(r"<[^>]+>", value, route)


def _plain_or_problem(url: str) -> str:
    # The API's errors are all problem details (articles/api/errors.py).
    return "application/problem+json" if url.startswith("/api/") else "text/plain"


@pytest.fixture
def site(db):
    topic = TopicFactory(name="Esketamine", slug="esketamine")
    article = PublishedArticleFactory(title="Ketamine", slug="ketamine", topics=[topic])
    return topic, article


def test_every_public_route_is_found():
    routes = set(_routes())
    assert "authors/<str:username>/" in routes
    assert "report-a-problem/" in routes
    assert len(routes) >= 15  # articles' and the password reset's routes


@pytest.mark.parametrize("character", CONTROL)
def test_control_characters_in_the_path_are_400_on_every_route(client, site, character):
    for route in _routes():
        for value in (character, f"ketamine{character}", f"{character}esketamine"):
            url = _fill(route, value)
            if url == _fill(route, ""):
                url += character  # a route without a variable part: the character after it
            response = client.get(url)
            assert response.status_code == 400, url
            assert response["Content-Type"].startswith(_plain_or_problem(url))


@pytest.mark.parametrize("character", CONTROL)
def test_control_characters_in_query_parameters_are_400_on_every_route(client, site, character):
    for route in _routes():
        url = _fill(route, "ketamine")
        for query in (
            *(f"{name}={character}" for name in PARAMETERS),
            f"q=ketamine{character}therapy",
            f"{character}=1",
            f"q=ketamine&page=1&x{character}y=2",
        ):
            response = client.get(f"{url}?{query}")
            assert response.status_code == 400, (url, query)


@pytest.mark.parametrize(
    "url",
    [
        "/authors/%00/",
        "/report-a-problem/?article=%00",
        "/report-a-problem/?topic=%00",
        "/topics/esketamine/?topic=%00",
        "/?topic=%00",
        "/search/?q=%00",
    ],
)
def test_the_reported_addresses_are_400(client, site, url):
    response = client.get(url)
    assert response.status_code == 400
    assert b"control characters" in response.content


def test_a_tab_in_a_search_term_is_searched_for(client, site):
    response = client.get("/search/?q=ketamine%09")
    assert response.status_code == 200


def test_control_characters_in_the_admin_autocomplete_are_400(client, site):
    client.force_login(EditorFactory())
    url = reverse("admin:autocomplete")
    fields = "app_label=articles&model_name=article&field_name=topics"
    assert client.get(f"{url}?term=esk&{fields}").status_code == 200
    for character in CONTROL:
        for query in (f"term={character}&{fields}", f"term=esk&{fields}&app_label{character}=x"):
            assert client.get(f"{url}?{query}").status_code == 400, query


def test_admin_pages_refuse_control_characters_too(client, site):
    client.force_login(EditorFactory())
    changelist = reverse("admin:articles_article_changelist")
    assert client.get(f"{changelist}?q=%00").status_code == 400
    assert client.get(f"{changelist}?topic=%00").status_code == 400
    assert client.get(reverse("admin:index") + "r/1/%00/").status_code == 400


def test_nul_in_a_problem_report_is_a_form_error(client, site):
    _, article = site
    url = reverse("articles:report") + f"?article={article.slug}"
    response = client.post(url, {"message": "The dose is\x00 wrong here.", "email": ""})
    assert response.status_code == 200
    assert "message" in response.context["form"].errors
    assert not ProblemReport.objects.exists()


def test_nul_in_an_article_form_is_a_form_error(client, site):
    client.force_login(ClinicianFactory())
    before = Article.objects.count()
    response = client.post(
        reverse("admin:articles_article_add"),
        {
            "title": "Ketamine\x00 and sleep",
            "slug": "",
            "summary": "How it\x00 helps.",
            "body": "Body\x00 text.",
            "audience": Article._meta.get_field("audience").default,
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert {"title", "summary", "body"} <= set(errors)
    assert Article.objects.count() == before


@pytest.mark.parametrize(
    ("url", "data"),
    [
        (reverse("admin:login"), {"username": "editor\x00", "password": "x"}),
        (reverse("admin:login"), {"username": "editor", "password": "x\x00"}),
        (reverse("admin_password_reset"), {"email": "editor\x00@example.org"}),
    ],
)
def test_nul_in_sign_in_and_reset_forms_is_a_form_error(client, url, data):
    EditorFactory(username="editor")
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors
