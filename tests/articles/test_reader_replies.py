"""Replies to readers who report a problem (issue 21): an optional address, said why; the
editor's reply and the news of a resolution e-mailed and recorded; the address deleted
PROBLEM_REPORT_EMAIL_DAYS days after, the report kept."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from articles import reader_replies
from articles.models import ProblemReport, ReportReply
from tests.factories import PublishedArticleFactory
from tests.html import parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    return PublishedArticleFactory(title="Ketamine explained", slug="ketamine-explained")


def report_url(article):
    return f"{reverse('articles:report')}?article={article.slug}"


def change_url(report):
    return reverse("admin:articles_problemreport_change", args=[report.pk])


def test_the_form_says_why_the_address_is_asked_and_that_it_is_optional(client, article):
    page = parse(client.get(report_url(article)))
    assert "(optional)" in page.one("label[for=id_email]").text
    hint = page.one("#id_email-hint").text
    assert "delete it 30 days after we resolve" in hint


def test_a_report_without_an_address_is_kept(client, article):
    assert client.post(report_url(article), {"message": "A broken link."}).status_code == 302
    assert ProblemReport.objects.get().email == ""


def test_a_report_with_an_address_is_kept_with_it(client, article):
    client.post(report_url(article), {"message": "A broken link.", "email": "r@example.com"})
    assert ProblemReport.objects.get().email == "r@example.com"


def test_a_bad_address_is_explained_and_the_message_kept_on_screen(client, article):
    response = client.post(report_url(article), {"message": "A broken link.", "email": "r@"})
    assert response.status_code == 200
    page = parse(response)
    assert "like name@example.com" in page.one(".error-summary").text
    assert page.one("textarea[name=message]").value.strip() == "A broken link."
    assert not ProblemReport.objects.exists()


@pytest.fixture
def report(article):
    return ProblemReport.objects.create(
        article=article, message="The dose is <b>wrong</b>.", email="reader@example.com"
    )


def test_an_editor_replies_and_the_reader_gets_it_by_email_recorded(
    client, editor, report, on_commit
):
    client.force_login(editor)
    page = parse(client.get(change_url(report)))
    assert page.one("textarea[name=reply]")
    with on_commit():
        response = client.post(
            reverse("admin:articles_problemreport_reply", args=[report.pk]),
            {"reply": "Thanks, <script>x</script> we fixed the dose."},
        )
    assert response.status_code == 302
    (sent,) = mail.outbox
    assert sent.to == ["reader@example.com"]
    assert "we fixed the dose" in sent.body and "Ketamine explained" in sent.body
    reply = ReportReply.objects.get()
    assert (reply.sent_by, reply.kind) == (editor, "reply")
    history = client.get(change_url(report)).content.decode()
    assert "&lt;script&gt;x&lt;/script&gt;" in history and "<script>x" not in history


def test_no_reply_button_without_an_address_and_a_forged_reply_is_refused(
    client, editor, article, on_commit
):
    report = ProblemReport.objects.create(article=article, message="A broken link.")
    client.force_login(editor)
    page = parse(client.get(change_url(report)))
    assert not page.select("textarea[name=reply]")
    with on_commit():
        client.post(
            reverse("admin:articles_problemreport_reply", args=[report.pk]), {"reply": "Hello"}
        )
    assert not mail.outbox and not ReportReply.objects.exists()


def test_an_empty_reply_is_refused(client, editor, report, on_commit):
    client.force_login(editor)
    with on_commit():
        response = client.post(
            reverse("admin:articles_problemreport_reply", args=[report.pk]),
            {"reply": "   "},
            follow=True,
        )
    assert "Write the reply first." in response.content.decode()
    assert not mail.outbox


def test_clinicians_cannot_reply(client, clinician, report):
    client.force_login(clinician)
    response = client.post(
        reverse("admin:articles_problemreport_reply", args=[report.pk]), {"reply": "Hi"}
    )
    assert response.status_code in (302, 403, 404)
    assert not ReportReply.objects.exists()


def test_the_reader_is_told_when_the_report_is_resolved(client, editor, report, on_commit):
    client.force_login(editor)
    with on_commit():
        client.post(
            reverse("admin:articles_problemreport_changelist"),
            {"action": "mark_resolved", "_selected_action": [report.pk]},
        )
    report.refresh_from_db()
    assert (report.state, report.resolved_by) == ("resolved", editor)
    (sent,) = mail.outbox
    assert sent.to == ["reader@example.com"] and "resolved" in sent.body
    assert ReportReply.objects.get().kind == "resolved"


def test_resolving_from_the_change_form_tells_the_reader_once(client, editor, report, on_commit):
    client.force_login(editor)
    data = {"state": "resolved", "resolution_note": "Fixed."}
    with on_commit():
        client.post(change_url(report), data)
        client.post(change_url(report), data)
    report.refresh_from_db()
    assert (report.state, report.resolution_note, report.resolved_by) == (
        "resolved",
        "Fixed.",
        editor,
    )
    assert len(mail.outbox) == 1


def test_dismissing_sends_nothing(editor, report, on_commit):
    with on_commit():
        reader_replies.close(report, by=editor, state="dismissed")
    assert not mail.outbox


def test_addresses_are_deleted_after_the_set_days_once_and_the_report_kept(
    editor, report, article, settings
):
    settings.PROBLEM_REPORT_EMAIL_DAYS = 30
    reader_replies.close(report, by=editor, state="resolved")
    recent = ProblemReport.objects.create(article=article, message="x" * 10, email="b@example.com")
    reader_replies.close(recent, by=editor, state="resolved")
    still_open = ProblemReport.objects.create(
        article=article, message="y" * 10, email="c@example.com"
    )
    ProblemReport.objects.filter(pk=report.pk).update(
        resolved_at=timezone.now() - datetime.timedelta(days=31)
    )
    out = io.StringIO()
    call_command("purge_reader_addresses", stdout=out)
    assert "Deleted 1 " in out.getvalue()
    report.refresh_from_db()
    assert report.email == "" and report.email_deleted_at is not None
    assert report.message == "The dose is <b>wrong</b>."
    assert ProblemReport.objects.get(pk=recent.pk).email == "b@example.com"
    assert ProblemReport.objects.get(pk=still_open.pk).email == "c@example.com"
    out = io.StringIO()
    call_command("purge_reader_addresses", stdout=out)
    assert "Deleted 0 " in out.getvalue()


def test_a_report_address_that_is_not_a_number_is_not_found_not_an_error(client, editor):
    client.force_login(editor)

    response = client.get("/admin/articles/problemreport/abc/change/", follow=True)

    # Django's admin sends an unknown object to its list with a message.
    assert response.status_code == 200
    assert "doesn’t exist" in response.content.decode()
