"""While the database is unreachable: a 503 with Retry-After, never a stack trace."""

from django.db import OperationalError
from django.test import RequestFactory

from hub.middleware import DatabaseUnavailableMiddleware


def _middleware():
    return DatabaseUnavailableMiddleware(lambda request: None)


def test_lost_database_connection_becomes_a_503_page():
    request = RequestFactory().get("/topics/")
    response = _middleware().process_exception(
        request, OperationalError("connection to server at 127.0.0.1 failed: refused")
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert b"Sorry, the service is unavailable" in response.content
    assert b"Traceback" not in response.content


def test_other_errors_are_left_to_the_normal_handlers():
    request = RequestFactory().get("/")
    assert _middleware().process_exception(request, ValueError("bug")) is None
    assert _middleware().process_exception(request, OperationalError("database is locked")) is None
