"""Related topics: each topic's own list, in the order an editor set, on its page only."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from articles.models import RelatedTopic, set_related_topics
from tests.articles.topic_review_helpers import press_step
from tests.factories import TopicFactory
from tests.html import parse

pytestmark = pytest.mark.django_db


def _shown(client, topic) -> list[str]:
    page = parse(client.get(topic.get_absolute_url()).content.decode())
    return [a.text for a in page.select("section.related-topics a")]


def test_setting_a_topics_list_leaves_the_others_unchanged(client):
    a, b, c = (TopicFactory(name=n) for n in ("Anxiety", "Breathing", "Calm"))
    set_related_topics(b, [c])
    set_related_topics(a, [b])
    assert _shown(client, a) == ["Breathing"]
    assert _shown(client, b) == ["Calm"]  # not "Anxiety": A's list is A's own
    assert _shown(client, c) == []


def test_the_page_follows_the_editors_order_not_the_alphabet(client):
    topic = TopicFactory(name="Ketamine for depression")
    others = [TopicFactory(name=n) for n in ("Zopiclone", "Esketamine", "Antidepressants")]
    set_related_topics(topic, others)
    assert _shown(client, topic) == ["Zopiclone", "Esketamine", "Antidepressants"]


def test_six_related_topics_are_six_on_the_page(client):
    topic = TopicFactory(name="Ketamine for depression")
    set_related_topics(topic, [TopicFactory(name=f"Topic {n}") for n in range(6)])
    assert len(_shown(client, topic)) == 6


def test_a_topic_is_never_related_to_itself():
    topic = TopicFactory(name="Sleep")
    other = TopicFactory(name="Rest")
    set_related_topics(topic, [topic, other, other])
    assert list(topic.related_links.values_list("to_topic__name", flat=True)) == ["Rest"]


def test_editors_set_the_list_and_its_order_in_the_topic_admin(client, editor, medical_editor):
    topic = TopicFactory(name="Depression")
    first, second = TopicFactory(name="Talking therapy"), TopicFactory(name="Antidepressants")
    other = TopicFactory(name="Grief")
    set_related_topics(other, [topic])
    client.force_login(editor)
    url = reverse("admin:articles_topic_change", args=[topic.pk])
    prefix = "related_links"  # the inline's formset, named after the list's relation
    assert f'name="{prefix}-TOTAL_FORMS"' in client.get(url).content.decode()
    data = {
        "name": topic.name,
        "headline": topic.headline,
        "definition": topic.definition,
        "aliases": "",
        "intro": "",
        "safety_notice": "",
        f"{prefix}-TOTAL_FORMS": "2",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-0-to_topic": second.pk,
        f"{prefix}-0-position": "2",
        f"{prefix}-1-to_topic": first.pk,
        f"{prefix}-1-position": "1",
        "codes-TOTAL_FORMS": "0",
        "codes-INITIAL_FORMS": "0",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _shown(client, topic) == []  # a reviewed change: readers keep the approved list
    client.force_login(medical_editor)
    assert press_step(client, topic, "approve_topic", comment="").status_code == 302
    assert _shown(client, topic) == ["Talking therapy", "Antidepressants"]
    assert _shown(client, other) == ["Depression"]
    assert RelatedTopic.objects.filter(to_topic=topic).count() == 1


def test_the_topic_history_names_only_the_fields_that_changed(client, editor):
    topic = TopicFactory(
        name="Ketamine", aliases="ketamine therapy\nSpravato", intro="Line one.\n\nLine two."
    )
    client.force_login(editor)
    data = {
        "name": topic.name,
        "headline": topic.headline,
        "definition": "A new definition.",
        # As a browser sends a textarea's line breaks.
        "aliases": "ketamine therapy\r\nSpravato",
        "intro": "Line one.\r\n\r\nLine two.",
        "safety_notice": "",
        "related_links-TOTAL_FORMS": "0",
        "related_links-INITIAL_FORMS": "0",
        # The medical codes inline (the API's lookup), empty.
        "codes-TOTAL_FORMS": "0",
        "codes-INITIAL_FORMS": "0",
    }
    url = reverse("admin:articles_topic_change", args=[topic.pk])
    assert client.post(url, data).status_code == 302
    entry = LogEntry.objects.get(object_id=str(topic.pk))
    assert entry.get_change_message() == "Changed Definition."
