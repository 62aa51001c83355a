"""Comments on passages (issue 21): a reviewer quotes words of the article's text and
comments; the author sees the comments beside the text, replies, resolves; comments follow
the text into the next version, or show as outdated; a request for changes gathers the
open ones. Staff only, never public."""

import pytest
from django.core import mail
from django.urls import reverse

from articles import anchors, comments
from articles.models import PassageComment, Status
from tests.articles.desk_helpers import change_url, form_data, press
from tests.articles.workflow_helpers import article_in_state
from tests.factories import ClinicianFactory, MedicalReviewerFactory
from tests.html import parse

pytestmark = pytest.mark.django_db

BODY = (
    "Ketamine can ease **depression** within hours.[^1] Ketamine is given in a clinic.\n\n"
    "You stay for two hours afterwards.\n\n[^1]: Smith J. A trial. *BMJ*. 2020;1:1."
)


@pytest.fixture
def article(clinician, editor):
    return article_in_state(Status.IN_REVIEW, author=clinician, approver=editor, body=BODY)


def comment_url(article, *parts):
    if not parts:
        return reverse("admin:articles_article_comment", args=[article.pk])
    step, comment_id = parts
    return reverse(f"admin:articles_article_comment_{step}", args=[article.pk, comment_id])


def side_list(client, article):
    page = parse(client.get(change_url(article)))
    return page.one(".desk__side #comments")


# --- anchoring (pure) ----------------------------------------------------------------------


def test_a_quote_from_the_rendered_preview_is_found_across_markup_and_paragraphs():
    html = "<p>Ketamine can ease <strong>depression</strong> within hours.</p>\n<p>You stay.</p>"
    text = anchors.plain_text(html)
    assert anchors.anchor(text, "ease depression  within\nhours. You") is not None
    assert anchors.anchor(text, "not there") is None


def test_a_repeated_passage_is_told_apart_by_its_surroundings():
    text = "Ketamine helps some people. Most say Ketamine helps quickly."
    found = anchors.anchor(text, "Ketamine helps", before="Most say", after="quickly")
    assert found.before.endswith("Most say ") and found.after.startswith(" quickly")


def test_a_linked_terms_hidden_definition_is_not_part_of_the_text():
    html = (
        '<p>Try <span class="term"><a class="term__link" href="/t/">esketamine</a>'
        '<span class="term__def" role="tooltip">A nasal spray.</span></span> today.</p>'
    )
    assert anchors.plain_text(html) == "Try esketamine today."


# --- the lifecycle -------------------------------------------------------------------------


def test_a_reviewer_comments_on_a_passage_and_the_author_sees_it_beside_the_text(
    client, article, editor, clinician
):
    client.force_login(editor)
    response = client.post(
        comment_url(article),
        {"quote": "ease depression within hours", "text": "Say <b>which</b> trial.", "after": "."},
    )
    assert response.status_code == 302 and response["Location"].endswith("#comments")
    comment = PassageComment.objects.get()
    assert (comment.author, comment.article_version, comment.revision.number) == (
        editor,
        article.version,
        1,
    )
    assert comment.before.endswith("Ketamine can ")

    client.force_login(clinician)
    side = side_list(client, article)
    assert side.one(".comment__quote mark").text == "ease depression within hours"
    assert "Say <b>which</b> trial." in side.one(".comment__text").text  # inert, as typed
    assert "(1 open)" in side.one("h2").text


def test_a_quote_written_in_markdown_is_found_too(client, article, editor):
    comments.add(article, by=editor, quote="ease **depression**", text="Bold?")
    assert PassageComment.objects.get().quote == "ease **depression**"


def test_the_author_replies_and_resolves(client, article, editor, clinician):
    thread = comments.add(article, by=editor, quote="two hours", text="Check this.")
    client.force_login(clinician)
    client.post(comment_url(article, "reply", thread.pk), {"text": "Checked: it is 2 hours."})
    client.post(comment_url(article, "resolve", thread.pk))
    thread.refresh_from_db()
    assert (thread.resolved_by, thread.resolved_at is not None) == (clinician, True)
    assert [r.text for r in thread.replies.all()] == ["Checked: it is 2 hours."]
    side = side_list(client, article)
    assert "Resolved by" in side.one(".comment--resolved").text
    assert "(0 open)" in side.one("h2").text


def test_comments_follow_the_text_into_the_next_version_or_show_as_outdated(
    client, editor, clinician
):
    article = article_in_state(Status.PUBLISHED, author=clinician, approver=editor, body=BODY)
    kept = comments.add(article, by=editor, quote="given in a clinic", text="Which clinics?")
    gone = comments.add(article, by=editor, quote="two hours afterwards", text="Source?")
    # A new version of the live article, edited through the desk: the second passage goes.
    client.force_login(clinician)
    new_body = BODY.replace("You stay for two hours afterwards.", "You stay a while.")
    client.post(change_url(article), {**form_data(article, body=new_body), "_continue": "1"})
    article.refresh_from_db()
    assert article.has_pending_changes
    threads = {t.comment.pk: t for t in comments.threads(article)}
    assert not threads[kept.pk].outdated and threads[gone.pk].outdated
    side = side_list(client, article)
    outdated = side.one(f"#comment-{gone.pk}")
    assert "Outdated" in outdated.text
    assert outdated.one(".comment__quote mark").text == "two hours afterwards"
    assert "Outdated" not in side.one(f"#comment-{kept.pk}").text


def test_request_changes_gathers_the_open_comments_into_the_event_and_the_email(
    client, article, editor, clinician, on_commit
):
    comments.add(article, by=editor, quote="two hours", text="Check <this>.")
    done = comments.add(article, by=editor, quote="given in a clinic", text="Fine.")
    comments.resolve(article, done.pk, by=clinician)
    client.force_login(editor)
    with on_commit():
        press(client, article, "request_changes", {"comment": "See my comments."})
    article.refresh_from_db()
    assert article.status == Status.CHANGES_REQUESTED
    event = article.events.order_by("-created_at", "-pk").first()
    assert [c["quote"] for c in event.details["comments"]] == ["two hours"]
    history = parse(client.get(change_url(article))).one(".event-comments").text
    assert "“two hours” — " in history and "Check <this>." in history
    (sent,) = [m for m in mail.outbox if m.subject.startswith("Changes requested")]
    assert "“two hours”" in sent.body and "Check <this>." in sent.body


# --- permissions and bad input -------------------------------------------------------------


def test_who_may_comment(client, article, editor, clinician):
    stranger = ClinicianFactory()
    reviewer = MedicalReviewerFactory()
    assert comments.may_comment(article, editor)
    assert comments.may_comment(article, clinician)
    assert comments.may_comment(article, reviewer)  # in review: theirs to sign off
    assert not comments.may_comment(article, stranger)
    client.force_login(stranger)
    assert client.post(comment_url(article), {"quote": "two hours", "text": "x"}).status_code == 404
    client.logout()
    response = client.post(comment_url(article), {"quote": "two hours", "text": "x"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not PassageComment.objects.exists()


def test_a_medical_reviewer_may_not_comment_once_it_left_review(clinician, editor):
    reviewer = MedicalReviewerFactory()
    draft = article_in_state(Status.DRAFT, author=clinician, body=BODY)
    assert not comments.may_comment(draft, reviewer)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"quote": "not in the text at all", "text": "x"}, "not in this version"),
        ({"quote": "two hours", "text": "   "}, "Write a comment first."),
        ({"quote": "", "text": "Hello"}, "Quote the passage"),
    ],
)
def test_bad_comments_are_refused_with_a_message_and_the_words_kept(
    client, article, editor, data, message
):
    client.force_login(editor)
    response = client.post(comment_url(article), data, follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PassageComment.objects.exists()
    box = parse(response).one("#comment-text")
    assert box.value.strip() == data["text"].strip()


def test_a_reply_to_a_comment_of_another_article_is_refused(client, article, editor, clinician):
    other = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor, body=BODY)
    thread = comments.add(other, by=editor, quote="two hours", text="x")
    client.force_login(editor)
    client.post(comment_url(article, "reply", thread.pk), {"text": "hi"})
    assert not thread.replies.exists()


def test_comments_are_never_on_public_pages(client, editor, clinician):
    article = article_in_state(Status.PUBLISHED, author=clinician, approver=editor, body=BODY)
    comments.add(article, by=editor, quote="two hours", text="SECRET-REVIEW-NOTE")
    for url in (article.get_absolute_url(), "/feed/", "/feed/atom/"):
        assert "SECRET-REVIEW-NOTE" not in client.get(url).content.decode(), url
    # A search for the comment's words finds nothing (the query itself is echoed).
    found = client.get("/search/", {"q": "SECRET-REVIEW-NOTE"}).content.decode()
    assert article.title not in found


def test_open_comments_for_the_author(article, editor, clinician):
    comments.add(article, by=editor, quote="two hours", text="x")
    assert [c.text for c in comments.open_comments_for(clinician)] == ["x"]
    assert list(comments.open_comments_for(editor)) == []
