"""The "Get help now" card: helplines editors keep, as tap-to-call and tap-to-text links,
on the pages where readers may need them (issue 19)."""

import pytest
from django.core.exceptions import ValidationError

from articles.models import Helpline
from tests.articles.crisis_helpers import card, links, uk_and_us_lines
from tests.factories import EditorFactory, PublishedArticleFactory, TopicFactory

pytestmark = pytest.mark.django_db

UK = ["tel:999", "tel:116123", "sms:85258"]


@pytest.fixture(autouse=True)
def lines():
    uk_and_us_lines()


@pytest.mark.parametrize("url", ["/", "/topics/", "/search/", "/search/?q=ketamine", "/contact/"])
def test_card_links_the_regions_lines_when_page_is_a_general_one(client, url):
    response = client.get(url)
    assert links(response) == UK + ["tel:988", "sms:988"]


def test_card_shows_the_site_region_first_and_others_apart(client):
    here = card(client.get("/")).select("ul.crisis-lines")[0]
    assert [a.get("href") for a in here.select("a")] == UK
    elsewhere = card(client.get("/")).one("details")
    assert elsewhere.one("summary").text == "Help outside the UK"
    assert [a.get("href") for a in elsewhere.select("a")] == ["tel:988", "sms:988"]


def test_card_shows_another_region_first_when_settings_say_so(client, settings):
    settings.CRISIS_REGION = "US"
    here = card(client.get("/")).select("ul.crisis-lines")[0]
    assert [a.get("href") for a in here.select("a")] == ["tel:988", "sms:988"]


def test_text_line_says_what_to_text_when_service_asks_for_a_word(client):
    shout = [a for a in card(client.get("/")).select("a") if a.get("href") == "sms:85258"]
    assert shout[0].text == "Text SHOUT to 85258"


def test_call_link_names_the_service_when_read_out_of_context(client):
    call = [a for a in card(client.get("/")).select("a") if a.get("href") == "tel:116123"]
    assert call[0].text == "Call Samaritans on 116 123"


def test_inactive_line_is_not_shown(client):
    Helpline.objects.filter(name="Samaritans").update(is_active=False)
    assert "tel:116123" not in links(client.get("/"))


@pytest.mark.parametrize(
    "fields",
    [{"mental_health": True}, {"safety_notice": "If you feel unsafe, call 999."}],
    ids=["mental health topic", "topic with a safety notice"],
)
def test_card_is_on_topic_and_its_articles_when_topic_needs_it(client, fields):
    topic = TopicFactory(**fields)
    article = PublishedArticleFactory(topics=[topic])
    for url in (topic.get_absolute_url(), article.get_absolute_url()):
        assert links(client.get(url))[:3] == UK, url


def test_safety_notice_editors_wrote_still_shows_with_the_card(client):
    topic = TopicFactory(safety_notice="Our own words for readers.", mental_health=True)
    response = client.get(topic.get_absolute_url())
    assert "Our own words for readers." in response.content.decode()
    assert card(response) is not None


def test_card_is_not_on_other_topics_nor_their_articles(client):
    topic = TopicFactory(name="Sprained ankle")
    article = PublishedArticleFactory(topics=[topic])
    assert card(client.get(topic.get_absolute_url())) is None
    assert card(client.get(article.get_absolute_url())) is None


def test_hostile_helpline_name_is_inert_text(client):
    Helpline.objects.create(name='<img src=x onerror="alert(1)">', phone="123", region="GB")
    response = client.get("/")
    assert b"<img src=x" not in response.content
    assert '<img src=x onerror="alert(1)">' in card(response).text


@pytest.mark.parametrize(
    "number", ["javascript:alert(1)", "116-123", "12", "+", "116 123;ext=1", "１１６"]
)
def test_number_is_refused_when_not_digits_spaces_and_plus(number):
    line = Helpline(name="X", phone=number, region="GB")
    with pytest.raises(ValidationError) as refused:
        line.full_clean()
    assert "phone" in refused.value.message_dict


def test_region_is_refused_when_not_a_country_code():
    with pytest.raises(ValidationError):
        Helpline(name="X", phone="999", region="uk").full_clean()


@pytest.mark.parametrize("field", ["phone", "text_number"])
def test_number_that_is_not_diallable_is_refused_by_the_database_too(field):
    with pytest.raises(Exception, match=f"articles_helpline_{field}_diallable"):
        Helpline.objects.create(name="Shell", region="GB", **{field: "javascript:alert(1)"})


def test_line_with_neither_number_is_refused_by_the_database():
    with pytest.raises(Exception, match="articles_helpline_reachable"):
        Helpline.objects.create(name="Nothing", region="GB")


def test_card_asks_no_query_when_lines_were_read_already(client, django_assert_num_queries):
    client.get("/contact/")  # reads the lines once for this cache generation
    with django_assert_num_queries(0):
        client.get("/contact/")


@pytest.mark.usefixtures("page_cache_on")
def test_helpline_edit_retires_cached_pages_when_it_commits(client, on_commit):
    topic = TopicFactory(mental_health=True)
    urls = ["/", "/topics/", "/contact/", topic.get_absolute_url()]
    for url in urls:
        assert "tel:116123" in links(client.get(url))
    with on_commit():
        line = Helpline.objects.get(name="Samaritans")
        line.phone = "116 999"
        line.save()
    for url in urls:
        assert "tel:116999" in links(client.get(url)), url


@pytest.mark.usefixtures("page_cache_on")
def test_deleted_helpline_leaves_cached_pages_when_it_commits(client, on_commit):
    assert "tel:116123" in links(client.get("/"))
    with on_commit():
        Helpline.objects.filter(name="Samaritans").delete()
    assert "tel:116123" not in links(client.get("/"))


def test_editors_may_manage_helplines(client):
    editor = EditorFactory()
    client.force_login(editor)
    response = client.post(
        "/admin/articles/helpline/add/",
        {
            "name": "Papyrus",
            "phone": "0800 068 4141",
            "region": "GB",
            "display_order": 5,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert Helpline.objects.filter(name="Papyrus", phone="0800 068 4141").exists()


def test_editor_gets_a_message_when_number_is_not_diallable(client):
    client.force_login(EditorFactory())
    response = client.post(
        "/admin/articles/helpline/add/",
        {"name": "Bad", "phone": "call us", "region": "GB", "display_order": 0},
    )
    assert response.status_code == 200
    assert "Use digits and spaces only" in response.content.decode()
    assert not Helpline.objects.filter(name="Bad").exists()
