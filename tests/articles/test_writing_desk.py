"""The writing desk: every button acts on what is on screen, nothing typed is lost, and the
preview and checks beside the text come from the real pipeline."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import workflow
from articles.cache import clock, content_changed
from articles.models import Article, Autosave, Revision, Status, WorkflowEvent
from hub.ratelimit import running_slot
from tests.articles.desk_helpers import change_url, form_data, page_errors, press
from tests.articles.workflow_helpers import approve, article_in_state
from tests.factories import ArticleFactory, TopicFactory
from tests.html import parse

pytestmark = pytest.mark.django_db

CHECKLIST = list(workflow.CHECKLIST)
UNSOURCED = "Ketamine can help some people with depression."


def typed_values(response) -> dict:
    """What the returned page's form holds, as a browser would show it."""
    page = parse(response.content.decode())
    values = {}
    for element in page.select("textarea"):
        values[element.get("name")] = element.value
    for element in page.select("input[name]"):
        name = element.get("name")
        if element.get("type") == "checkbox":
            if element.get("checked") is not None:
                values.setdefault(name, []).append(element.get("value"))
        else:
            values[name] = element.get("value") or ""
    return values


class TestEveryActionActsOnWhatIsOnScreen:
    def test_editor_corrects_the_summary_and_approves_in_one_press(self, client, clinician, editor):
        article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
        client.force_login(editor)
        response = press(
            client,
            article,
            "publish",
            {"checklist": CHECKLIST},
            summary="The corrected summary readers must see.",
        )
        assert response.status_code == 302
        article.refresh_from_db()
        assert article.status == Status.PUBLISHED and article.is_public
        reader_page = client.get(article.get_absolute_url()).content.decode()
        assert "The corrected summary readers must see." in reader_page
        # The corrected text is the approved version, recorded as such.
        approved = article.revisions.get(approved_at__isnull=False)
        assert approved.summary == "The corrected summary readers must see."

    def test_clinician_adds_the_missing_source_line_and_submits(self, client, clinician):
        article = ArticleFactory(author=clinician, body=UNSOURCED)
        client.force_login(clinician)
        body = UNSOURCED + "[^1]\n\n[^1]: Smith J. Ketamine trial. BMJ. 2020."
        response = press(client, article, "submit", {"comment": "Ready."}, body=body)
        assert response.status_code == 302
        article.refresh_from_db()
        assert article.status == Status.IN_REVIEW
        assert article.body == body
        assert article.revisions.get().body == body

    def test_refused_submit_keeps_the_typed_text_and_saves_nothing(self, client, clinician):
        article = ArticleFactory(author=clinician, body=UNSOURCED, title="Before")
        client.force_login(clinician)
        response = press(
            client, article, "submit", {"comment": "Please look."}, title="Typed title"
        )
        assert response.status_code == 200
        assert any("Cite at least one source" in e for e in page_errors(response))
        typed = typed_values(response)
        assert typed["title"] == "Typed title"
        assert typed["submit-comment"] == "Please look."
        after = Article.objects.get(pk=article.pk)
        assert (after.title, after.status, after.version) == ("Before", Status.DRAFT, 1)

    def test_refused_approval_keeps_ticks_comment_dates_and_text(self, client, clinician, editor):
        article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
        version = Article.objects.get(pk=article.pk).version
        client.force_login(editor)
        response = press(
            client,
            article,
            "publish",
            {
                "checklist": ["accurate", "plain_language"],
                "comment": "Good piece; one fix.",
                "next_review_due": "2027-06-01",
            },
            summary="Corrected summary.",
        )
        assert response.status_code == 200
        typed = typed_values(response)
        assert typed["publish-checklist"] == ["accurate", "plain_language"]
        assert typed["publish-comment"] == "Good piece; one fix."
        assert typed["publish-next_review_due"] == "2027-06-01"
        assert typed["summary"] == "Corrected summary."
        # The reason is at the top and beside the checklist.
        assert any("needs more from you" in e for e in page_errors(response))
        assert "Complete the editorial checklist" in response.content.decode()
        after = Article.objects.get(pk=article.pk)
        assert (after.status, after.version) == (Status.IN_REVIEW, version)
        assert after.summary != "Corrected summary."

    def test_a_refusal_from_the_workflow_rolls_back_the_text_too(self, client, clinician, editor):
        body = "Her brother committed suicide.[^1]\n\n[^1]: Source."
        # A text about suicide needs a crisis notice (issue 18): this topic's.
        topic = TopicFactory(name="Grief", mental_health=True)
        article = article_in_state(
            Status.IN_REVIEW, author=clinician, approver=editor, topics=[topic]
        )
        client.force_login(editor)
        # The flag is in the text typed now, so the approval must acknowledge it.
        response = press(
            client,
            article,
            "publish",
            {"checklist": CHECKLIST, "flags_reason": "A quotation.", "grade_reason": "Short."},
            body=body,
        )
        assert response.status_code == 200
        assert any("committed suicide" in e for e in page_errors(response))
        assert typed_values(response)["body"] == body
        after = Article.objects.get(pk=article.pk)
        assert after.status == Status.IN_REVIEW and after.body != body
        # The page now asks about the flag, so a second press can acknowledge it.
        acknowledged = press(
            client,
            article,
            "publish",
            {
                "checklist": CHECKLIST,
                "acknowledged_flags": ["committed"],
                "flags_reason": "A quotation.",
                "grade_reason": "Short.",
            },
            body=body,
        )
        assert acknowledged.status_code == 302
        assert Article.objects.get(pk=article.pk).status == Status.PUBLISHED

    def test_a_double_press_makes_one_transition(self, client, clinician, editor):
        article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
        client.force_login(editor)
        data = form_data(article)
        data.update({"_workflow": "publish", "publish-checklist": CHECKLIST})
        first = client.post(change_url(article), data)
        second = client.post(change_url(article), data)
        assert (first.status_code, second.status_code) == (302, 200)
        published = WorkflowEvent.objects.filter(article=article, to_status=Status.PUBLISHED)
        assert published.count() == 1

    def test_stale_form_shows_both_versions_and_keeps_the_typed_text(
        self, client, clinician, editor
    ):
        article = article_in_state(Status.DRAFT, author=clinician, title="First title")
        stale = form_data(article, title="The clinician's title")
        workflow.edit_article(
            article=article,
            by=editor,
            content=workflow.Content("The editor's title", article.summary, article.body, []),
            expected_version=article.version,
        )
        client.force_login(clinician)
        response = client.post(change_url(article), stale)
        assert response.status_code == 200
        page = response.content.decode()
        assert "Their saved version, compared with your text" in page
        assert "The editor&#x27;s title" in page or "The editor's title" in page
        assert typed_values(response)["title"] == "The clinician's title"
        assert Article.objects.get(pk=article.pk).title == "The editor's title"
        # Having seen both, saving again replaces theirs.
        again = client.post(change_url(article), {**stale, **typed_values(response)})
        assert again.status_code == 302
        assert Article.objects.get(pk=article.pk).title == "The clinician's title"


class TestWithdraw:
    def test_author_withdraws_a_submission_nobody_has_acted_on(self, client, clinician):
        article = article_in_state(Status.IN_REVIEW, author=clinician)
        client.force_login(clinician)
        page = client.get(change_url(article)).content.decode()
        assert "Withdraw submission" in page
        response = press(client, article, "withdraw", {"comment": "Found a mistake."})
        assert response.status_code == 302
        article.refresh_from_db()
        assert article.status == Status.DRAFT
        event = article.events.order_by("-pk").first()
        assert (event.from_status, event.to_status, event.comment) == (
            Status.IN_REVIEW,
            Status.DRAFT,
            "Found a mistake.",
        )
        # Back to writing: the author may edit and submit again.
        assert workflow.can_edit(article, clinician)

    def test_a_submission_an_editor_has_edited_cannot_be_withdrawn(self, client, clinician, editor):
        article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
        workflow.edit_article(
            article=article,
            by=editor,
            content=workflow.Content("Copy-edited", article.summary, article.body, []),
            expected_version=Article.objects.get(pk=article.pk).version,
        )
        client.force_login(clinician)
        response = press(client, article, "withdraw")
        assert response.status_code == 200
        assert any("already worked on" in e for e in page_errors(response))
        assert Article.objects.get(pk=article.pk).status == Status.IN_REVIEW

    def test_withdrawing_a_live_articles_new_version_makes_it_editable_again(
        self, clinician, editor
    ):
        article = article_in_state(Status.PUBLISHED, author=clinician, approver=editor)
        workflow.edit_article(
            article=article,
            by=clinician,
            content=workflow.Content("New title", article.summary, article.body, []),
            expected_version=article.version,
        )
        workflow.submit_for_review(article=article, by=clinician)
        workflow.withdraw(article=article, by=clinician)
        article.refresh_from_db()
        assert article.status == Status.DRAFT and article.live
        assert workflow.open_revision(article).title == "New title"

    def test_only_the_author_may_withdraw(self, client, clinician, editor):
        article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
        assert "withdraw" not in workflow.allowed_actions(article, editor)
        with pytest.raises(workflow.TransitionNotAllowed):
            workflow.withdraw(article=article, by=editor)


class TestAutosave:
    def autosave_url(self, article=None):
        if article is None:
            return reverse("admin:articles_article_autosave_new")
        return reverse("admin:articles_article_autosave", args=[article.pk])

    def test_keeps_the_text_without_making_a_version_or_changing_the_page(
        self, client, clinician, editor
    ):
        article = article_in_state(Status.PUBLISHED, author=clinician, approver=editor)
        before = Article.objects.get(pk=article.pk)
        client.force_login(clinician)
        response = client.post(
            self.autosave_url(article),
            {"title": "Half-written", "summary": "s", "body": "Typing…"},
        )
        assert response.status_code == 200 and "time" in response.json()
        after = Article.objects.get(pk=article.pk)
        assert (after.version, after.status, after.title) == (
            before.version,
            before.status,
            before.title,
        )
        assert not Revision.objects.filter(article=article, submitted_at__isnull=True).exists()
        assert "Typing…" not in client.get(article.get_absolute_url()).content.decode()

    def test_is_offered_back_to_its_writer_only(self, client, clinician, editor):
        article = article_in_state(Status.DRAFT, author=clinician)
        client.force_login(clinician)
        client.post(self.autosave_url(article), {"title": "T", "summary": "S", "body": "Lost?"})
        page = client.get(change_url(article)).content.decode()
        assert "Unsaved text from" in page and "Lost?" in page
        client.force_login(editor)
        assert "Lost?" not in client.get(change_url(article)).content.decode()

    def test_saving_the_article_clears_it(self, client, clinician):
        article = ArticleFactory(author=clinician)
        client.force_login(clinician)
        client.post(self.autosave_url(article), {"title": "T", "summary": "S", "body": "B"})
        assert client.post(change_url(article), form_data(article)).status_code == 302
        assert not Autosave.objects.exists()

    def test_discard_forgets_it(self, client, clinician):
        article = ArticleFactory(author=clinician)
        client.force_login(clinician)
        client.post(self.autosave_url(article), {"title": "T", "summary": "S", "body": "B"})
        response = client.post(self.autosave_url(article), {"discard": "1"})
        assert response.status_code == 302 and not Autosave.objects.exists()

    def test_a_new_unsaved_article_is_kept_too(self, client, clinician):
        client.force_login(clinician)
        client.post(self.autosave_url(), {"title": "New", "summary": "", "body": "Draft"})
        page = client.get(reverse("admin:articles_article_add")).content.decode()
        assert "Unsaved text from" in page and "Draft" in page

    def test_is_404_for_an_article_the_person_may_not_edit(
        self, client, clinician, other_clinician, editor
    ):
        theirs = ArticleFactory(author=other_clinician)
        in_review = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
        client.force_login(clinician)
        for article in (theirs, in_review):
            response = client.post(self.autosave_url(article), {"body": "x"})
            assert response.status_code == 404
        assert not Autosave.objects.exists()

    def test_refuses_text_over_the_cap(self, client, clinician, settings):
        article = ArticleFactory(author=clinician)
        client.force_login(clinician)
        body = "x" * (settings.ARTICLE_BODY_MAX_CHARS + 1)
        response = client.post(self.autosave_url(article), {"body": body})
        assert response.status_code == 400 and not Autosave.objects.exists()


class TestLivePreview:
    url = "/admin/articles/article/live-preview/"

    def test_renders_linked_terms_and_sources_through_the_pipeline(
        self, client, clinician, esketamine
    ):
        client.force_login(clinician)
        body = "Esketamine is a nasal spray.[^1]\n\n[^1]: Smith J. Trial. BMJ. 2020."
        data = client.post(self.url, {"title": "T", "summary": "S", "body": body}).json()
        html = parse(data["html"])
        assert html.select("a.term__link") and html.select("section.sources li")
        assert data["title"] == "T"

    def test_hostile_markdown_is_inert(self, client, clinician):
        client.force_login(clinician)
        body = '<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror="y">'
        data = client.post(self.url, {"title": "<b>t</b>", "summary": "", "body": body}).json()
        html = parse(data["html"])
        assert not html.select("script") and not html.select("img")
        assert "javascript:" not in data["html"]
        assert "<b>" not in data["checks"]

    def test_a_megabyte_of_text_is_refused_with_a_message(self, client, clinician):
        client.force_login(clinician)
        response = client.post(self.url, {"title": "T", "summary": "", "body": "a" * 1_000_000})
        assert response.status_code == 400
        assert "longer than" in response.json()["error"]

    def test_needs_a_login(self, client):
        response = client.post(self.url, {"body": "x"})
        assert response.status_code == 302 and "/login/" in response["Location"]

    def test_the_preview_frame_may_be_framed_by_the_hub_only(self, client, clinician):
        client.force_login(clinician)
        response = client.get("/admin/articles/article/preview-frame/")
        assert response["X-Frame-Options"] == "SAMEORIGIN"
        assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
        # Every other admin page still refuses to be framed.
        other = client.get(reverse("admin:articles_article_changelist"))
        assert other["X-Frame-Options"] == "DENY"


class TestLabels:
    def test_change_page_reads_like_the_product(self, client, clinician):
        article = ArticleFactory(author=clinician)
        workflow.edit_article(
            article=article,
            by=clinician,
            content=workflow.Content(article.title, article.summary, article.body, []),
            expected_version=article.version,
        )
        WorkflowEvent.objects.create(
            article=article,
            actor=clinician,
            from_status=Status.DRAFT,
            to_status=Status.DRAFT,
            comment="Created.",
        )
        client.force_login(clinician)
        html = client.get(change_url(article)).content.decode()
        assert "{#" not in html and "{%" not in html  # no template syntax shown as text
        page = parse(html)
        labels = [label.text for label in page.select("label")]
        assert "Topics:" in labels and "Tags:" not in labels
        buttons = [b.text for b in page.select(".desk-bar button")]
        assert buttons == ["Save draft", "Submit for review"]
        assert not page.select("[name=_addanother]") and not page.select("[name=_saveasnew]")
        history = page.select(".timeline li")[-1].text
        assert "Created by" in history and "Draft → Draft" not in history


def live_article_with_new_versions(clinician, editor, versions):
    """A live article whose newest version is in review, after `versions` approved ones."""
    article = article_in_state(Status.PUBLISHED, author=clinician, approver=editor)
    for n in range(versions):
        article.refresh_from_db()
        workflow.edit_article(
            article=article,
            by=clinician,
            content=workflow.Content(f"Title {n}", article.summary, article.body, []),
            expected_version=article.version,
        )
        workflow.submit_for_review(article=article, by=clinician)
        if n < versions - 1:
            approve(article=article, by=editor)
    return article


def test_change_page_query_count_is_fixed(client, clinician, editor):
    """The editor's review page costs the same whatever the article's history."""
    short = live_article_with_new_versions(clinician, editor, 1)
    long = live_article_with_new_versions(clinician, editor, 4)
    client.force_login(editor)
    client.get(change_url(short))  # the session and content types, once
    counts = []
    for article in (short, long):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(change_url(article)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[0] <= 30, counts


@pytest.mark.parametrize("body", ["\x00" * 1000, "<" * 50_000, "[" * 50_000, "a\x00b[^1]\x00"])
def test_preview_of_control_characters_and_held_patterns_answers(client, clinician, body):
    client.force_login(clinician)
    response = client.post(
        "/admin/articles/article/live-preview/", {"title": "\x00", "summary": "", "body": body}
    )
    assert response.status_code in (200, 400)
    assert "<script" not in response.content.decode()


def test_unsaved_text_older_than_someone_elses_save_is_still_offered_with_a_warning(
    client, clinician, editor
):
    article = ArticleFactory(author=clinician)
    client.force_login(clinician)
    url = reverse("admin:articles_article_autosave", args=[article.pk])
    client.post(url, {"title": "T", "summary": "S", "body": "My unsaved paragraph."})
    article.refresh_from_db()
    workflow.edit_article(
        article=article,
        by=editor,
        content=workflow.Content("Editor's title", article.summary, article.body, []),
        expected_version=article.version,
    )
    page = client.get(change_url(article)).content.decode()
    assert "My unsaved paragraph." in page
    assert "The article has been saved since" in page


class TestPreviewLimits:
    def test_a_version_is_rendered_once_per_state_of_the_topics(
        self, client, clinician, editor, on_commit
    ):
        article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
        client.force_login(editor)
        url = reverse("admin:articles_article_preview", args=[article.pk]) + "?revision=1"
        assert client.get(url).status_code == 200
        key = "preview:{}:revision-1:{}:{}".format(article.pk, *clock())
        assert "Some careful text." in cache.get(key)
        # Kept: a second view is served from it, whatever it holds.
        cache.set(key, "<p>Kept rendering.</p>")
        assert "Kept rendering." in client.get(url).content.decode()
        # A topic changed: linked terms may differ, so the version is rendered again.
        with on_commit():
            content_changed()
        assert "Some careful text." in client.get(url).content.decode()

    def test_a_third_render_at_once_by_one_person_waits(self, client, clinician):
        client.force_login(clinician)
        who = f"user:{clinician.pk}"
        with (
            running_slot("live-preview", who, limit=2, timeout_seconds=60),
            running_slot("live-preview", who, limit=2, timeout_seconds=60),
        ):
            response = client.post(
                "/admin/articles/article/live-preview/", {"title": "", "summary": "", "body": "x"}
            )
        assert response.status_code == 429 and response["Retry-After"]
        again = client.post("/admin/articles/article/live-preview/", {"body": "x"})
        assert again.status_code == 200


def test_a_button_pressed_on_untouched_text_starts_no_new_version(client, clinician, editor):
    # A browser sends the body's line breaks as "\r\n"; what is stored has "\n".
    article = article_in_state(Status.PUBLISHED, author=clinician, approver=editor)
    versions = article.revisions.count()
    client.force_login(editor)

    response = press(client, article, "reconfirm")

    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.status, article.has_pending_changes) == (Status.PUBLISHED, False)
    assert article.revisions.count() == versions
    assert "\r" not in article.body
