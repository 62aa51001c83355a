"""The article page's JSON-LD and the API state the same facts: dates, reviewer, version."""

import json

import pytest

from tests.api.helpers import body, get
from tests.factories import PublishedArticleFactory
from tests.html import parse

pytestmark = pytest.mark.django_db


def test_jsonld_and_api_agree(client, esketamine, psychiatrist, medical_editor):
    article = PublishedArticleFactory(
        topics=[esketamine], author=psychiatrist, medical_reviewer=medical_editor
    )
    page = client.get(article.get_absolute_url())
    [block] = parse(page).select('script[type="application/ld+json"]')
    jsonld = json.loads(block.text)
    api = body(get(client, f"/articles/{article.slug}"))

    assert jsonld["version"] == f"sha256:{api['version_hash']}"
    assert jsonld["datePublished"] == article.published_at.isoformat()
    assert api["date_published"].replace("Z", "+00:00")[:19] == jsonld["datePublished"][:19]
    assert api["date_modified"].replace("Z", "+00:00")[:19] == jsonld["dateModified"][:19]
    assert jsonld["lastReviewed"] == api["last_reviewed"]
    assert jsonld["reviewedBy"]["name"] == api["medical_reviewer"]["name"] == "James Whitfield"
    assert jsonld["reviewedBy"]["url"] == api["medical_reviewer"]["url"]
    assert jsonld["url"] == api["url"]
