"""Forged fields and made-up workflow actions change nothing and leave a security event."""

import json
import logging

import pytest
from django.urls import reverse

from articles.admin import ACTION_FIELD
from articles.models import Article, Status
from hub.logging import JsonFormatter
from tests.articles.workflow_helpers import article_in_state
from tests.factories import ClinicianFactory, EditorFactory, UserFactory
from tests.html import parse

pytestmark = pytest.mark.django_db

FORGED = {
    "status": "published",
    "live": "on",
    "author": "999999",
    "medical_reviewer": "999999",
    "published_at": "1999-09-09 09:09",
}


def _events(caplog):
    return [r for r in caplog.records if r.name == "hub.security"]


def _as_a_browser_posts(page) -> dict:
    """What the page's article form sends when its Save button is pressed."""
    form = parse(page).one("form#article_form")
    data: dict[str, list[str]] = {}
    for element in form.select("input[name]") + form.select("textarea[name]"):
        kind = element.get("type") or "text"
        if kind in {"submit", "button", "reset"}:
            continue
        if element.get("form") not in (None, "article_form"):
            continue  # it belongs to another form (a comment beside the text)
        if kind in {"checkbox", "radio"} and element.get("checked") is None:
            continue
        value = element.text if element.tag == "textarea" else element.get("value") or ""
        data.setdefault(element.get("name"), []).append(value)
    for select in form.select("select[name]"):
        chosen = [o.get("value") for o in select.select("option") if o.get("selected") is not None]
        data[select.get("name")] = chosen
    data["_save"] = ["Save"]
    return data


@pytest.fixture
def draft():
    author = ClinicianFactory(username="author")
    return article_in_state(Status.DRAFT, author=author, title="Ketamine and sleep")


def test_saving_the_form_as_shown_is_no_event(client, caplog, draft):
    client.force_login(draft.author)
    change = reverse("admin:articles_article_change", args=[draft.pk])
    data = _as_a_browser_posts(client.get(change))
    data["title"] = ["Ketamine and sleep, revised"]
    with caplog.at_level(logging.INFO):
        response = client.post(change, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert [e.fields for e in _events(caplog)] == []
    draft.refresh_from_db()
    assert draft.title == "Ketamine and sleep, revised"


@pytest.mark.parametrize("role", ["author", "editor"])
def test_a_forged_status_is_ignored_and_logged_once(client, caplog, draft, role):
    person = draft.author if role == "author" else EditorFactory(username="editor")
    client.force_login(person)
    change = reverse("admin:articles_article_change", args=[draft.pk])
    data = {**_as_a_browser_posts(client.get(change)), **FORGED}
    with caplog.at_level(logging.INFO):
        response = client.post(change, data, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 302
    (event,) = _events(caplog)
    assert event.levelname == "WARNING"
    assert event.fields == sorted(FORGED)
    assert (event.actor, event.ip, event.path) == (person.pk, "203.0.113.7", change)
    line = JsonFormatter().format(event)
    assert json.loads(line)["fields"] == sorted(FORGED)
    for value in ('"published"', "999999", "1999-09-09"):
        assert value not in line  # names, never values
    after = Article.objects.get(pk=draft.pk)
    assert (after.status, after.live, after.author_id, after.medical_reviewer_id) == (
        Status.DRAFT,
        False,
        draft.author_id,
        None,
    )
    assert after.published_at is None


def test_a_forged_field_on_the_add_form_is_logged(client, caplog):
    clinician = ClinicianFactory(username="author")
    client.force_login(clinician)
    add = reverse("admin:articles_article_add")
    data = _as_a_browser_posts(client.get(add))
    data.update(title="New", summary="Short.", body="Text.")
    with caplog.at_level(logging.INFO):
        response = client.post(add, {**data, "author": str(UserFactory(username="other").pk)})
    assert response.status_code == 302, response.context["adminform"].form.errors
    (event,) = _events(caplog)
    assert event.fields == ["author"]
    assert Article.objects.get(title="New").author == clinician


def test_forged_names_are_few_short_and_printable_in_the_log(client, caplog, draft):
    client.force_login(draft.author)
    change = reverse("admin:articles_article_change", args=[draft.pk])
    data = _as_a_browser_posts(client.get(change))
    for i in range(100):
        data[f"x{i:03}\nFAKE LOG LINE {'y' * 200}"] = ["1"]
    with caplog.at_level(logging.INFO):
        client.post(change, data)
    (event,) = _events(caplog)
    assert len(event.fields) == 20
    assert all(len(name) <= 80 and "\n" not in name for name in event.fields)
    assert "\n" not in event.getMessage() and "and 80 more" in event.getMessage()


def _press(client, article, action, **inputs):
    """Post the article's page as shown, with the workflow button `action` pressed."""
    change = reverse("admin:articles_article_change", args=[article.pk])
    data = _as_a_browser_posts(client.get(change))
    del data["_save"]
    return client.post(change, {**data, ACTION_FIELD: action, **inputs})


@pytest.mark.parametrize("person", ["author", "editor"])
def test_a_made_up_workflow_action_is_refused_and_logged(client, caplog, draft, person):
    person = draft.author if person == "author" else EditorFactory(username="editor")
    client.force_login(person)
    with caplog.at_level(logging.INFO):
        response = _press(client, draft, "publish_now\nFAKE LOG LINE")
    assert response.status_code == 200  # the page again, with the reason
    (event,) = _events(caplog)
    assert (event.action, event.fields, event.actor) == ("publish_now?FAKE LOG LINE", [], person.pk)
    assert Article.objects.get(pk=draft.pk).status == Status.DRAFT


def test_a_real_action_the_person_may_not_take_is_a_refusal_not_an_event(client, caplog, draft):
    client.force_login(draft.author)
    with caplog.at_level(logging.INFO):
        response = _press(client, draft, "publish")
    assert response.status_code == 200
    assert _events(caplog) == []
    assert Article.objects.get(pk=draft.pk).status == Status.DRAFT


def test_taking_an_action_with_its_inputs_is_no_event(client, caplog):
    author = ClinicianFactory(username="author")
    article = article_in_state(Status.IN_REVIEW, author=author, title="Ketamine and sleep")
    client.force_login(EditorFactory(username="editor"))
    with caplog.at_level(logging.INFO):
        response = _press(
            client, article, "request_changes", **{"request_changes-comment": "Add a source."}
        )
    assert response.status_code == 302
    assert _events(caplog) == []
    assert Article.objects.get(pk=article.pk).status == Status.CHANGES_REQUESTED


def test_fields_read_only_in_some_states_are_no_event(client, caplog):
    # A live article's address and audience are fixed: a page opened before it went live
    # still sends them.
    author = ClinicianFactory(username="author")
    live = article_in_state(Status.PUBLISHED, author=author, title="Ketamine and sleep")
    client.force_login(author)
    change = reverse("admin:articles_article_change", args=[live.pk])
    data = _as_a_browser_posts(client.get(change))
    assert "slug" not in data
    with caplog.at_level(logging.INFO):
        response = client.post(change, {**data, "slug": "other-address", "audience": "patients"})
    assert response.status_code == 302
    assert _events(caplog) == []
    assert Article.objects.get(pk=live.pk).slug == live.slug


def test_inputs_an_action_shows_only_sometimes_are_no_event(client, caplog):
    # The approval's safe-messaging checkboxes appear only when the text has flags.
    author = ClinicianFactory(username="author")
    article = article_in_state(Status.IN_REVIEW, author=author, title="Ketamine and sleep")
    client.force_login(EditorFactory(username="editor"))
    with caplog.at_level(logging.INFO):
        _press(client, article, "publish", **{"publish-acknowledged_flags": "method"})
    assert _events(caplog) == []
