"""Pressing a step of a topic's review page (/admin/articles/topic/<pk>/review/) as a
browser would: the step's form as the page showed it, with its hidden fields (what the
person saw: workflow.fingerprint of the version on the page), and the step's inputs."""

from django.urls import reverse

from tests.html import parse


def review_url(topic):
    return reverse("admin:articles_topic_review", args=[topic.pk])


def opened(client, topic) -> dict[str, dict]:
    """Each step's hidden inputs on the review page as this client sees it now, by action
    name: keep it to press a step later, after someone else changed the text."""
    response = client.get(review_url(topic))
    assert response.status_code == 200
    return step_inputs(response)


def step_inputs(response) -> dict[str, dict]:
    """Each step's hidden inputs on a review page (`response`), by action name."""
    steps = {}
    for form in parse(response.content.decode()).select("form"):
        hidden = {
            element.get("name"): element.get("value") or ""
            for element in form.select("input")
            if element.get("type") == "hidden" and element.get("name")
        }
        hidden.pop("csrfmiddlewaretoken", None)
        action = hidden.pop("action", None)
        if action:
            steps[action] = hidden
    return steps


def press_step(client, topic, action, page=None, **inputs):
    """Post the step `action` with `inputs` (unprefixed names), from the page `page` (as
    opened() read it; the page as it is now when None)."""
    page = opened(client, topic) if page is None else page
    data = {"action": action, **page.get(action, {})}
    data.update({f"{action}-{name}": value for name, value in inputs.items()})
    return client.post(review_url(topic), data)
