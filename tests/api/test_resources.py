"""Each resource's contract: what a partner gets for topics, articles and authors."""

import pytest

from articles.models import RelatedTopic, TopicCode
from tests.api.helpers import assert_problem, body, get
from tests.articles.public_helpers import published_articles
from tests.factories import PublishedArticleFactory, TopicFactory

pytestmark = pytest.mark.django_db

SOURCE_BODY = (
    "Text with a source.[^1]\n\n[^1]: Smith J. A trial. *BMJ*. 2020;1:1. "
    "https://doi.org/10.1136/bmj.1"
)


def test_topic_list_is_a_to_z_with_counts(client, esketamine, depression):
    PublishedArticleFactory(topics=[depression])
    answer = body(get(client, "/topics"))
    assert answer["count"] == 2 and answer["next"] is None
    assert [t["name"] for t in answer["items"]] == ["Depression", "Esketamine"]
    first = answer["items"][0]
    assert first["article_count"] == 1
    assert first["url"] == "http://testserver/topics/depression/"
    assert first["api_url"] == "http://testserver/api/v1/topics/depression"


def test_topic_in_full(client, esketamine, depression, medical_editor, psychiatrist):
    RelatedTopic.objects.create(from_topic=esketamine, to_topic=depression, position=0)
    TopicCode.objects.create(
        topic=esketamine, system="rxnorm", code="1989529", display="esketamine"
    )
    esketamine.safety_notice = "Only in a clinic."
    esketamine.intro = "About **esketamine**."
    esketamine.medical_reviewer = medical_editor
    esketamine.save()
    article = PublishedArticleFactory(topics=[esketamine], author=psychiatrist)

    topic = body(get(client, f"/topics/{esketamine.slug}"))

    assert topic["name"] == "Esketamine"
    assert topic["aliases"] == ["Spravato", "esketamine nasal spray"]
    assert "<strong>esketamine</strong>" in topic["intro_html"]
    assert topic["safety_notice"] == "Only in a clinic."
    assert [t["slug"] for t in topic["related"]] == ["depression"]
    assert topic["codes"] == [
        {
            "system": "rxnorm",
            "system_name": "RxNorm",
            "system_oid": "2.16.840.1.113883.6.88",
            "code": "1989529",
            "display": "esketamine",
        }
    ]
    assert topic["trust"]["medical_reviewer"]["name"] == "James Whitfield"
    assert topic["trust"]["medical_reviewer"]["credentials"] == "MBBS, FRCP"
    assert topic["articles"]["count"] == 1
    assert topic["articles"]["items"][0]["slug"] == article.slug
    assert topic["articles"]["items"][0]["author"] == "Amara Okafor, MD, MRCPsych"


def test_article_in_full(client, esketamine, psychiatrist, medical_editor):
    article = PublishedArticleFactory(
        topics=[esketamine], author=psychiatrist, medical_reviewer=medical_editor, body=SOURCE_BODY
    )
    answer = body(get(client, f"/articles/{article.slug}"))
    assert answer["title"] == article.title
    assert answer["summary"] == article.summary
    assert answer["body_html"] == article.body_html
    assert answer["url"] == f"http://testserver/articles/{article.slug}/"
    assert [t["name"] for t in answer["topics"]] == ["Esketamine"]
    assert answer["author"] == {
        "name": "Amara Okafor",
        "credentials": "MD, MRCPsych",
        "job_title": "Consultant psychiatrist",
        "url": "http://testserver/authors/amara-okafor/",
    }
    assert answer["medical_reviewer"]["name"] == "James Whitfield"
    assert answer["last_reviewed"] == article.last_reviewed.isoformat()
    assert answer["next_review_due"] == article.next_review_due.isoformat()
    assert answer["sources"] == [
        {
            "html": answer["sources"][0]["html"],
            "text": "Smith J. A trial. BMJ. 2020;1:1. https://doi.org/10.1136/bmj.1",
            "links": ["https://doi.org/10.1136/bmj.1"],
        }
    ]
    assert "footnote-backref" not in answer["sources"][0]["html"]
    assert answer["audience"] == "patients"
    assert answer["licence"] and answer["attribution"]
    assert answer["lead_image"] is None
    assert len(answer["version_hash"]) == 64


def test_version_hash_changes_with_the_approved_text_only(client):
    article = PublishedArticleFactory()
    before = body(get(client, f"/articles/{article.slug}"))["version_hash"]
    article.save()  # re-rendered, unchanged
    assert body(get(client, f"/articles/{article.slug}"))["version_hash"] == before
    article.body += "\n\nA new paragraph."
    article.save()
    assert body(get(client, f"/articles/{article.slug}"))["version_hash"] != before


def test_author_profile(client, psychiatrist, medical_editor):
    written = PublishedArticleFactory(author=psychiatrist, medical_reviewer=medical_editor)
    answer = body(get(client, f"/authors/{psychiatrist.public_slug}"))
    assert answer["name"] == "Amara Okafor"
    assert answer["credentials"] == "MD, MRCPsych"
    assert answer["bio"] == "Amara leads a mood disorders clinic."
    assert [a["slug"] for a in answer["written"]] == [written.slug]
    reviewer = body(get(client, f"/authors/{medical_editor.public_slug}"))
    assert [a["slug"] for a in reviewer["reviewed"]] == [written.slug]


def test_author_without_a_public_page_is_404(client, django_user_model):
    person = django_user_model.objects.create_user("private", password="x" * 12)
    assert_problem(get(client, f"/authors/{person.public_slug}"), 404)


def test_articles_paginate_as_count_items_next(client):
    topic = TopicFactory()
    published_articles(45, topics=[topic])
    first = body(get(client, "/articles"))
    assert first["count"] == 45 and len(first["items"]) == 20
    assert first["next"] == "http://testserver/api/v1/articles?page=2"
    second = body(client.get(first["next"]))
    third = body(client.get(second["next"]))
    assert len(third["items"]) == 5 and third["next"] is None
    slugs = [a["slug"] for page in (first, second, third) for a in page["items"]]
    assert len(set(slugs)) == 45
    assert_problem(get(client, "/articles?page=4"), 404)

    in_topic = body(get(client, f"/articles?topic={topic.slug}"))
    assert in_topic["count"] == 45
    assert in_topic["next"] == f"http://testserver/api/v1/articles?page=2&topic={topic.slug}"
    topic_page = body(get(client, f"/topics/{topic.slug}"))
    assert topic_page["articles"]["count"] == 45
    assert topic_page["articles"]["next"] == in_topic["next"]


def test_articles_by_audience(client):
    PublishedArticleFactory(audience="clinicians")
    PublishedArticleFactory(audience="patients")
    answer = body(get(client, "/articles?audience=clinicians"))
    assert [a["audience"] for a in answer["items"]] == ["clinicians"]
    problem = assert_problem(get(client, "/articles?audience=everyone"), 400)
    assert "audience" in problem["detail"]


def test_topics_paginate(client):
    for n in range(23):
        TopicFactory(name=f"Topic {n:02d}")
    first = body(get(client, "/topics"))
    assert first["count"] == 23 and len(first["items"]) == 20
    assert len(body(client.get(first["next"]))["items"]) == 3
