"""/healthz: the liveness and database check load balancers poll."""

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_ok_and_database_up_when_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "up"}


def test_healthz_is_never_cached_when_polled(client):
    response = client.get("/healthz")

    assert "no-cache" in response["Cache-Control"]


def test_healthz_asks_the_database_once_when_polled(client, django_assert_num_queries):
    with django_assert_num_queries(1):  # SELECT 1
        client.get("/healthz")


def test_healthz_refuses_post_when_sent_one(client):
    response = client.post("/healthz")

    assert response.status_code == 405


def test_healthz_answers_head_when_a_load_balancer_probes_with_it(client):
    response = client.head("/healthz")

    assert response.status_code == 200
