import inspect

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from pytest_django.asserts import assertContains

from articles import workflow
from articles.forms import action_form
from articles.models import Article, Revision, Status
from tests.articles.desk_helpers import change_url, form_data, page_errors, press
from tests.articles.workflow_helpers import article_in_state
from tests.factories import ArticleFactory, ClinicianFactory, TopicFactory
from tests.html import parse

pytestmark = pytest.mark.django_db


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_clinician_sees_only_own_articles_when_listing(client, clinician, other_clinician):
    mine = ArticleFactory(author=clinician, title="Mine")
    ArticleFactory(author=other_clinician, title="Theirs")
    client.force_login(clinician)
    response = client.get(reverse("admin:articles_article_changelist"))
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [mine]
    assert "My articles" in response.content.decode()


def test_editor_sees_all_articles_when_listing(client, clinician, other_clinician, editor):
    ArticleFactory(author=clinician)
    ArticleFactory(author=other_clinician)
    client.force_login(editor)
    response = client.get(reverse("admin:articles_article_changelist"))
    assert response.context["cl"].result_count == 2


def test_clinician_gets_404_when_opening_another_authors_article(
    client, clinician, other_clinician
):
    theirs = ArticleFactory(author=other_clinician)
    client.force_login(clinician)
    assert client.get(change_url(theirs)).status_code == 404


def test_forged_edit_of_another_authors_article_is_refused(client, clinician, other_clinician):
    theirs = ArticleFactory(author=other_clinician, title="Original")
    client.force_login(clinician)
    response = client.post(change_url(theirs), form_data(theirs, title="Defaced"))
    assert response.status_code == 404
    assert Article.objects.get(pk=theirs.pk).title == "Original"


def test_forged_transition_on_another_authors_article_is_404(client, clinician, other_clinician):
    theirs = article_in_state(Status.DRAFT, author=other_clinician)
    client.force_login(clinician)
    response = press(client, theirs, "submit")
    assert response.status_code == 404
    assert Article.objects.get(pk=theirs.pk).status == Status.DRAFT


def test_clinician_cannot_publish_own_article_by_forcing_the_url(client, clinician):
    article = article_in_state(Status.IN_REVIEW, author=clinician)
    client.force_login(clinician)
    response = press(client, article, "publish")
    assert response.status_code == 200
    # The rule is checked before the form: the reason given is the rule, not the checklist.
    assert page_errors(response) == ["Only an editor can approve and publish it."]
    assert Article.objects.get(pk=article.pk).status == Status.IN_REVIEW


def test_unknown_action_is_refused_with_a_message_and_changes_nothing(client, clinician, editor):
    article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
    client.force_login(editor)
    response = press(client, article, "delete", {"comment": "Gone."})
    assert response.status_code == 200
    assert page_errors(response) == ["There is no workflow action called “delete”."]
    after = Article.objects.get(pk=article.pk)
    assert (after.status, after.version) == (Status.IN_REVIEW, article.version)
    assert after.events.count() == article.events.count()


@pytest.mark.parametrize("name", list(workflow.ACTIONS))
def test_each_action_form_gives_the_keyword_arguments_of_its_function(name, editor):
    action = workflow.ACTIONS[name]
    form = action_form(
        action,
        {
            f"{name}-comment": "Checked.",
            f"{name}-checklist": list(workflow.CHECKLIST),
            f"{name}-reviewer": editor.pk,
        },
    )
    assert form.is_valid(), form.errors
    inspect.signature(action.perform).bind(article=None, by=None, **form.arguments())


def test_each_button_shows_its_registry_label_and_sends_its_action(client, clinician, editor):
    # A live article whose new version is in review: four actions at once.
    article = article_in_state(Status.PUBLISHED, author=clinician, approver=editor)
    workflow.edit_article(
        article=article,
        by=clinician,
        content=workflow.Content("New title", article.summary, article.body, []),
        expected_version=article.version,
    )
    workflow.submit_for_review(article=article, by=clinician)
    article.refresh_from_db()
    client.force_login(editor)
    response = client.get(change_url(article))
    allowed = workflow.allowed_actions(article, editor)
    assert allowed == [
        "request_changes",
        "clinical_review",
        "assign",
        "take_review",
        "publish",
        "archive",
        "reconfirm",
    ]
    for name in allowed:
        action = workflow.ACTIONS[name]
        css = "button default" if action.primary else "button"
        assertContains(
            response,
            f'<button type="submit" class="{css}" name="_workflow" value="{name}">'
            f"{action.label}</button>",
            html=True,
        )


def test_a_get_with_an_action_name_takes_no_action(client, clinician, editor):
    article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
    client.force_login(editor)
    assert client.get(change_url(article) + "?_workflow=publish").status_code == 200
    assert Article.objects.get(pk=article.pk).status == Status.IN_REVIEW


def test_anonymous_is_sent_to_login_when_posting_a_transition(client, clinician):
    article = article_in_state(Status.DRAFT, author=clinician)
    response = press(client, article, "submit")
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
    assert Article.objects.get(pk=article.pk).status == Status.DRAFT


def test_clinician_sees_submit_but_no_publish_button(client, clinician):
    article = article_in_state(Status.DRAFT, author=clinician)
    client.force_login(clinician)
    page = client.get(change_url(article)).content.decode()
    assert "Submit for review" in page
    assert "Approve and publish" not in page


def test_editor_sees_publish_and_request_changes_buttons_when_in_review(client, clinician, editor):
    article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
    client.force_login(editor)
    page = client.get(change_url(article)).content.decode()
    assert "Approve and publish" in page
    assert "Request changes" in page


def test_clinician_submits_then_editor_publishes_through_the_admin(client, clinician, editor):
    article = article_in_state(Status.DRAFT, author=clinician)
    client.force_login(clinician)
    assert press(client, article, "submit").status_code == 302
    client.force_login(editor)
    response = press(
        client,
        article,
        "publish",
        {
            "publish_at": "",
            "checklist": ["accurate", "plain_language", "no_promotion", "disclosures"],
        },
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED and article.is_public
    assert any("published" in m for m in messages_of(response))


@pytest.mark.parametrize("publish_at", ["9999-06-01T10:00", "2001-01-01T10:00"])
def test_publish_time_out_of_range_is_refused_with_a_message(client, clinician, editor, publish_at):
    article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
    client.force_login(editor)
    response = press(
        client,
        article,
        "publish",
        {
            "publish_at": publish_at,
            "checklist": ["accurate", "plain_language", "no_promotion", "disclosures"],
        },
    )
    assert response.status_code == 200
    errors = response.context["workflow_actions"][0][1].errors["publish_at"]
    assert any("past" in m or "two years" in m for m in errors)
    assert Article.objects.get(pk=article.pk).status == Status.IN_REVIEW


def test_request_changes_without_comment_shows_an_error(client, clinician, editor):
    article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
    client.force_login(editor)
    response = press(client, article, "request_changes", {"comment": ""})
    assert "Say what needs to change: a comment is required." in response.content.decode()
    assert Article.objects.get(pk=article.pk).status == Status.IN_REVIEW


def test_clinician_sees_the_editors_comment_when_changes_requested(client, clinician, editor):
    article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
    workflow.request_changes(article=article, by=editor, comment="Please cite the <b>trial</b>.")
    client.force_login(clinician)
    page = client.get(change_url(article)).content.decode()
    assert "Please cite the &lt;b&gt;trial&lt;/b&gt;." in page
    assert "<b>trial</b>" not in page


def test_crafted_post_cannot_set_status_author_or_reviewer(
    client, clinician, other_clinician, editor
):
    article = article_in_state(Status.DRAFT, author=clinician)
    client.force_login(clinician)
    data = form_data(
        article,
        status=Status.PUBLISHED,
        live="on",
        author=other_clinician.pk,
        medical_reviewer=editor.pk,
        published_at="2020-01-01 00:00",
    )
    response = client.post(change_url(article), data)
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Status.DRAFT and not article.live
    assert article.author == clinician and article.medical_reviewer is None
    assert article.published_at is None


def test_editing_a_live_article_in_the_admin_keeps_readers_on_the_approved_text(
    client, clinician, editor
):
    article = article_in_state(
        Status.PUBLISHED, author=clinician, approver=editor, title="Approved"
    )
    client.force_login(clinician)
    response = client.post(change_url(article), form_data(article, title="Pending"))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "Approved"
    assert article.status == Status.DRAFT and article.live
    assert Revision.objects.get(article=article, submitted_at__isnull=True).title == "Pending"
    assert "Approved" in client.get(article.get_absolute_url()).content.decode()
    # The form shows the pending text to the people editing it.
    assert 'value="Pending"' in client.get(change_url(article)).content.decode()


def test_editor_sees_changes_since_the_approved_version(client, clinician, editor):
    article = article_in_state(Status.PUBLISHED, author=clinician, approver=editor)
    workflow.edit_article(
        article=article,
        by=clinician,
        content=workflow.Content(
            article.title, article.summary, "A <new> line.[^1]\n\n[^1]: Source.", []
        ),
        expected_version=article.version,
    )
    workflow.submit_for_review(article=article, by=clinician)
    client.force_login(editor)
    page = parse(client.get(change_url(article)))
    assert page.one("#article-diff-heading").text.startswith(
        "Changes since the version approved on"
    )
    # The body as readers will see it (the unknown tag stripped), changed words marked.
    body = page.select(".article-diff__inline .article-diff__text")[-1]
    assert [e.text for e in body.select("ins")] == ["A line.", "Source."]
    assert [e.text for e in body.select("del")] == [
        "Some careful text.",
        "Smith J. A trial. BMJ. 2020;1:1.",
    ]
    assert page.select("new") == []


def test_adding_an_article_makes_the_clinician_its_author(client, clinician):
    topic = TopicFactory()
    client.force_login(clinician)
    response = client.post(
        reverse("admin:articles_article_add"),
        {
            "title": "Living with depression",
            "slug": "",
            "summary": "Practical help.",
            "body": "Text.[^1]\n\n[^1]: A source.",
            "audience": "patients",
            "topics": [topic.pk],
        },
    )
    assert response.status_code == 302
    article = Article.objects.get(title="Living with depression")
    assert article.author == clinician and article.status == Status.DRAFT
    assert list(article.topics.all()) == [topic]
    assert article.events.count() == 1


class TestPreview:
    def test_staff_preview_shows_pending_text_marked_as_preview(self, client, clinician, editor):
        article = article_in_state(Status.PUBLISHED, author=clinician, approver=editor)
        workflow.edit_article(
            article=article,
            by=clinician,
            content=workflow.Content("Draft headline", "s", "Draft body text", []),
            expected_version=article.version,
        )
        client.force_login(editor)
        response = client.get(reverse("admin:articles_article_preview", args=[article.pk]))
        page = response.content.decode()
        assert "Preview – this version is not public." in page
        assert "Draft body text" in page
        assert response["X-Robots-Tag"] == "noindex, nofollow"

    def test_preview_of_a_numbered_version(self, client, clinician, editor):
        article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
        client.force_login(editor)
        url = reverse("admin:articles_article_preview", args=[article.pk]) + "?revision=1"
        assert article.title in client.get(url).content.decode()

    def test_preview_of_another_authors_article_is_404_for_a_clinician(
        self, client, clinician, other_clinician
    ):
        theirs = ArticleFactory(author=other_clinician)
        client.force_login(clinician)
        url = reverse("admin:articles_article_preview", args=[theirs.pk])
        assert client.get(url).status_code == 404

    def test_preview_sends_anonymous_readers_to_login(self, client, clinician):
        article = ArticleFactory(author=clinician)
        url = reverse("admin:articles_article_preview", args=[article.pk])
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]


class TestReviewQueue:
    def test_lists_articles_in_review_oldest_first(self, client, clinician, editor):
        first = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
        second = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
        article_in_state(Status.DRAFT, author=clinician)
        client.force_login(editor)
        response = client.get(reverse("admin:articles_reviewqueueitem_changelist"))
        assert [a.pk for a in response.context["cl"].result_list] == [first.pk, second.pk]

    def test_is_closed_to_clinicians(self, client, clinician):
        client.force_login(clinician)
        response = client.get(reverse("admin:articles_reviewqueueitem_changelist"))
        assert response.status_code == 403

    def test_filters_by_topic(self, client, clinician, editor):
        topic = TopicFactory()
        on_topic = article_in_state(
            Status.IN_REVIEW, author=clinician, approver=editor, topics=[topic]
        )
        article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
        client.force_login(editor)
        url = reverse("admin:articles_reviewqueueitem_changelist") + f"?topic={topic.pk}"
        assert [a.pk for a in client.get(url).context["cl"].result_list] == [on_topic.pk]


def test_resubmission_shows_changes_since_the_version_the_editor_saw(client, clinician, editor):
    article = article_in_state(Status.CHANGES_REQUESTED, author=clinician, approver=editor)
    article.refresh_from_db()
    workflow.edit_article(
        article=article,
        by=clinician,
        content=workflow.Content(article.title, "A clearer summary", article.body, []),
        expected_version=article.version,
    )
    workflow.submit_for_review(article=article, by=clinician)
    client.force_login(editor)
    page = parse(client.get(change_url(article)))
    assert page.one("#article-diff-heading").text.startswith(
        "Changes since version 1, submitted on"
    )
    summary = page.one(".article-diff__inline").select(".article-diff__text")[0]
    assert [e.text for e in summary.select("ins")] == ["A clearer summary"]


def test_superuser_reassigns_an_article_by_picking_the_new_author(client, clinician, superuser):
    article = article_in_state(Status.DRAFT, author=clinician)
    successor = ClinicianFactory(username="successor", last_name="Successor")
    client.force_login(superuser)
    page = client.get(change_url(article)).content.decode()
    assert 'data-field-name="author"' in page  # the author field is an autocomplete
    autocomplete = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "articles", "model_name": "article", "field_name": "author", "term": "succ"},
    )
    assert [r["id"] for r in autocomplete.json()["results"]] == [str(successor.pk)]
    response = client.post(change_url(article), form_data(article, author=successor.pk))
    assert response.status_code == 302
    assert Article.objects.get(pk=article.pk).author == successor
