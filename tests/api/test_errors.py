"""Bad input of any kind is a problem+json 400 or 404 with the reason, never a 500."""

import pytest

from tests.api.helpers import API, assert_problem, get
from tests.factories import PublishedArticleFactory

pytestmark = pytest.mark.django_db

LONG = "a" * 10_000
SQL = "x' OR '1'='1"
HOSTILE = [LONG, SQL, "%00", "x%00y", "🙂", "../../etc/passwd", "<script>", "%E2%80%AE"]


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize(
    "template",
    [
        "/topics/{}",
        "/articles/{}",
        "/authors/{}",
        "/topics?page={}",
        "/articles?page={}",
        "/articles?topic={}",
        "/articles?audience={}",
        "/lookup?system={}&code=F32",
        "/lookup?system=icd10&code={}",
        "/lookup/infobutton?mainSearchCriteria.v.cs={}&mainSearchCriteria.v.c=F32",
        "/lookup/infobutton?mainSearchCriteria.v.cs=2.16.840.1.113883.6.90"
        "&mainSearchCriteria.v.c={}",
    ],
)
def test_hostile_parameters_are_400_or_404(client, template, value):
    PublishedArticleFactory()
    response = client.get(API + template.format(value))
    assert response.status_code in (400, 404), (template, response.status_code)
    assert response["Content-Type"] == "application/problem+json"


def test_a_bad_page_says_why(client):
    problem = assert_problem(get(client, "/articles?page=0"), 400)
    assert problem["errors"][0]["parameter"] == "page"
    assert "greater than or equal to 1" in problem["detail"]


def test_a_value_is_never_echoed(client):
    response = get(client, f"/articles?page={LONG}")
    assert_problem(response, 400)
    assert LONG not in response.content.decode()


def test_unknown_addresses_are_problems(client):
    assert_problem(client.get("/api/v2/topics"), 404)
    assert_problem(client.get("/api/v1/nothing/here"), 404)


def test_other_methods_are_405_problems(client):
    for method in (client.post, client.put, client.delete):
        response = method(f"{API}/topics")
        assert_problem(response, 405)
        assert response["Allow"] == "GET"
