"""Pressing the article change page's buttons as a browser would: the one form, posted
with the text as it is on screen and the pressed action's name and inputs."""

from django.urls import reverse

from articles import workflow
from tests.html import parse


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def form_data(article, **overrides):
    """The change form's fields as the page shows them: the working text of the article."""
    article.refresh_from_db()
    content = workflow.working_content(article)
    data = {
        "title": content.title,
        "summary": content.summary,
        "body": content.body,
        "topics": list(content.topic_ids),
        "loaded_version": article.version,
    }
    if not article.live:  # a live article's address and audience are read-only
        data.update(slug=article.slug, audience=article.audience)
    # What a sign-off or an approval is of: the text the page shows.
    for name, action in workflow.ACTIONS.items():
        if action.signs_text:
            data[f"{name}-seen"] = workflow.fingerprint(content)
    data.update(overrides)
    return data


def on_screen(client, article) -> dict | None:
    """The change form's fields as the page shows them to this client, or None if the page
    is not theirs to see."""
    response = client.get(change_url(article))
    if response.status_code != 200:
        return None
    form = parse(response.content.decode()).one("form#article_form")
    data: dict = {}
    for element in form.select("input[name]"):
        if element.get("form") not in (None, "article_form"):
            continue  # it belongs to another form (a comment beside the text)
        kind = element.get("type")
        if kind in ("checkbox", "radio"):
            if element.get("checked") is not None:
                data.setdefault(element.get("name"), []).append(element.get("value"))
        elif kind not in ("submit", "button"):
            data[element.get("name")] = element.get("value") or ""
    for element in form.select("textarea[name]"):
        if element.get("form") not in (None, "article_form"):
            continue
        data[element.get("name")] = element.value
    for element in form.select("select[name]"):
        chosen = [o.get("value") for o in element.select("option") if o.get("selected") is not None]
        data[element.get("name")] = chosen if element.get("multiple") is not None else chosen[:1]
    data.pop("csrfmiddlewaretoken", None)
    return data


BROWSER_TEXTAREAS = ("summary", "body")


def press(client, article, action, inputs=None, **overrides):
    """Post the change form with the button of workflow action `action` pressed: the fields
    as the page shows them (or as the article holds them, for someone the page refuses),
    changed by `overrides`, and the action's own inputs."""
    data = on_screen(client, article) or form_data(article)
    # As a browser submits a textarea: its line breaks as "\r\n" (HTML's form encoding).
    for name in BROWSER_TEXTAREAS:
        if isinstance(data.get(name), str):
            data[name] = data[name].replace("\r\n", "\n").replace("\n", "\r\n")
    data.update(overrides)
    data["_workflow"] = action
    for name, value in (inputs or {}).items():
        data[f"{action}-{name}"] = value
    return client.post(change_url(article), data)


def page_errors(response) -> list[str]:
    """The reasons a refused press shows at the top of the page it returns."""
    if response.context is None:
        return []
    said = []
    if response.context.get("refusal"):
        said.append(response.context["refusal"])
    adminform = response.context.get("adminform")
    if adminform is not None:
        said += [str(e) for e in adminform.form.non_field_errors()]
    return said
