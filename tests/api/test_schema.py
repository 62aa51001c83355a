"""The generated OpenAPI 3.1 document is valid, and the docs page loads nothing from
another site (Swagger UI from our static files, within the CSP)."""

import json
import re

import pytest
from django.contrib.staticfiles import finders
from openapi_spec_validator import validate

from tests.api.helpers import API
from tests.html import parse

pytestmark = pytest.mark.django_db


def test_openapi_schema_is_valid_3_1(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.1")
    validate(schema)
    paths = set(schema["paths"])
    assert {
        "/api/v1/topics",
        "/api/v1/topics/{slug}",
        "/api/v1/articles",
        "/api/v1/articles/{slug}",
        "/api/v1/authors/{slug}",
        "/api/v1/lookup",
        "/api/v1/lookup/infobutton",
    } <= paths
    assert schema["components"]["securitySchemes"]


def test_docs_page_loads_nothing_from_elsewhere(client):
    response = client.get(f"{API}/docs")
    assert response.status_code == 200
    html = response.content.decode()
    page = parse(response)
    addresses = [el.get("src") for el in page.select("script[src]")]
    addresses += [el.get("href") for el in page.select("link[href]")]
    assert addresses
    for address in addresses:
        assert address.startswith("/static/"), address
        assert finders.find(address.removeprefix("/static/")), address
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    # No inline script: the CSP (script-src 'self') would block it.
    for script in page.select("script"):
        assert script.get("src") or script.get("type") == "application/json"
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_every_operation_documents_the_problems_it_answers(client):
    # Found by schemathesis: each operation documented its 200 only, so a partner's generated
    # client had no shape for a 401, a 404 or a withdrawn article's 410.
    schema = json.loads(client.get(f"{API}/openapi.json").content)
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    assert schema["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status"]
    for path, item in schema["paths"].items():
        responses = item["get"]["responses"]
        assert {"200", "304", "400", "401", "403", "429"} <= set(responses), path
        assert "content" not in responses["304"]
        for code in ("400", "401", "403", "429"):
            assert responses[code]["content"] == problem, (path, code)
        if "{slug}" in path or path in (f"{API}/topics", f"{API}/articles"):
            assert responses["404"]["content"] == problem, path
    assert (
        schema["paths"][f"{API}/articles/{{slug}}"]["get"]["responses"]["410"]["content"] == problem
    )
