"""Who can see and change what: every role against every admin and public URL, per state."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.models import Article
from tests.articles.desk_helpers import page_errors, press
from tests.articles.workflow_helpers import STATES, approve, article_in_state
from tests.factories import (
    ClinicianFactory,
    EditorFactory,
    LayEditorFactory,
    MedicalReviewerFactory,
    TopicFactory,
    UserFactory,
)
from tests.html import parse

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "author",
    "other-clinician",
    "editor",
    "superuser",
    "lay-editor",
    "medical-reviewer",
]
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
        # An editor with no clinical role; a medical reviewer who is not an editor.
        "lay-editor": LayEditorFactory(username="copy-editor"),
        "medical-reviewer": MedicalReviewerFactory(username="reviewer"),
    }
    return article, topic, people


def _opens(role, state) -> bool:
    """Whether the article's admin pages open for this person: its author, editors, and
    medical reviewers while it waits for review."""
    if role == "medical-reviewer":
        return state == "in_review"
    return role in {"author", "editor", "superuser", "lay-editor"}


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
    expected = 302 if role == "anonymous" else (200 if _opens(role, state) else 404)
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
    may_open = _opens(role, state)
    allowed = workflow.allowed_actions(article, person) if may_open else []
    if may_open:
        buttons = _workflow_buttons(client.get(change).content.decode())
        # The step forward first, as the sticky bar shows it.
        expected = sorted(allowed, key=lambda name: not workflow.ACTIONS[name].primary)
        assert buttons == [(name, workflow.ACTIONS[name].label) for name in expected]
    for name, action in workflow.ACTIONS.items():
        before = _row(article)
        with transaction.atomic():  # each action is tried on the same article
            # An assignment names someone who may review it: the medical reviewer.
            inputs = {**EVERY_INPUT, "reviewer": people["medical-reviewer"].pk}
            response = press(client, article, name, inputs)
            after = _row(article)
            transaction.set_rollback(True)
        said = [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]
        client.cookies.pop(CookieStorage.cookie_name, None)  # the redirect is not followed
        if role == "anonymous":
            assert response.status_code == 302 and reverse("admin:login") in response["Location"]
            assert after == before, name
            continue
        if not may_open:
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
    assert (article.pk in found) == _opens(role, "in_review")


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


def _view_on_site(obj):
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    return reverse("admin:view_on_site", args=[content_type.pk, obj.pk])


@pytest.mark.parametrize("state", ALL_STATES)
@pytest.mark.parametrize("role", ROLES)
def test_view_on_site_shortcut_redirects_only_where_the_change_page_opens(client, state, role):
    article, _, people = _setup(state)
    client = _as(client, people[role])
    response = client.get(_view_on_site(article))
    location = response.get("Location", "")
    if role == "anonymous":
        assert response.status_code == 302 and reverse("admin:login") in location
        assert article.slug not in location.replace(_view_on_site(article), "")
    elif not _opens(role, state):
        assert (response.status_code, location) == (404, "")
        assert article.slug.encode() not in response.content
        assert b"Secret plan" not in response.content
    else:
        assert (response.status_code, location) == (302, article.get_absolute_url())


@pytest.mark.parametrize("role", ["author", "other-clinician", "editor", "superuser"])
def test_view_on_site_shortcut_never_names_a_user(client, role):
    _, _, people = _setup("published")
    client = _as(client, people[role])
    for person in people.values():
        if person is None:
            continue
        response = client.get(_view_on_site(person))
        assert (response.status_code, response.get("Location")) == (404, None), person.username
        assert person.get_absolute_url().encode() not in response.content


@pytest.mark.parametrize("role", ["author", "editor", "superuser"])
def test_view_on_site_shortcut_is_404_for_unknown_ids(client, role):
    article, _, people = _setup("draft")
    client = _as(client, people[role])
    content_type = ContentType.objects.get_for_model(Article).pk
    for args in (
        [content_type, article.pk + 1000],
        [content_type, "not-a-number"],
        [content_type, 10**30],
        [10**30, article.pk],
        [ContentType.objects.get_for_model(ContentType).pk, content_type],
    ):
        response = client.get(reverse("admin:view_on_site", args=args))
        assert (response.status_code, response.get("Location")) == (404, None), args


def test_view_on_site_link_of_a_topic_still_leads_to_its_page(client):
    _, topic, people = _setup("published")
    client = _as(client, people["editor"])
    page = client.get(reverse("admin:articles_topic_change", args=[topic.pk]))
    assert _view_on_site(topic) in page.content.decode()
    response = client.get(_view_on_site(topic))
    assert (response.status_code, response["Location"]) == (302, topic.get_absolute_url())


# --- the user admin: editors look colleagues up; only admins see accounts --------------------


def _user_admin_people():
    _, _, people = _setup("draft")
    people["root"] = people.pop("superuser")
    people["root"].email = "root-private@example.org"
    people["root"].first_name = people["root"].last_name = ""
    people["root"].save()
    people["people-admin"] = UserFactory(username="peopleadmin")
    people["people-admin"].user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="accounts", codename__in=["view_user", "change_user"]
        )
    )
    return {role: person for role, person in people.items() if person is not None}


def _emails(people):
    return [person.email.encode() for person in people.values()]


def test_editors_see_names_credentials_and_roles_but_no_account_details(client):
    people = _user_admin_people()
    client.force_login(people["editor"])
    response = client.get(reverse("admin:accounts_user_changelist"))
    page = response.content
    assert response.status_code == 200
    assert [e for e in _emails(people) if e in page] == []
    assert people["author"].get_full_name().encode() in page and b"Clinicians" in page
    assert b"(no name given)" in page  # the superuser without a name: no username instead
    for leak in (b"root", b"is_superuser", b"is_staff", b"Staff status", b"Superuser status"):
        assert leak not in page, leak
    for person in people.values():
        response = client.get(reverse("admin:accounts_user_change", args=[person.pk]))
        assert response.status_code == 200
        assert person.email.encode() not in response.content
        assert b"Superuser status" not in response.content
        assert b"pbkdf2" not in response.content and b"Password" not in response.content


def test_editors_cannot_find_people_by_e_mail_or_account_flags(client):
    people = _user_admin_people()
    client.force_login(people["editor"])
    changelist = reverse("admin:accounts_user_changelist")
    response = client.get(changelist, {"q": "root-private@example.org"})
    assert list(response.context["cl"].result_list) == []
    for lookup in (
        {"email__startswith": "root"},
        {"email": "root-private@example.org"},
        {"username__startswith": "r"},
        {"is_superuser__exact": "1"},
        {"is_staff": "1"},
        {"password__startswith": "pbkdf2"},
    ):
        assert client.get(changelist, lookup).status_code == 400, lookup
    response = client.get(changelist, {"o": "5"})  # a column editors do not have: ignored
    assert [e for e in _emails(people) if e in response.content] == []
    response = client.get(changelist, {"groups__id__exact": people["author"].groups.get().pk})
    clinicians = {people["author"].pk, people["other-clinician"].pk}
    assert {u.pk for u in response.context["cl"].result_list} == clinicians


def test_the_author_autocomplete_gives_editors_names_only(client):
    people = _user_admin_people()
    client.force_login(people["editor"])
    url = reverse("admin:autocomplete")
    fields = {"app_label": "articles", "model_name": "article", "field_name": "author"}
    found = client.get(url, {**fields, "term": ""}).json()["results"]
    assert found and all("@" not in result["text"] for result in found)
    assert client.get(url, {**fields, "term": "root-private"}).json()["results"] == []
    assert client.get(url, {**fields, "term": "example.org"}).json()["results"] == []


@pytest.mark.parametrize("role", ["root", "people-admin"])
def test_people_who_administer_users_see_and_search_e_mail(client, role):
    people = _user_admin_people()
    client.force_login(people[role])
    changelist = reverse("admin:accounts_user_changelist")
    page = client.get(changelist).content
    assert [e for e in _emails(people) if e not in page] == []
    response = client.get(changelist, {"q": "root-private@example.org"})
    assert [u.pk for u in response.context["cl"].result_list] == [people["root"].pk]
    response = client.get(changelist, {"is_superuser__exact": "1"})
    assert [u.pk for u in response.context["cl"].result_list] == [people["root"].pk]
    change = client.get(reverse("admin:accounts_user_change", args=[people["author"].pk]))
    assert people["author"].email.encode() in change.content
