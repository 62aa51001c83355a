"""The admin's home: a dashboard per role, with counts in the navigation (issue 21)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import dashboard, helpfulness, workflow
from articles.models import (
    Article,
    HelpfulnessVote,
    PassageComment,
    ProblemReport,
    Status,
    Topic,
)
from tests.articles.workflow_helpers import article_in_state
from tests.factories import (
    ArticleFactory,
    ClinicianFactory,
    EditorFactory,
    PublishedArticleFactory,
    TopicFactory,
)
from tests.html import parse

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")


def _panel(page, name):
    return parse(page).one(f"[data-panel={name}]").text


def _home(client, user) -> str:
    client.force_login(user)
    response = client.get(INDEX)
    assert response.status_code == 200
    return response.content.decode()


# --- clinicians ------------------------------------------------------------------------------


def test_a_clinician_sees_their_drafts_what_came_back_and_what_is_in_review_with_whom(
    client, clinician, other_clinician, editor
):
    ArticleFactory(author=clinician, title="My unfinished draft")
    returned = article_in_state(Status.IN_REVIEW, author=clinician, title="Sent back to me")
    workflow.request_changes(article=returned, by=editor, comment="Cite the 2023 <b>trial</b>.")
    waiting = article_in_state(Status.IN_REVIEW, author=clinician, title="Waiting for review")
    workflow.assign_review(article=waiting, by=editor, reviewer=editor)
    ArticleFactory(author=other_clinician, title="Somebody else's draft")
    article_in_state(Status.IN_REVIEW, author=other_clinician, title="Somebody else's submission")

    page = _home(client, clinician)
    assert "My unfinished draft" in _panel(page, "drafts")
    returned_panel = _panel(page, "changes-requested")
    assert "Sent back to me" in returned_panel
    assert "Cite the 2023 <b>trial</b>." in returned_panel  # the comment, inert
    assert "<b>trial</b>" not in page
    in_review = _panel(page, "in-review")
    assert "Waiting for review" in in_review and f"with {editor}" in in_review
    # Nothing of anyone else's, and none of the editors' panels.
    assert "Somebody else" not in page
    assert 'data-panel="awaiting"' not in page and "Review queue" not in page


def test_a_clinicians_activity_is_about_their_own_articles(client, clinician, other_clinician):
    article_in_state(Status.IN_REVIEW, author=clinician, title="Mine in review")
    article_in_state(Status.IN_REVIEW, author=other_clinician, title="Theirs in review")
    activity = _panel(_home(client, clinician), "activity")
    assert "Mine in review" in activity and "Theirs in review" not in activity


# --- editors and medical reviewers -------------------------------------------------------------


def test_an_editor_sees_assigned_to_them_first_then_the_oldest(client, editor, second_editor):
    author = ClinicianFactory(username="writer")
    oldest = article_in_state(Status.IN_REVIEW, author=author, title="Oldest submission")
    for_other = article_in_state(Status.IN_REVIEW, author=author, title="Assigned elsewhere")
    mine = article_in_state(Status.IN_REVIEW, author=author, title="Newest but mine")
    workflow.assign_review(article=mine, by=second_editor, reviewer=editor)
    workflow.assign_review(article=for_other, by=editor, reviewer=second_editor)
    Article.objects.filter(pk=oldest.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=3)
    )

    page = _home(client, editor)
    rows = [
        [cell.text.strip() for cell in row.select("td")]
        for row in parse(page).select("[data-panel=awaiting] tbody tr")
    ]
    assert [row[0] for row in rows] == [
        "Newest but mine",
        "Oldest submission",
        "Assigned elsewhere",
    ]
    # Article, author, assigned to, waiting, due.
    assert rows[0][2:4] == ["You", "Today"]
    assert rows[1][2:4] == ["Nobody yet", "3 days"]
    assert rows[2][2] == str(second_editor)
    summary = _panel(page, "summary")
    assert "3 articles in review (1 assigned to you)" in " ".join(summary.split())


def test_an_editor_sees_overdue_and_due_articles_and_topics_and_open_reports(client, editor):
    today = timezone.localdate()
    PublishedArticleFactory(title="Overdue article", next_review_due=today - datetime.timedelta(2))
    PublishedArticleFactory(title="Due soon article", next_review_due=today + datetime.timedelta(9))
    PublishedArticleFactory(title="Due next year", next_review_due=today + datetime.timedelta(300))
    topic = TopicFactory(name="Lithium")
    Topic.objects.filter(pk=topic.pk).update(next_review_due=today + datetime.timedelta(days=5))
    ProblemReport.objects.create(message="The <script>dose</script> is wrong.", topic=topic)
    ProblemReport.objects.create(message="Fixed already.", state=ProblemReport.State.RESOLVED)

    page = _home(client, editor)
    due = _panel(page, "due")
    assert "Overdue article" in due and "Overdue by 2 days" in due
    assert "Due soon article" in due and "Due in 9 days" in due
    assert "Lithium" in due and "Due in 5 days" in due
    assert "Due next year" not in due
    reports = _panel(page, "reports")
    assert "The <script>dose</script> is wrong." in reports and "Fixed already" not in reports
    assert "<script>dose" not in page


def test_recent_workflow_activity_replaces_djangos_recent_actions(client, editor):
    article = article_in_state(Status.IN_REVIEW, author=ClinicianFactory(), title="Submitted one")
    workflow.assign_review(article=article, by=editor, reviewer=editor)
    page = _home(client, editor)
    activity = _panel(page, "activity")
    assert "Submitted one" in activity and f"assigned to {editor}" in activity
    assert "None available" not in page and "Recent actions" not in page
    assert "Times are Europe/London." in activity


def test_the_app_list_stays_on_the_home_page_and_the_navigation_counts(client, editor):
    author = ClinicianFactory()
    article_in_state(Status.IN_REVIEW, author=author)
    article_in_state(Status.IN_REVIEW, author=author)
    ProblemReport.objects.create(message="Typo.")
    page = _home(client, editor)
    assert "All sections" in page
    assert "Review queue (2)" in page and "Problem reports (1)" in page
    # The other admin pages' navigation too.
    changelist = client.get(reverse("admin:articles_topic_changelist")).content.decode()
    assert "Review queue (2)" in changelist


def test_a_medical_reviewer_who_is_not_an_editor_sees_what_awaits_review(client):
    reviewer = EditorFactory(username="mr", roles=["Medical reviewers"])
    article_in_state(Status.IN_REVIEW, author=ClinicianFactory(), title="Needs a sign-off")
    page = _home(client, reviewer)
    assert "Needs a sign-off" in _panel(page, "awaiting")
    assert 'data-panel="reports"' not in page  # reports are the editors'


# --- a fixed number of queries, whatever the library's size --------------------------------


def _library(size: int, editor) -> None:
    authors = [ClinicianFactory(username=f"author-{size}-{n}") for n in range(3)]
    today = timezone.localdate()
    for n in range(size):
        author = authors[n % 3]
        article_in_state(Status.IN_REVIEW, author=author, title=f"In review {n}")
        PublishedArticleFactory(author=author, next_review_due=today + datetime.timedelta(n))
        ArticleFactory(author=author)
        ProblemReport.objects.create(message=f"Report {n}")
        topic = TopicFactory()
        Topic.objects.filter(pk=topic.pk).update(
            next_review_due=today + datetime.timedelta(n), has_pending_changes=True
        )
    returned = Article.objects.filter(status=Status.IN_REVIEW).first()
    workflow.request_changes(article=returned, by=editor, comment="Shorter, please.")


PANELS = [
    ("counts", 3, lambda user: dashboard.counts(user)),
    ("awaiting", 2, lambda user: dashboard.awaiting(user)),
    ("due_for_review", 2, lambda user: dashboard.due_for_review()),
    ("open_reports", 1, lambda user: dashboard.open_reports()),
    ("activity", 1, lambda user: dashboard.activity(user, everyone=True)),
    ("authored", 4, lambda user: dashboard.authored(user)),
]


@pytest.mark.parametrize("size", [2, 12])
@pytest.mark.parametrize(("name", "queries", "panel"), PANELS, ids=[p[0] for p in PANELS])
def test_each_panel_costs_a_fixed_number_of_queries(
    size, name, queries, panel, editor, django_assert_num_queries
):
    _library(size, editor)
    author = Article.objects.first().author
    for user in (editor, author):
        with django_assert_num_queries(queries):
            result = panel(user)
        if isinstance(result, dict) and "articles" in result:
            assert len(result["articles"]) <= dashboard.PANEL_ROWS


@pytest.mark.parametrize("size", [2, 12])
def test_the_whole_home_page_costs_the_same_at_any_size(
    client, size, editor, django_assert_num_queries
):
    _library(size, editor)
    client.force_login(editor)
    client.get(INDEX)  # the session and the permissions are read once per login
    # Session, user, its groups, permissions and the admin's own, then the panels:
    # 3 + 2 + 2 + 1 + 1 + 4 + 1 open comments + 1 least helpful (no answers: no titles to
    # fetch); the navigation's counts are the panels'.
    with django_assert_num_queries(20):
        assert client.get(INDEX).status_code == 200


def test_an_author_sees_the_open_comments_on_their_articles(client, clinician, editor):
    article = article_in_state(Status.IN_REVIEW, author=clinician, title="Commented one")
    PassageComment.objects.create(
        article=article,
        article_version=article.version,
        quote="careful text",
        text="Which <i>trial</i>?",
        author=editor,
    )
    panel = _panel(_home(client, clinician), "open-comments")
    assert "Commented one" in panel and "Which <i>trial</i>?" in panel


@pytest.mark.parametrize("pages", [2, 12])
def test_editors_see_the_pages_readers_found_least_helpful_in_fixed_queries(
    client, editor, pages, django_assert_num_queries
):
    today = timezone.localdate()
    for n in range(pages):
        article = PublishedArticleFactory(title=f"Page {n}")
        HelpfulnessVote.objects.create(article=article, helpful=False, day=today)
    worst = PublishedArticleFactory(title="Confusing dosing page")
    HelpfulnessVote.objects.bulk_create(
        [HelpfulnessVote(article=worst, helpful=False, comment="Lost me", day=today)] * 3
        + [HelpfulnessVote(article=worst, helpful=True, day=today)]
    )
    topic = TopicFactory(name="Esketamine")
    HelpfulnessVote.objects.create(topic=topic, helpful=True, day=today)  # no "no": not shown
    old = PublishedArticleFactory(title="Long ago")
    HelpfulnessVote.objects.create(
        article=old, helpful=False, day=today - datetime.timedelta(days=40)
    )

    with django_assert_num_queries(2):  # the summary, then the titles (articles only here)
        rows = helpfulness.least_helpful(limit=dashboard.PANEL_ROWS)
    panel = _panel(_home(client, editor), "helpfulness")

    assert [str(r["page"]) for r in rows][:1] == ["Confusing dosing page"]
    assert "Confusing dosing page: 3 no, 1 yes, 3 with a comment" in panel
    assert "Esketamine" not in panel and "Long ago" not in panel


def test_clinicians_do_not_see_readers_answers(client, clinician):
    HelpfulnessVote.objects.create(
        article=PublishedArticleFactory(), helpful=False, day=timezone.localdate()
    )

    assert 'data-panel="helpfulness"' not in _home(client, clinician)
