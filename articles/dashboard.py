"""The admin home's panels: what each person has to do next (issue 21).

Reads only. Every function runs a fixed number of queries whatever the size of the
library (tests/articles/test_dashboard.py pins them): lists are cut to PANEL_ROWS in the
database, and counts are conditional aggregates, one query per table.

    counts(user)        3 queries: articles, topics, open problem reports
    awaiting(user)      2: articles in review (assigned to `user` first), topic versions
    due_for_review()    2: live articles, topics (overdue, then due within DUE_DAYS)
    open_reports()      1
    activity(user)      1: the newest workflow events (an author's: on their articles only)
    authored(user)      4: the author's drafts, changes requested (with the comment), in review
"""

import datetime
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, Value, When
from django.utils import timezone

from .models import Article, ProblemReport, Status, Topic, WorkflowEvent

# Rows a panel lists; its count says how many there are in all.
PANEL_ROWS = 8
# "Due for review" looks this far ahead, like the admin's due-for-review list.
DUE_DAYS = 30


@dataclass(frozen=True)
class Counts:
    in_review: int  # articles waiting for review
    assigned_to_me: int  # of those, assigned to the person asking
    topics_pending: int  # topic versions waiting for approval
    overdue: int  # live articles and topics past their review date
    due_soon: int  # ... due within DUE_DAYS
    open_reports: int

    @property
    def due(self) -> int:
        return self.overdue + self.due_soon


def _horizon(today: datetime.date) -> datetime.date:
    return today + datetime.timedelta(days=DUE_DAYS)


def counts(user) -> Counts:
    """The numbers on the home page and beside the admin's navigation entries."""
    today = timezone.localdate()
    horizon = _horizon(today)
    in_review = Q(status=Status.IN_REVIEW)
    # Only the rows counted, each found by an index (the queue's, the review dates'): the
    # cost follows the work waiting, not the size of the library.
    due = Q(live=True, next_review_due__lte=horizon)
    articles = Article.objects.filter(in_review | due).aggregate(
        in_review=Count("pk", filter=in_review),
        mine=Count("pk", filter=in_review & Q(assignee=user)),
        overdue=Count("pk", filter=Q(live=True, next_review_due__lt=today)),
        due_soon=Count(
            "pk", filter=Q(live=True, next_review_due__gte=today, next_review_due__lte=horizon)
        ),
    )
    topics = Topic.objects.aggregate(
        pending=Count("pk", filter=Q(has_pending_changes=True)),
        overdue=Count("pk", filter=Q(next_review_due__lt=today)),
        due_soon=Count("pk", filter=Q(next_review_due__gte=today, next_review_due__lte=horizon)),
    )
    return Counts(
        in_review=articles["in_review"],
        assigned_to_me=articles["mine"],
        topics_pending=topics["pending"],
        overdue=articles["overdue"] + topics["overdue"],
        due_soon=articles["due_soon"] + topics["due_soon"],
        open_reports=ProblemReport.objects.filter(state=ProblemReport.State.OPEN).count(),
    )


def _days_since(moment: datetime.datetime | None, today: datetime.date) -> int | None:
    return None if moment is None else (today - timezone.localtime(moment).date()).days


def awaiting(user) -> dict:
    """Submissions waiting for review, those assigned to `user` first, then the oldest; and
    the topic versions waiting for approval. The author's own are left out: they may not
    review them."""
    today = timezone.localdate()
    articles = list(
        Article.objects.filter(status=Status.IN_REVIEW)
        .exclude(author=user)
        .select_related("author", "assignee")
        .only(
            "pk",
            "title",
            "submitted_at",
            "review_due",
            "author__first_name",
            "author__last_name",
            "author__username",
            "assignee__first_name",
            "assignee__last_name",
            "assignee__username",
        )
        .annotate(mine=_mine(user))
        .order_by("mine", "submitted_at", "pk")[:PANEL_ROWS]
    )
    for article in articles:
        article.days_waiting = _days_since(article.submitted_at, today)
        article.review_overdue = article.review_due is not None and article.review_due < today
    topics = list(
        Topic.objects.filter(has_pending_changes=True)
        .select_related("assignee")
        .only(
            "pk",
            "name",
            "updated_at",
            "review_due",
            "assignee__first_name",
            "assignee__last_name",
            "assignee__username",
        )
        .annotate(mine=_mine(user))
        .order_by("mine", "updated_at", "pk")[:PANEL_ROWS]
    )
    return {"articles": articles, "topics": topics}


def _mine(user) -> Case:
    """0 for what is assigned to `user`, 1 for the rest: theirs sort first."""
    return Case(When(assignee=user, then=Value(0)), default=Value(1), output_field=IntegerField())


def _due_label(due: datetime.date, today: datetime.date) -> str:
    days = (due - today).days
    if days < 0:
        return f"Overdue by {-days} day{'s' if days != -1 else ''}"
    return "Due today" if days == 0 else f"Due in {days} day{'s' if days != 1 else ''}"


def due_for_review() -> dict:
    """Live articles and topics whose medical review is overdue or due within DUE_DAYS,
    soonest (most overdue) first."""
    today = timezone.localdate()
    horizon = _horizon(today)
    articles = list(
        Article.objects.filter(live=True, next_review_due__lte=horizon)
        .only("pk", "title", "next_review_due")
        .order_by("next_review_due", "pk")[:PANEL_ROWS]
    )
    topics = list(
        Topic.objects.filter(next_review_due__lte=horizon)
        .only("pk", "name", "next_review_due")
        .order_by("next_review_due", "pk")[:PANEL_ROWS]
    )
    for item in (*articles, *topics):
        item.due_label = _due_label(item.next_review_due, today)
        item.overdue = item.next_review_due < today
    return {"articles": articles, "topics": topics}


def open_reports() -> list[ProblemReport]:
    """Readers' open problem reports, newest first."""
    return list(
        ProblemReport.objects.filter(state=ProblemReport.State.OPEN)
        .select_related("article", "topic")
        .only("pk", "message", "created_at", "page_address", "article__title", "topic__name")
        .order_by("-created_at", "-pk")[:PANEL_ROWS]
    )


def activity(user, *, everyone: bool) -> list[WorkflowEvent]:
    """The newest workflow events: on every article and topic for editors and reviewers
    (`everyone`), on the author's own articles for an author."""
    events = WorkflowEvent.objects.select_related("article", "topic", "actor").only(
        "pk",
        "created_at",
        "from_status",
        "to_status",
        "comment",
        "details",
        "article__id",
        "article__title",
        "topic__id",
        "topic__name",
        "actor__first_name",
        "actor__last_name",
        "actor__username",
    )
    if not everyone:
        events = events.filter(article__author=user)
    return list(events.order_by("-created_at", "-pk")[:PANEL_ROWS])


def authored(user) -> dict:
    """An author's own work: drafts, what came back with changes requested (with the
    request's comment), what is in review and with whom. Nobody else's articles."""
    today = timezone.localdate()
    own = Article.objects.filter(author=user)
    numbers = own.aggregate(
        drafts=Count("pk", filter=Q(status=Status.DRAFT)),
        changes_requested=Count("pk", filter=Q(status=Status.CHANGES_REQUESTED)),
        in_review=Count("pk", filter=Q(status=Status.IN_REVIEW)),
    )
    drafts = list(
        own.filter(status=Status.DRAFT)
        .only("pk", "title", "updated_at")
        .order_by("-updated_at", "-pk")[:PANEL_ROWS]
    )
    request = WorkflowEvent.objects.filter(
        article=OuterRef("pk"), to_status=Status.CHANGES_REQUESTED
    ).order_by("-created_at", "-pk")
    returned = list(
        own.filter(status=Status.CHANGES_REQUESTED)
        .only("pk", "title", "updated_at")
        .annotate(
            request_comment=Subquery(request.values("comment")[:1]),
            requested_at=Subquery(request.values("created_at")[:1]),
        )
        .order_by("-updated_at", "-pk")[:PANEL_ROWS]
    )
    in_review = list(
        own.filter(status=Status.IN_REVIEW)
        .select_related("assignee")
        .only(
            "pk",
            "title",
            "submitted_at",
            "review_due",
            "assignee__first_name",
            "assignee__last_name",
            "assignee__username",
        )
        .order_by("submitted_at", "pk")[:PANEL_ROWS]
    )
    for article in in_review:
        article.days_waiting = _days_since(article.submitted_at, today)
    return {
        "counts": numbers,
        "drafts": drafts,
        "changes_requested": returned,
        "in_review": in_review,
    }
