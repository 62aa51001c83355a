"""Care cards: "When to get help" blocks editors write once and attach to topics and
articles, shown most urgent first with the level in words, not colour alone (issue 19)."""

import pytest

from articles.models import CareCard
from tests.factories import EditorFactory, PublishedArticleFactory, TopicFactory
from tests.html import parse

pytestmark = pytest.mark.django_db


def shown(response) -> list[tuple[str, str, list[str]]]:
    """Each care card on the page: (its label, its heading, its points)."""
    return [
        (c.one(".care-card__label").text, c.one("h3").text, [li.text for li in c.select("li")])
        for c in parse(response).select(".care-card")
    ]


@pytest.fixture
def topic():
    return TopicFactory(name="Depression")


@pytest.fixture
def cards(topic):
    soon = CareCard.objects.create(
        name="soon", level="soon", heading="See a GP soon if:", points="low for 2 weeks"
    )
    urgent = CareCard.objects.create(
        name="urgent", level="urgent", heading="Call 999 if:", points="you are unsafe\nyou are hurt"
    )
    soon.topics.add(topic)
    urgent.topics.add(topic)
    return {"soon": soon, "urgent": urgent}


def test_topic_shows_its_cards_most_urgent_first_when_attached(client, topic, cards):
    assert shown(client.get(topic.get_absolute_url())) == [
        ("Urgent: get help now", "Call 999 if:", ["you are unsafe", "you are hurt"]),
        ("Soon: see a GP or specialist", "See a GP soon if:", ["low for 2 weeks"]),
    ]


def test_article_shows_its_topics_cards_and_its_own(client, topic, cards):
    own = CareCard.objects.create(
        name="self", level="self_care", heading="You can try:", points="rest"
    )
    article = PublishedArticleFactory(topics=[topic])
    own.articles.add(article)
    labels = [label for label, _, _ in shown(client.get(article.get_absolute_url()))]
    assert labels == [
        "Urgent: get help now",
        "Soon: see a GP or specialist",
        "You can look after yourself",
    ]


def test_card_on_two_topics_of_an_article_is_shown_once(client, topic, cards):
    other = TopicFactory()
    cards["urgent"].topics.add(other)
    article = PublishedArticleFactory(topics=[topic, other])
    assert len(shown(client.get(article.get_absolute_url()))) == 2


def test_pages_without_cards_show_no_when_to_get_help_section(client):
    topic = TopicFactory()
    assert "When to get help" not in client.get(topic.get_absolute_url()).content.decode()


def test_card_text_is_inert_when_an_editor_typed_html(client, topic):
    card = CareCard.objects.create(
        name="x", level="urgent", heading="<script>alert(1)</script>", points="<b>bold</b>"
    )
    card.topics.add(topic)
    response = client.get(topic.get_absolute_url())
    assert b"<script>alert(1)" not in response.content
    assert shown(response)[0][1:] == ("<script>alert(1)</script>", ["<b>bold</b>"])


@pytest.mark.usefixtures("page_cache_on")
def test_attaching_a_card_retires_the_cached_page_when_it_commits(client, topic, on_commit):
    assert shown(client.get(topic.get_absolute_url())) == []
    with on_commit():
        card = CareCard.objects.create(name="u", level="urgent", heading="Now:", points="a")
        card.topics.add(topic)
    assert len(shown(client.get(topic.get_absolute_url()))) == 1


def test_print_stylesheet_prints_cards_whole_with_labels_in_black(settings):
    css = (settings.BASE_DIR / "static" / "css" / "site.css").read_text()
    printed = css[css.rindex("@media print") :]
    assert ".care-card { border: 2px solid #000 !important; break-inside: avoid; }" in printed
    assert ".care-card__label { background: none !important; color: #000 !important;" in printed


def test_editors_attach_a_card_to_articles_here_and_to_topics_on_the_topics_page(client, topic):
    # Which cards a topic shows is reviewed with the topic (test_topic_workflow.py): the
    # card's page lists its topics but does not change them.
    article = PublishedArticleFactory(topics=[topic])
    client.force_login(EditorFactory())
    response = client.post(
        "/admin/articles/carecard/add/",
        {
            "name": "Depression: urgent",
            "level": "urgent",
            "heading": "Call 999 if:",
            "points": "you cannot keep yourself safe",
            "action": "",
            "display_order": 0,
            "topics": [topic.pk],
            "articles": [article.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    card = CareCard.objects.get(name="Depression: urgent")
    assert not card.topics.exists()
    assert list(card.articles.all()) == [article]
    page = client.get(f"/admin/articles/carecard/{card.pk}/change/").content.decode()
    assert "Attach it on a topic&#x27;s page" in page or "Attach it on a topic's page" in page


def test_level_outside_the_three_is_refused_by_the_database():
    with pytest.raises(Exception, match="articles_carecard_level_valid"):
        CareCard.objects.create(name="x", level="whenever", heading="h", points="p")
