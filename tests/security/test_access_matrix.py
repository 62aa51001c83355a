"""Who can see and change what: every role against every admin and public URL, per state."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.models import Article
from tests.articles.desk_helpers import page_errors, press
from tests.articles.workflow_helpers import STATES, approve, article_in_state
from tests.factories import ClinicianFactory, EditorFactory, TopicFactory, UserFactory
from tests.html import parse

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "author", "other-clinician", "editor", "superuser"]
ALL_STATES = [*STATES, "scheduled"]


def _setup(state):
    author = ClinicianFactory(username="author")
    topic = TopicFactory(name="Esketamine")
    if state == "scheduled":
        article = article_in_state("in_review", author=author, topics=[topic], title="Secret plan")
        approve(
            article=article,
            by=EditorFactory(username="scheduler"),
            at=timezone.now() + datetime.timedelta(days=3),
        )
    else:
        article = article_in_state(state, author=author, topics=[topic], title="Secret plan")
    article.refresh_from_db()
    people = {
        "anonymous": None,
        "author": author,
        "other-clinician": ClinicianFactory(username="other"),
        "editor": EditorFactory(username="editor"),
        "superuser": UserFactory(username="root", is_superuser=True),
    }
    return article, topic, people


def _as(client, person):
    if person is not None:
        client.force_login(person)
    return client


@pytest.mark.parametrize("state", ALL_STATES)
@pytest.mark.parametrize("role", ROLES)
def test_public_urls_show_an_article_only_when_it_is_public(client, state, role):
    article, topic, people = _setup(state)
    client = _as(client, people[role])
    public = article.is_public
    assert client.get(article.get_absolute_url()).status_code == (200 if public else 404)
    for url in (
        "/",
        topic.get_absolute_url(),
        reverse("articles:search") + "?q=secret+plan",
        "/feed/",
        topic.get_absolute_url() + "feed/",
        "/sitemap.xml",
        article.author.get_absolute_url(),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response) if response.streaming else response.content
        assert (b"Secret plan" in body or article.slug.encode() in body) == public, url


@pytest.mark.parametrize("state", ALL_STATES)
@pytest.mark.parametrize("role", ROLES)
def test_admin_urls_open_only_for_the_author_and_editors(client, state, role):
    article, _, people = _setup(state)
    client = _as(client, people[role])
    expected = {"anonymous": 302, "author": 200, "other-clinician": 404}.get(role, 200)
    for url in (
        reverse("admin:articles_article_change", args=[article.pk]),
        reverse("admin:articles_article_history", args=[article.pk]),
        reverse("admin:articles_article_preview", args=[article.pk]),
        reverse("admin:articles_article_preview", args=[article.pk]) + "?revision=1",
    ):
        if url.endswith("revision=1") and state == "draft" and expected == 200:
            continue  # a draft has no submitted version yet
        response = client.get(url)
        assert response.status_code == expected, (url, response.status_code)
        if expected == 302:
            assert reverse("admin:login") in response["Location"]


def _workflow_buttons(page: str) -> list[tuple[str, str]]:
    """The workflow buttons of the change page's one form: (action name, label), in order."""
    return [
        (button.get("value"), button.text)
        for button in parse(page).select("form#article_form button[name=_workflow]")
    ]


# Everything any action's form asks for; each form takes the inputs it needs.
EVERY_INPUT = {"comment": "Checked against the sources.", "checklist": list(workflow.CHECKLIST)}


def _row(article):
    values = Article.objects.filter(pk=article.pk).values(
        "status", "live", "version", "published_at", "last_reviewed", "next_review_due"
    )
    return {**values.get(), "events": article.events.count()}


@pytest.mark.parametrize("state", ALL_STATES)
@pytest.mark.parametrize("role", ROLES)
def test_admin_workflow_buttons_and_posts_follow_the_registry(client, state, role):
    article, _, people = _setup(state)
    person = people[role]
    client = _as(client, person)
    change = reverse("admin:articles_article_change", args=[article.pk])
    may_open = role in {"author", "editor", "superuser"}
    allowed = workflow.allowed_actions(article, person) if may_open else []
    if may_open:
        buttons = _workflow_buttons(client.get(change).content.decode())
        # The step forward first, as the sticky bar shows it.
        expected = sorted(allowed, key=lambda name: not workflow.ACTIONS[name].primary)
        assert buttons == [(name, workflow.ACTIONS[name].label) for name in expected]
    for name, action in workflow.ACTIONS.items():
        before = _row(article)
        with transaction.atomic():  # each action is tried on the same article
            response = press(client, article, name, EVERY_INPUT)
            after = _row(article)
            transaction.set_rollback(True)
        said = [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]
        client.cookies.pop(CookieStorage.cookie_name, None)  # the redirect is not followed
        if role == "anonymous":
            assert response.status_code == 302 and reverse("admin:login") in response["Location"]
            assert after == before, name
            continue
        if role == "other-clinician":
            assert response.status_code == 404, name
            assert after == before, name
            continue
        if name in allowed:
            assert response.status_code == 302, (name, page_errors(response))
            assert response["Location"] == change, name
            assert after["status"] == (action.to_state or before["status"]), name
            assert after["events"] == before["events"] + 1, name
            assert [level for level, _ in said] == ["success"], (name, said)
            continue
        # Refused: the page comes back, the reason at its top, and nothing changed.
        assert response.status_code == 200, name
        assert after == before, name
        with pytest.raises(workflow.TransitionNotAllowed) as refused:
            workflow.check_action(article, name=name, by=person)
        assert page_errors(response) == [str(refused.value)], name


@pytest.mark.parametrize("role", ROLES)
def test_admin_search_finds_only_what_the_person_may_see(client, role):
    article, _, people = _setup("in_review")
    client = _as(client, people[role])
    response = client.get(reverse("admin:articles_article_changelist") + "?q=Secret")
    if role == "anonymous":
        assert response.status_code == 302
        return
    found = [a.pk for a in response.context["cl"].result_list]
    assert (article.pk in found) == (role in {"author", "editor", "superuser"})


@pytest.mark.parametrize("role", ["author", "other-clinician", "editor"])
def test_guessed_ids_of_missing_articles_are_404(client, role):
    _, _, people = _setup("draft")
    client = _as(client, people[role])
    missing = Article.objects.order_by("-pk").first().pk + 1000
    for url in (
        reverse("admin:articles_article_change", args=[missing]),
        reverse("admin:articles_article_preview", args=[missing]),
    ):
        assert client.get(url).status_code == 404


@pytest.mark.parametrize("role", ["other-clinician", "author"])
def test_clinicians_cannot_reach_people_groups_or_review_queue(client, role):
    _, _, people = _setup("draft")
    client = _as(client, people[role])
    for url in (
        reverse("admin:accounts_user_changelist"),
        reverse("admin:auth_group_changelist"),
        reverse("admin:articles_reviewqueueitem_changelist"),
        reverse("admin:articles_dueforreviewitem_changelist"),
    ):
        assert client.get(url).status_code == 403, url


def test_editors_can_view_but_never_change_people(client):
    _, _, people = _setup("draft")
    client = _as(client, people["editor"])
    author = people["author"]
    change = reverse("admin:accounts_user_change", args=[author.pk])
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200
    response = client.post(change, {"username": "hijacked", "is_superuser": "on"})
    assert response.status_code == 403
    author.refresh_from_db()
    assert author.username == "author" and not author.is_superuser
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403


def test_topic_autocomplete_needs_a_staff_login(client):
    url = reverse("admin:autocomplete") + (
        "?app_label=articles&model_name=article&field_name=topics&term=esk"
    )
    assert client.get(url).status_code == 302
