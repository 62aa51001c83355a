"""The review workflow: the only module that changes an article's status.

Every move is a keyword-only function that locks the article row, checks the rules
(state, role, the four-eyes principle), writes the change and one WorkflowEvent, and
sends notifications only after the transaction commits. The admin, views and commands
all call these functions.

    draft → in_review → (changes_requested → in_review)* → published → archived → draft

A live article keeps serving its approved text while its next version goes round the
same loop: its status then describes the new version and `live` stays true.

`ACTIONS`, at the end of this module, is the one list of what people can do: each
action's label, the states it starts from (read from `TRANSITIONS`), who may take it,
its function and the form that collects its inputs. The guards, `allowed_actions()`,
the admin's buttons and the permission tests all read it.
"""

import datetime
import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from types import MappingProxyType, SimpleNamespace
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from accounts.models import EDITORS, MEDICAL_REVIEWERS

from . import changelog, notifications, upkeep
from .diff import TOPIC_LABELS, FieldDiff, compare
from .models import (
    Article,
    Audience,
    CareCard,
    ChangeKind,
    PassageComment,
    Revision,
    Status,
    Topic,
    WorkflowEvent,
    set_related_topics,
)
from .readability import TARGET_GRADE, measure
from .safe_messaging import crisis_mention, find_flags
from .writing_checks import blocking, check

log = logging.getLogger(__name__)
S = Status

# Where each status may move next. The guards read it: see Action.from_states.
TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.IN_REVIEW},
    S.IN_REVIEW: {S.PUBLISHED, S.CHANGES_REQUESTED, S.DRAFT},
    S.CHANGES_REQUESTED: {S.IN_REVIEW},
    S.PUBLISHED: {S.ARCHIVED},
    S.ARCHIVED: {S.DRAFT},
}
# What the approving editor confirms, stored with the approval.
CHECKLIST = {
    "accurate": "Accurate against the cited sources",
    "plain_language": "Written in plain language for the intended readers",
    "no_promotion": "Free of promotion of any product, service or provider",
    "disclosures": "The author's conflicts of interest are declared",
}
EDITABLE_BY_AUTHOR = {S.DRAFT, S.CHANGES_REQUESTED, S.PUBLISHED}
EDITABLE_BY_EDITOR = {S.DRAFT, S.IN_REVIEW, S.CHANGES_REQUESTED, S.PUBLISHED}


class TransitionNotAllowed(Exception):
    """The move is illegal for this person or in this state; the message says why."""


class StaleEdit(Exception):
    """Someone else saved the article after this form was loaded."""


class TextChanged(TransitionNotAllowed):
    """The text under review changed after the person acting on it opened the page."""


@dataclass(frozen=True)
class Content:
    """The editable text of one version of an article."""

    title: str
    summary: str
    body: str
    topic_ids: list[int]

    # What the gates read (_gates): the prose whose reading grade counts, and the texts
    # safe-messaging guidance and the crisis word list are checked in.
    @property
    def prose(self) -> str:
        return self.body

    def checked_texts(self) -> tuple[str, ...]:
        return (self.title, self.summary, self.body)

    def signed(self) -> list:
        """What a clinical sign-off is given on (fingerprint())."""
        return [self.title, self.summary, self.body, sorted(self.topic_ids)]


# --- who may do what ------------------------------------------------------------------


def is_author(subject: Article | Topic, user) -> bool:
    """Whether `user` wrote it: an article's author, or an editor who wrote a topic's
    pending version (a topic has no author; four-eyes applies to each change)."""
    if isinstance(subject, Topic):
        revision = pending_revision(subject)
        return revision is not None and user.pk in revision.extra.get("editors", [])
    return subject.author_id == user.pk


def _noun(subject: Article | Topic) -> str:
    return "topic change" if isinstance(subject, Topic) else "article"


def can_edit(article: Article, user) -> bool:
    if not user.is_active:
        return False
    if user.is_editor:
        return article.status in EDITABLE_BY_EDITOR
    return is_author(article, user) and article.status in EDITABLE_BY_AUTHOR


@dataclass(frozen=True)
class Action:
    """One thing a person can do to an article: a row of the registry, `ACTIONS`.

    An action moves the article's status to `to_state` from every status that
    `TRANSITIONS` lets move there. An action `on_live` is taken on the live version,
    which readers see as published, whatever the status of the article's next version:
    its move is published → `to_state`, or no move at all when `to_state` is None. An
    action that `stays_in` a status is a recorded step within it: no move.
    """

    name: str  # in the admin's URLs and posts
    label: str  # on its button
    to_state: str | None  # where the status goes; None: it stays where it is
    refused: str  # why not, when the article is not where the action starts ({status})
    guard: Callable[[Article, Any], None]  # who may take it: raises TransitionNotAllowed
    perform: Callable[..., Article]  # its keyword-only function, below
    form: str  # the name of the form in articles/forms.py that collects its inputs
    on_live: bool = False  # starts from the live version, not from the row's status
    # A step within one status (to_state None) that is not taken on the live version: the
    # status it is taken in, and stays in (a clinical sign-off, in review).
    stays_in: str | None = None
    primary: bool = False  # the step forward: the default button
    # Taken on the text the person read (a sign-off, an approval): the page posts that
    # text's fingerprint as `seen`, and a changed text is refused (_require_seen).
    signs_text: bool = False
    # Two actions reach the same status from different places (restore and withdraw both
    # lead to a draft): each then names the one edge of `TRANSITIONS` it takes.
    only_from: str | None = None

    @property
    def from_states(self) -> frozenset[str]:
        """The statuses it starts from, as `TRANSITIONS` says."""
        if self.on_live:
            return frozenset({S.PUBLISHED})
        if self.stays_in is not None:
            return frozenset({self.stays_in})
        sources = {state for state, nexts in TRANSITIONS.items() if self.to_state in nexts}
        if self.only_from is not None:
            sources &= {self.only_from}
        return frozenset(sources)

    @property
    def moves(self) -> frozenset[tuple[str, str]]:
        """The edges of `TRANSITIONS` it takes: (from, to)."""
        if self.to_state is None:
            return frozenset()
        return frozenset((state, self.to_state) for state in self.from_states)

    def check(self, article: Article, user) -> None:
        """Raise TransitionNotAllowed, saying why, unless `user` may take it on `article` now."""
        starts = article.live if self.on_live else article.status in self.from_states
        if not starts:
            raise TransitionNotAllowed(
                self.refused.format(status=article.get_status_display().lower())
            )
        self.guard(article, user)


def _registry(subject: Article | Topic) -> Mapping[str, Action]:
    return TOPIC_ACTIONS if isinstance(subject, Topic) else ACTIONS


def allowed_actions(article: Article | Topic, user) -> list[str]:
    """The action names `user` may take on `article` (or topic) now, for buttons and menus."""
    return [
        name
        for name, action in _registry(article).items()
        if _refusal(action, article, user) is None
    ]


def check_action(article: Article | Topic, *, name: str, by) -> Action:
    """The action called `name`, if `by` may take it on `article` (or topic) now; else raise,
    saying why."""
    action = _registry(article).get(name)
    if action is None:
        raise TransitionNotAllowed(f"There is no workflow action called “{name}”.")
    action.check(article, by)
    return action


def _refusal(action: Action, article: Article, user) -> str | None:
    try:
        action.check(article, user)
    except TransitionNotAllowed as exc:
        return str(exc)
    return None


def _require_author(article: Article, user, *, action: str) -> None:
    if not is_author(article, user):
        raise TransitionNotAllowed(f"Only the author can {action}.")


def _require_editor(article: Article, user, *, action: str) -> None:
    if not user.is_editor:
        raise TransitionNotAllowed(f"Only an editor can {action}.")
    if is_author(article, user) and not user.is_superuser:
        raise TransitionNotAllowed(
            f"You wrote this {_noun(article)}, so another editor must {action} (four-eyes rule)."
        )


def _require_medical_reviewer(article: Article, user, *, action: str) -> None:
    if not user.is_medical_reviewer:
        raise TransitionNotAllowed(
            f"Only a medical reviewer can {action}: someone in that role with their "
            "credentials on their profile."
        )
    if is_author(article, user):
        raise TransitionNotAllowed(
            f"You wrote this {_noun(article)}, so another medical reviewer must {action} "
            "(four-eyes rule)."
        )


def _require_unsigned(subject: Article | Topic, user, *, action: str) -> None:
    """A medical reviewer signs off a version once: then it waits for an editor."""
    _require_medical_reviewer(subject, user, action=action)
    if clinical_sign_off(subject) is not None:
        raise TransitionNotAllowed(
            "This version has already been signed off clinically: an editor approves it next."
        )


def _require_clinical_sign_off(article: Article, user, *, action: str) -> None:
    """An editor approves; what readers see as "Medically reviewed by" needs a medical
    reviewer: a sign-off on the text in review, or the editor being one."""
    _require_editor(article, user, action=action)
    if user.is_medical_reviewer and not is_author(article, user):
        return
    if article.status == S.IN_REVIEW and clinical_sign_off(article) is not None:
        return
    raise TransitionNotAllowed(_needs_sign_off(article, action=action))


def _needs_sign_off(article: Article, *, action: str) -> str:
    if _signed_since_submission(article):
        return (
            "The text changed after its clinical sign-off: a medical reviewer must sign off "
            f"this version before you can {action}."
        )
    return f"A medical reviewer must sign this off clinically before you can {action}."


def _require_clinical_editor(article: Article, user, *, action: str) -> None:
    _require_editor(article, user, action=action)
    _require_medical_reviewer(article, user, action=action)


def may_review(article: Article, user) -> bool:
    """Whether `user` may review `article`: an editor or a medical reviewer, never its
    author (four-eyes rule, superusers included)."""
    return (
        user is not None
        and user.is_active
        and (user.is_editor or user.is_medical_reviewer)
        and not is_author(article, user)
    )


def possible_reviewers(article: Article | None = None):
    """The people an editor may assign a review to: editors, medical reviewers (with
    their credentials) and superusers, less the article's author. One query."""
    people = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(groups__name=EDITORS)
            | (Q(groups__name=MEDICAL_REVIEWERS) & ~Q(credentials=""))
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )
    return people.exclude(pk=article.author_id) if article is not None else people


def _require_may_review(article: Article, user, *, action: str) -> None:
    if not (user.is_editor or user.is_medical_reviewer):
        raise TransitionNotAllowed(f"Only an editor or a medical reviewer can {action}.")
    if is_author(article, user):
        raise TransitionNotAllowed(
            f"You wrote this {_noun(article)}, so someone else must review it (four-eyes rule)."
        )
    if article.assignee_id == user.pk:
        raise TransitionNotAllowed("This review is already yours.")


# --- helpers ----------------------------------------------------------------------------


def _locked(article: Article) -> Article:
    # With its author, whose name the stored card shows (cards.py); only the article's row
    # is locked.
    return (
        Article.objects.select_related("author").select_for_update(of=("self",)).get(pk=article.pk)
    )


def _override_details(article: Article, user, comment: str) -> dict:
    """Superusers may break the four-eyes rule, but only with a recorded reason."""
    if user.is_superuser and is_author(article, user):
        if not comment.strip():
            raise TransitionNotAllowed(
                f"You wrote this {_noun(article)}: give a reason to override the four-eyes rule."
            )
        return {"override": True}
    return {}


def _record(subject, *, by, from_status, to_status, comment="", revision=None, details=None):
    topic = subject if isinstance(subject, Topic) else None
    event = WorkflowEvent.objects.create(
        article=None if topic else subject,
        topic=topic,
        revision=revision,
        actor=by,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
        details=details or {},
    )
    log.info(
        "workflow %s → %s",
        from_status,
        to_status,
        extra={"topic" if topic else "article": subject.pk, "actor": by.pk, "event": event.pk},
    )
    return event


def _bump_version(article: Article) -> None:
    """Count one more write, saved with the row: callers hold its lock (_locked)."""
    article.version += 1


def _next_number(subject: Article | Topic) -> int:
    return (subject.revisions.aggregate(n=Max("number"))["n"] or 0) + 1


def open_revision(article: Article) -> Revision | None:
    """The working copy of a live article, if someone has started editing it."""
    return article.revisions.filter(submitted_at__isnull=True).first()


def pending_revision(subject: Article | Topic) -> Revision | None:
    """The newest version not yet approved, if the article (or topic) has one."""
    return subject.revisions.filter(approved_at__isnull=True).order_by("-number").first()


def last_approved_revision(subject: Article | Topic) -> Revision | None:
    return subject.revisions.filter(approved_at__isnull=False).order_by("-number").first()


def working_content(article: Article) -> Content:
    """What the article's editors are working on: the pending version or the row itself."""
    if article.live and article.has_pending_changes:
        revision = pending_revision(article)
        if revision is not None:
            return Content(revision.title, revision.summary, revision.body, revision.topic_ids)
    return Content(
        article.title,
        article.summary,
        article.body,
        [link.tag_id for link in article.topic_links.all()],
    )


def _keep_safety_topics(article: Article, by, topic_ids: Iterable[int]) -> None:
    """Authors cannot drop a topic whose safety notice (a crisis line) readers now see."""
    if by.is_editor or not article.live:
        return
    kept = set(topic_ids)
    dropped = [
        link.tag.name
        for link in article.topic_links.select_related("tag")
        if link.tag.safety_notice.strip() and link.tag_id not in kept
    ]
    if dropped:
        raise TransitionNotAllowed(
            "Only an editor can remove a topic that carries a safety notice: "
            + ", ".join(dropped)
            + "."
        )


def _snapshot(article: Article, *, by) -> Revision:
    """Store the article row's current text as a new submitted version."""
    content = working_content(article)
    return Revision.objects.create(
        article=article,
        number=_next_number(article),
        title=content.title,
        summary=content.summary,
        body=content.body,
        topic_ids=sorted(content.topic_ids),
        topic_names=list(
            Topic.objects.filter(pk__in=content.topic_ids).values_list("name", flat=True)
        ),
        created_by=by,
        submitted_at=timezone.now(),
    )


def _same_content(revision: Revision, content: Content) -> bool:
    return (revision.title, revision.summary, revision.body, sorted(revision.topic_ids)) == (
        content.title,
        content.summary,
        content.body,
        sorted(content.topic_ids),
    )


def _apply(article: Article, revision: Revision) -> None:
    article.title = revision.title
    article.summary = revision.summary
    article.body = revision.body
    article.topics.set(list(Topic.objects.filter(pk__in=revision.topic_ids)))


def review_interval() -> int:
    return settings.REVIEW_INTERVAL_MONTHS


def _next_review(reviewed: datetime.date, chosen: datetime.date | None) -> datetime.date:
    """The next review date: the policy's interval, or an earlier date an editor chose."""
    latest = add_months(reviewed, review_interval())
    if chosen is None:
        return latest
    if chosen <= reviewed:
        raise TransitionNotAllowed("The next review date must be after the review date.")
    if chosen > latest:
        raise TransitionNotAllowed(
            f"The next review must be within {review_interval()} months of this review."
        )
    return chosen


def _working(subject: Article | Topic) -> "Content | TopicContent":
    """The version under review of an article or a topic."""
    if isinstance(subject, Topic):
        return working_topic_content(subject)
    return working_content(subject)


def review_flags(subject: Article | Topic) -> list:
    """Safe-messaging flags in the version an editor is being asked to approve."""
    return find_flags(*_working(subject).checked_texts())


def fingerprint(content: "Content | TopicContent") -> str:
    """What a clinical sign-off was given on: any change to the text voids it."""
    text = json.dumps(content.signed(), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _require_seen(subject: Article | Topic, seen: str | None, *, step: str) -> None:
    """Refuse a sign-off or an approval of text the person never saw: `seen` is the
    fingerprint of the version their page showed (None: no page, e.g. a script or the
    editor's own text saved in the same press). Callers hold the row's lock."""
    if seen is not None and seen != fingerprint(_working(subject)):
        raise TextChanged(
            "The text changed since you opened this page: read the new version below, "
            f"then {step} again."
        )


def clinical_sign_off(
    article: Article | Topic, content: "Content | TopicContent | None" = None
) -> WorkflowEvent | None:
    """The medical reviewer's sign-off on exactly this text (`content`, or the version in
    review) since it was last submitted (a topic: since its version was last edited), by
    someone who still holds the role."""
    wanted = fingerprint(content or _working(article))
    events = article.events.filter(to_status=S.IN_REVIEW).select_related("actor")
    for event in events.order_by("-created_at", "-pk"):
        if event.from_status != S.IN_REVIEW:
            return None  # the submission: nothing earlier counts
        if "changed" in event.details:
            return None  # a topic's version edited since: a sign-off before it is void
        if (
            event.details.get("clinical_review")
            and event.details.get("content") == wanted
            and event.actor.is_medical_reviewer
            and not is_author(article, event.actor)
        ):
            return event
    return None


def _signed_since_submission(article: Article) -> bool:
    """Whether a medical reviewer signed off some text since the last submission."""
    events = article.events.filter(to_status=S.IN_REVIEW).order_by("-created_at", "-pk")
    for from_status, details in events.values_list("from_status", "details"):
        if from_status != S.IN_REVIEW:
            return False
        if details.get("clinical_review"):
            return True
    return False


def reading_grade(
    article: Article | Topic, content: "Content | TopicContent | None" = None
) -> float | None:
    """The reading grade of the version under review (`content`, when read already), when
    its readers are patients (a topic's always are): above TARGET_GRADE, approving it needs
    a written reason."""
    if isinstance(article, Article) and article.audience != Audience.PATIENTS:
        return None
    return measure((content or _working(article)).prose).grade


def _medical_reviewer(article: Article | Topic, content: "Content | TopicContent", by):
    """Who readers will see as "Medically reviewed by" the text being approved: the medical
    reviewer who signed off exactly this text, else the approving editor if they are one."""
    sign_off = clinical_sign_off(article, content)
    if sign_off is not None:
        return sign_off.actor
    if by.is_medical_reviewer and not is_author(article, by):
        return by
    raise TransitionNotAllowed(_needs_sign_off(article, action="approve it"))


def _gates(
    article: Article | Topic,
    content: "Content | TopicContent",
    *,
    acknowledged_flags,
    flags_reason: str,
    grade_reason: str,
) -> dict:
    """The exceptions an approval must explain, checked on the version under review
    (`content`, of an article or a topic); what it explained, for the approval's event. A
    ticked box is not an explanation."""
    details: dict = {}
    flags = find_flags(*content.checked_texts())
    unacknowledged = [f.found for f in flags if f.code not in set(acknowledged_flags)]
    if unacknowledged:
        raise TransitionNotAllowed(
            "Acknowledge each safe-messaging flag before approving: "
            + ", ".join(f"“{found}”" for found in unacknowledged)
            + "."
        )
    if flags:
        if not flags_reason.strip():
            raise TransitionNotAllowed(
                "Say why the flagged wording stays: a reason is required to approve text "
                "with a safe-messaging flag."
            )
        details["flags_acknowledged"] = [{"code": f.code, "found": f.found} for f in flags]
        details["flags_reason"] = flags_reason.strip()
    grade = reading_grade(article, content)
    if grade is not None and grade > TARGET_GRADE:
        if not grade_reason.strip():
            raise TransitionNotAllowed(
                f"The text reads at grade {grade}, above grade {TARGET_GRADE} for patients: "
                "simplify it, or say why it must stay at this level."
            )
        details["grade"] = grade
        details["grade_reason"] = grade_reason.strip()
    mention = crisis_mention(*content.checked_texts())
    if mention is not None and not _shows_crisis_help(content):
        where = (
            "add a safety notice, or classify the topic as mental health"
            if isinstance(content, TopicContent)
            else "add a topic that has a safety notice or is classified as mental health"
        )
        raise TransitionNotAllowed(
            f"The text mentions “{mention}”, so readers must be shown where to get help: {where}."
        )
    return details


def _shows_crisis_help(content: "Content | TopicContent") -> bool:
    """Whether readers of this version are shown where to get help now: a safety notice
    or the mental-health classification, its own (a topic) or a topic's (an article)."""
    if isinstance(content, TopicContent):
        return bool(content.safety_notice.strip() or content.mental_health)
    topics = Topic.objects.filter(pk__in=content.topic_ids)
    return any(t.safety_notice.strip() or t.mental_health for t in topics)


def add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - day 28 always exists


# --- transitions --------------------------------------------------------------------------


@transaction.atomic
def create_article(
    *,
    by,
    title: str,
    summary: str,
    body: str,
    topics: Iterable[Topic] = (),
    audience: str | None = None,
    slug: str = "",
) -> Article:
    if not (by.is_clinician or by.is_editor):
        raise TransitionNotAllowed("Only clinicians and editors can write articles.")
    article = Article(title=title, summary=summary, body=body, author=by, slug=slug)
    if audience:
        article.audience = audience
    article.save()
    article.topics.set(list(topics))
    _record(article, by=by, from_status=S.DRAFT, to_status=S.DRAFT, comment="Created.")
    return article


@transaction.atomic
def edit_article(
    *, article: Article, by, content: Content, expected_version: int, fields: dict | None = None
) -> Article:
    """Save new text. A live article's edit becomes a pending version; readers see no change.

    `fields` carries other editable attributes (slug, audience) for the article row.
    """
    article = _locked(article)
    if article.version != expected_version:
        raise StaleEdit(
            "Someone else saved this article while you were editing it. "
            "Your changes were not saved: reload the page to see their version."
        )
    if not can_edit(article, by):
        raise TransitionNotAllowed("You cannot edit this article in its current state.")
    _keep_safety_topics(article, by, content.topic_ids)

    if article.live:
        revision = open_revision(article)
        if revision is None:
            revision = Revision(article=article, number=_next_number(article), created_by=by)
        revision.title, revision.summary, revision.body = (
            content.title,
            content.summary,
            content.body,
        )
        revision.topic_ids = list(content.topic_ids)
        revision.topic_names = list(
            Topic.objects.filter(pk__in=content.topic_ids).values_list("name", flat=True)
        )
        revision.created_by, revision.created_at = by, timezone.now()
        revision.save()
        from_status = article.status
        article.has_pending_changes = True
        if article.status == S.PUBLISHED:
            article.status = S.DRAFT
        for name, value in (fields or {}).items():
            setattr(article, name, value)
        _bump_version(article)
        article.save()
        if from_status != article.status:
            _record(
                article,
                by=by,
                from_status=from_status,
                to_status=article.status,
                comment="Started a new version; readers still see the approved one.",
                revision=revision,
            )
        upkeep.article_changed(article)  # the text waits, but the row's slug or audience may not
    else:
        article.title, article.summary, article.body = content.title, content.summary, content.body
        for name, value in (fields or {}).items():
            setattr(article, name, value)
        _bump_version(article)
        article.save()
        article.topics.set(list(Topic.objects.filter(pk__in=content.topic_ids)))
    return article


@transaction.atomic
def submit_for_review(*, article: Article, by, comment: str = "") -> Article:
    article = _locked(article)
    check_action(article, name="submit", by=by)
    content = working_content(article)
    # The same words the checks beside the text showed while it was written.
    must_fix = blocking(check(title=content.title, summary=content.summary, body=content.body))
    if must_fix:
        raise TransitionNotAllowed(" ".join(finding.message for finding in must_fix))
    if article.live:
        revision = pending_revision(article)
        if revision is None:
            raise TransitionNotAllowed("There are no changes to submit.")
        revision.submitted_at = timezone.now()
        revision.save(update_fields=["submitted_at"])
    else:
        revision = _snapshot(article, by=by)
    from_status = article.status
    article.status = S.IN_REVIEW
    article.submitted_at = timezone.now()
    _bump_version(article)
    article.save(update_fields=["status", "submitted_at", "version", "updated_at"])
    _record(
        article,
        by=by,
        from_status=from_status,
        to_status=S.IN_REVIEW,
        comment=comment,
        revision=revision,
        # Withdraw compares it with the row's version: any edit since means an editor acted.
        details={"version": article.version},
    )
    transaction.on_commit(lambda: notifications.submitted(article_id=article.pk))
    return article


@transaction.atomic
def withdraw(*, article: Article, by, comment: str = "") -> Article:
    """The author takes back a submission no editor has acted on: it is a draft again."""
    article = _locked(article)
    check_action(article, name="withdraw", by=by)
    submitted = article.events.filter(to_status=S.IN_REVIEW).order_by("-created_at", "-pk").first()
    if submitted is None or submitted.details.get("version") != article.version:
        raise TransitionNotAllowed(
            "An editor has already worked on this submission, so it cannot be withdrawn: "
            "ask them to request changes instead."
        )
    revision = pending_revision(article)
    if article.live and revision is not None:
        # The submitted version becomes the working copy again.
        revision.submitted_at = None
        revision.save(update_fields=["submitted_at"])
    article.status = S.DRAFT
    article.submitted_at = None
    _bump_version(article)
    article.save(update_fields=["status", "submitted_at", "version", "updated_at"])
    _record(
        article,
        by=by,
        from_status=S.IN_REVIEW,
        to_status=S.DRAFT,
        comment=comment or "Withdrawn by the author.",
        revision=revision,
    )
    return article


@transaction.atomic
def request_changes(*, article: Article, by, comment: str) -> Article:
    article = _locked(article)
    check_action(article, name="request_changes", by=by)
    if not comment.strip():
        raise TransitionNotAllowed("Say what needs to change: a comment is required.")
    article.status = S.CHANGES_REQUESTED
    _bump_version(article)
    article.save(update_fields=["status", "version", "updated_at"])
    # The open comments on passages go with the request, as they stood (articles/comments.py).
    passages = [
        {"quote": c.quote, "text": c.text, "by": str(c.author), "id": c.pk}
        for c in PassageComment.objects.open().filter(article=article).select_related("author")
    ]
    _record(
        article,
        by=by,
        from_status=S.IN_REVIEW,
        to_status=S.CHANGES_REQUESTED,
        comment=comment,
        revision=pending_revision(article),
        details={"comments": passages} if passages else None,
    )
    transaction.on_commit(lambda: notifications.changes_requested(article_id=article.pk))
    return article


@transaction.atomic
def publish(
    *,
    article: Article,
    by,
    checklist: Iterable[str] = (),
    acknowledged_flags: Iterable[str] = (),
    at: datetime.datetime | None = None,
    next_review_due: datetime.date | None = None,
    comment: str = "",
    grade_reason: str = "",
    flags_reason: str = "",
    significant: bool = False,
    seen: str | None = None,
) -> Article:
    """Approve the version in review (`seen`: the one the editor read) and make it
    public now, or at `at` (scheduled).

    A live article's new version is `significant` when the editor ticks that it changes
    something clinically; partners are told of such changes first (changelog.py)."""
    article = _locked(article)
    shown_before = upkeep.article_keys(article)  # topics, reviewer may change
    check_action(article, name="publish", by=by)
    _require_seen(article, seen, step="approve")
    details = _override_details(article, by, comment)
    missing = [label for key, label in CHECKLIST.items() if key not in set(checklist)]
    if missing:
        raise TransitionNotAllowed("Complete the editorial checklist: " + "; ".join(missing) + ".")
    content = working_content(article)
    details.update(
        _gates(
            article,
            content,
            acknowledged_flags=acknowledged_flags,
            flags_reason=flags_reason,
            grade_reason=grade_reason,
        )
    )
    details["checklist"] = sorted(CHECKLIST)
    reviewer = _medical_reviewer(article, content, by)
    details["medical_reviewer"] = reviewer.pk
    if reviewer == by:
        details["clinical_review"] = True  # one press: the editor is the medical reviewer
    now = timezone.now()
    revision = pending_revision(article)
    was_live = article.live
    if article.live:
        if at is not None and at > now:
            raise TransitionNotAllowed(
                "A new version of a published article goes live when approved; "
                "it cannot be scheduled."
            )
        if revision is None:
            raise TransitionNotAllowed("There is no new version to approve.")
        _apply(article, revision)
    else:
        if at is not None and at < now - datetime.timedelta(minutes=5):
            raise TransitionNotAllowed("The publish time is in the past.")
        article.published_at = at if at and at > now else now
        if revision is None or not _same_content(revision, working_content(article)):
            # An editor copy-edited during review: keep that exact text as its own version.
            revision = _snapshot(article, by=by)
    revision.submitted_at = revision.submitted_at or now
    revision.approved_at = now
    revision.save(update_fields=["submitted_at", "approved_at"])
    article.status = S.PUBLISHED
    article.live = True
    article.has_pending_changes = False
    article.medical_reviewer = reviewer
    article.last_reviewed = timezone.localdate(max(now, article.published_at))
    article.next_review_due = _next_review(article.last_reviewed, next_review_due)
    _bump_version(article)
    article.save()
    Topic.objects.filter(article_links__content_object=article).recount_live_articles()
    if article.is_scheduled:
        details["scheduled_for"] = article.published_at.isoformat()
    if was_live:
        details["significant"] = significant
        # A scheduled article readers cannot see yet is not news to partners: its
        # publication logs itself when it goes public, with the version then approved.
        if article.is_public:
            changelog.record(
                changelog.revised(significant), article, revision=revision.number, note=comment
            )
    else:
        changelog.record_publication(article, revision=revision.number)
    _record(
        article,
        by=by,
        from_status=S.IN_REVIEW,
        to_status=S.PUBLISHED,
        comment=comment,
        revision=revision,
        details=details,
    )
    upkeep.article_changed(article, before=shown_before)
    transaction.on_commit(lambda: notifications.published(article_id=article.pk))
    return article


@transaction.atomic
def archive(*, article: Article, by, comment: str = "") -> Article:
    """Take the article off the public site (unpublish), or cancel a scheduled publication."""
    article = _locked(article)
    check_action(article, name="archive", by=by)
    details = _override_details(article, by, comment)
    from_status = article.status
    # A scheduled publication that is cancelled was never seen: nothing is withdrawn.
    if not article.is_scheduled:
        # Readers who follow its address get "not found": the hub sends them nowhere else.
        changelog.record(ChangeKind.WITHDRAWN, article, reason=comment)
    article.status = S.ARCHIVED
    article.live = False
    _bump_version(article)
    article.save(update_fields=["status", "live", "version", "updated_at"])
    Topic.objects.filter(article_links__content_object=article).recount_live_articles()
    _record(
        article,
        by=by,
        from_status=from_status,
        to_status=S.ARCHIVED,
        comment=comment,
        details=details,
    )
    upkeep.article_changed(article)
    return article


@transaction.atomic
def restore(*, article: Article, by, comment: str = "") -> Article:
    """Bring an archived article back as a draft, its newest text as the working copy."""
    article = _locked(article)
    check_action(article, name="restore", by=by)
    details = _override_details(article, by, comment)
    revision = pending_revision(article) if article.has_pending_changes else None
    if revision is not None:
        _apply(article, revision)
        if revision.submitted_at is None:
            revision.delete()
    article.status = S.DRAFT
    article.has_pending_changes = False
    _bump_version(article)
    article.save()
    _record(
        article, by=by, from_status=S.ARCHIVED, to_status=S.DRAFT, comment=comment, details=details
    )
    upkeep.article_changed(article)
    return article


@transaction.atomic
def reconfirm_review(
    *, article: Article, by, comment: str = "", next_review_due: datetime.date | None = None
) -> Article:
    """Record that an editor re-checked the live text against current evidence: no change."""
    article = _locked(article)
    shown_before = upkeep.article_keys(article)  # topics, reviewer may change
    check_action(article, name="reconfirm", by=by)
    details = _override_details(article, by, comment)
    today = timezone.localdate()
    previous = article.last_reviewed
    article.last_reviewed = today
    article.next_review_due = _next_review(today, next_review_due)
    article.medical_reviewer = by
    _bump_version(article)
    article.save(
        update_fields=[
            "last_reviewed",
            "next_review_due",
            "medical_reviewer",
            "version",
            "updated_at",
        ]
    )
    details.update(reconfirmed=True, previous_review=previous.isoformat() if previous else None)
    approved = last_approved_revision(article)
    if article.is_public:  # not a scheduled one: partners must not hear of it before readers
        changelog.record(
            ChangeKind.REVIEW_CONFIRMED, article, revision=approved.number if approved else None
        )
    _record(
        article,
        by=by,
        from_status=article.status,
        to_status=article.status,
        comment=comment or "Reviewed; no change needed.",
        details=details,
    )
    upkeep.article_changed(article, before=shown_before)
    return article


def _sign_off(subject: Article | Topic, *, by, comment: str) -> None:
    """Record a medical reviewer's sign-off on exactly the version in review (its
    fingerprint): an edit after it needs a new one. Callers hold the row's lock."""
    content = _working(subject)
    if clinical_sign_off(subject, content) is not None:
        raise TransitionNotAllowed("This version has already been signed off clinically.")
    _record(
        subject,
        by=by,
        from_status=S.IN_REVIEW,
        to_status=S.IN_REVIEW,
        comment=comment.strip(),
        revision=pending_revision(subject),
        details={"clinical_review": True, "content": fingerprint(content)},
    )


@transaction.atomic
def clinical_review(*, article: Article, by, comment: str = "", seen: str | None = None) -> Article:
    """A medical reviewer signs off the text in review (`seen`: the one they read); an
    editor then approves it. The sign-off holds for this exact text: an edit after it
    needs a new one."""
    article = _locked(article)
    check_action(article, name="clinical_review", by=by)
    _require_seen(article, seen, step="sign off")
    _sign_off(article, by=by, comment=comment)
    _bump_version(article)
    article.save(update_fields=["version", "updated_at"])
    return article


def assign_review(
    *, article: Article, by, reviewer, due: datetime.date | None = None, comment: str = ""
) -> Article:
    """An editor names who reviews the submission (themselves included), and by when.
    A reassignment is recorded like the first; the new assignee is e-mailed."""
    return _assign(article, by=by, reviewer=reviewer, due=due, comment=comment, action="assign")


def take_review(*, article: Article, by, comment: str = "") -> Article:
    """An editor or a medical reviewer takes the review themselves, keeping its due date."""
    return _assign(article, by=by, reviewer=by, due=None, comment=comment, action="take_review")


def _assignment(reviewer, *, previous: int | None, due) -> dict:
    """What an assignment's event records (articles and topics alike)."""
    return {
        "assigned_to": reviewer.pk,
        "assignee": str(reviewer),
        "previous_assignee": previous,
        "review_due": due.isoformat() if due else None,
    }


@transaction.atomic
def _assign(article: Article, *, by, reviewer, due, comment: str, action: str) -> Article:
    article = _locked(article)
    check_action(article, name=action, by=by)
    if action == "take_review":
        due = article.review_due
    if reviewer is None:
        raise TransitionNotAllowed("Choose who is to review it.")
    if reviewer.pk == article.author_id:
        raise TransitionNotAllowed(
            f"{reviewer} wrote this article, so they cannot review it (four-eyes rule)."
        )
    if not may_review(article, reviewer):
        raise TransitionNotAllowed(
            f"{reviewer} may not review articles: only editors and medical reviewers (with "
            "their credentials on their profile) can."
        )
    if due is not None and due < timezone.localdate() and due != article.review_due:
        raise TransitionNotAllowed("The review's due date is in the past.")
    if article.assignee_id == reviewer.pk and article.review_due == due:
        raise TransitionNotAllowed(f"The review is already assigned to {reviewer}.")
    previous = article.assignee_id
    article.assignee = reviewer
    article.review_due = due
    _bump_version(article)
    article.save(update_fields=["assignee", "review_due", "version", "updated_at"])
    _record(
        article,
        by=by,
        from_status=article.status,
        to_status=article.status,
        comment=comment,
        revision=pending_revision(article),
        details=_assignment(reviewer, previous=previous, due=due),
    )
    if reviewer.pk != by.pk:
        transaction.on_commit(lambda: notifications.assigned(article_id=article.pk, by_id=by.pk))
    return article


# --- topics ----------------------------------------------------------------------------
# A topic is always live: what readers see of it is the row, the approved version. An
# editor's change to any of these waits in a Revision (status "in review") until it is
# approved: by another editor who is a medical reviewer, in one press; or in two steps, a
# medical reviewer's clinical sign-off of that exact version, then another editor's
# approval. Its name (the address is made from it) and "featured" are not reviewed: they
# say nothing to readers about health.

TOPIC_FIELDS = {
    "headline": "Headline",
    "definition": "Definition",
    "aliases": "Aliases",
    "intro": "Intro",
    "safety_notice": "Safety notice",
    "mental_health": "Mental health topic",
    "related_ids": "Related topics",
    "care_card_ids": "Care cards",
}


@dataclass(frozen=True)
class TopicContent:
    """What readers see of one version of a topic."""

    headline: str
    definition: str
    aliases: str
    intro: str
    safety_notice: str
    mental_health: bool
    related_ids: tuple[int, ...]
    # Which "When to get help" cards its page shows (in the cards' own order): attaching
    # or detaching one is a change of what readers see, reviewed like the rest.
    care_card_ids: tuple[int, ...] = ()

    @property
    def prose(self) -> str:
        return self.intro

    def checked_texts(self) -> tuple[str, ...]:
        return (self.headline, self.definition, self.intro, self.safety_notice)

    def signed(self) -> list:
        return [
            self.headline,
            self.definition,
            self.aliases,
            self.intro,
            self.safety_notice,
            self.mental_health,
            list(self.related_ids),
            sorted(self.care_card_ids),
        ]

    def changed(self, other: "TopicContent") -> list[str]:
        """The labels of the fields that differ from `other`, in TOPIC_FIELDS order."""
        return [
            label
            for field, label in TOPIC_FIELDS.items()
            if getattr(self, field) != getattr(other, field)
        ]


def approved_topic_content(topic: Topic) -> TopicContent:
    """What readers see now: the topic row and its related-topics list."""
    return TopicContent(
        headline=topic.headline,
        definition=topic.definition,
        aliases=topic.aliases,
        intro=topic.intro,
        safety_notice=topic.safety_notice,
        mental_health=topic.mental_health,
        related_ids=tuple(topic.related_links.values_list("to_topic_id", flat=True)),
        care_card_ids=_card_ids(topic),
    )


def _card_ids(topic: Topic) -> tuple[int, ...]:
    return tuple(sorted(topic.care_cards.values_list("pk", flat=True)))


def revision_topic_content(revision: Revision) -> TopicContent:
    cards = revision.extra.get("care_card_ids")
    return TopicContent(
        headline=revision.title,
        definition=revision.summary,
        aliases=revision.extra.get("aliases", ""),
        intro=revision.body,
        safety_notice=revision.extra.get("safety_notice", ""),
        mental_health=bool(revision.extra.get("mental_health", False)),
        related_ids=tuple(revision.topic_ids),
        # A version written before cards were part of it leaves them as they are.
        care_card_ids=tuple(sorted(cards)) if cards is not None else _card_ids(revision.topic),
    )


def working_topic_content(topic: Topic) -> TopicContent:
    """What editors are working on: the pending version, or what readers see."""
    revision = pending_revision(topic) if topic.has_pending_changes else None
    if revision is not None:
        return revision_topic_content(revision)
    return approved_topic_content(topic)


def _diff_side(content: TopicContent) -> SimpleNamespace:
    names = Topic.objects.in_bulk(content.related_ids)
    cards = CareCard.objects.filter(pk__in=content.care_card_ids).order_by("name", "pk")
    return SimpleNamespace(
        title=content.headline,
        summary=content.definition,
        aliases=content.aliases,
        safety_notice=content.safety_notice,
        mental_health="Yes" if content.mental_health else "No",
        care_cards="\n".join(card.name for card in cards),
        body=content.intro,
        topic_names=[names[pk].name for pk in content.related_ids if pk in names],
    )


def topic_diff(topic: Topic) -> list[FieldDiff]:
    """What the pending version changes, word by word, against what readers see."""
    revision = pending_revision(topic)
    if revision is None:
        return []
    return compare(
        _diff_side(approved_topic_content(topic)),
        _diff_side(revision_topic_content(revision)),
        labels=TOPIC_LABELS,
        ordered_topics=True,
    )


def _locked_topic(topic: Topic) -> Topic:
    return Topic.objects.select_for_update().get(pk=topic.pk)


@transaction.atomic
def edit_topic(*, topic: Topic, content: TopicContent, by) -> Revision | None:
    """Write `content` as the topic's pending version; readers keep the approved one.

    Editing it back to what readers see drops the pending version. Returns the pending
    version, or None when there is none.
    """
    if not (by.is_active and by.is_editor):
        raise TransitionNotAllowed("Only an editor can change a topic.")
    topic = _locked_topic(topic)
    approved = approved_topic_content(topic)
    revision = pending_revision(topic)
    from_status = topic.status
    if content == approved:
        if revision is None:
            return None
        revision.delete()
        Topic.objects.filter(pk=topic.pk).update(has_pending_changes=False)
        _record(
            topic,
            by=by,
            from_status=from_status,
            to_status=S.PUBLISHED,
            details={"discarded": revision.number},
        )
        return None
    if revision is not None and revision_topic_content(revision) == content:
        return revision
    if revision is None:
        revision = Revision(topic=topic, number=_next_number(topic))
    names = dict(Topic.objects.filter(pk__in=content.related_ids).values_list("pk", "name"))
    related_ids = [pk for pk in content.related_ids if pk in names and pk != topic.pk]
    cards = CareCard.objects.filter(pk__in=content.care_card_ids).values_list("pk", flat=True)
    now = timezone.now()
    revision.title = content.headline
    revision.summary = content.definition
    revision.body = content.intro
    revision.topic_ids = related_ids
    revision.topic_names = [names[pk] for pk in related_ids]
    editors = sorted({*revision.extra.get("editors", []), by.pk})
    revision.extra = {
        "aliases": content.aliases,
        "safety_notice": content.safety_notice,
        "mental_health": content.mental_health,
        "care_card_ids": sorted(cards),
        "editors": editors,
    }
    revision.created_by = by
    revision.created_at = now
    revision.submitted_at = now  # a topic's version is in review as soon as it is written
    revision.save()
    Topic.objects.filter(pk=topic.pk).update(has_pending_changes=True)
    topic.has_pending_changes = True
    _record(
        topic,
        by=by,
        from_status=from_status,
        to_status=S.IN_REVIEW,
        revision=revision,
        details={"changed": revision_topic_content(revision).changed(approved)},
    )
    return revision


@transaction.atomic
def clinical_review_topic(*, topic: Topic, by, comment: str = "", seen: str | None = None) -> Topic:
    """A medical reviewer signs off the topic's pending version (`seen`: the one they
    read); another editor then approves it. An edit of the version after it voids the
    sign-off."""
    topic = _locked_topic(topic)
    check_action(topic, name="clinical_review", by=by)
    _require_seen(topic, seen, step="sign off")
    _sign_off(topic, by=by, comment=comment)
    return topic


@transaction.atomic
def approve_topic(
    *,
    topic: Topic,
    by,
    comment: str = "",
    acknowledged_flags: Iterable[str] = (),
    flags_reason: str = "",
    grade_reason: str = "",
    significant: bool = False,
    seen: str | None = None,
) -> Topic:
    """Make the topic's pending version (`seen`: the one the editor read) what readers
    see, reviewed today by the medical reviewer who signed it off, or by `by` when they
    are one (one press); `significant` when the editor ticks that it changes something
    clinically (the changes log)."""
    topic = _locked_topic(topic)
    check_action(topic, name="approve_topic", by=by)
    _require_seen(topic, seen, step="approve")
    details = _override_details(topic, by, comment)
    revision = pending_revision(topic)
    if revision is None:
        raise TransitionNotAllowed("There is no new version of this topic to approve.")
    approved = approved_topic_content(topic)
    content = revision_topic_content(revision)
    details.update(
        _gates(
            topic,
            content,
            acknowledged_flags=acknowledged_flags,
            flags_reason=flags_reason,
            grade_reason=grade_reason,
        )
    )
    reviewer = _medical_reviewer(topic, content, by)
    topic.headline = content.headline
    topic.definition = content.definition
    topic.aliases = content.aliases
    topic.intro = content.intro
    topic.safety_notice = content.safety_notice
    topic.mental_health = content.mental_health
    topic.has_pending_changes = False
    topic.medical_reviewer = reviewer
    topic.last_reviewed = timezone.localdate()
    topic.next_review_due = _next_review(topic.last_reviewed, None)
    topic.save()
    if content.related_ids != approved.related_ids:
        existing = Topic.objects.in_bulk(content.related_ids)
        set_related_topics(topic, [existing[pk] for pk in content.related_ids if pk in existing])
    if content.care_card_ids != approved.care_card_ids:
        topic.care_cards.set(list(CareCard.objects.filter(pk__in=content.care_card_ids)))
    now = timezone.now()
    revision.approved_at = now
    revision.save(update_fields=["approved_at"])
    details.update(
        {
            "changed": content.changed(approved),
            "medical_reviewer": reviewer.pk,
            "significant": significant,
        }
    )
    if reviewer == by:
        details["clinical_review"] = True  # one press: the editor is the medical reviewer
    changelog.record(changelog.revised(significant), topic, revision=revision.number, note=comment)
    _record(
        topic,
        by=by,
        from_status=S.IN_REVIEW,
        to_status=S.PUBLISHED,
        comment=comment.strip(),
        revision=revision,
        details=details,
    )
    # Pages that link its name, aliases or definition, and every cached page, change now
    # (not when the edit was written).
    upkeep.topic_saved(topic=topic)
    return topic


@transaction.atomic
def reconfirm_topic(*, topic: Topic, by, comment: str = "") -> Topic:
    """A medical reviewer checked what readers see and it stands: only the review dates
    and the reviewer change."""
    topic = _locked_topic(topic)
    check_action(topic, name="reconfirm_topic", by=by)
    topic.medical_reviewer = by
    topic.last_reviewed = timezone.localdate()
    topic.next_review_due = _next_review(topic.last_reviewed, None)
    topic.save(update_fields=["medical_reviewer", "last_reviewed", "next_review_due"])
    approved = last_approved_revision(topic)
    changelog.record(
        ChangeKind.REVIEW_CONFIRMED, topic, revision=approved.number if approved else None
    )
    _record(
        topic,
        by=by,
        from_status=S.PUBLISHED,
        to_status=S.PUBLISHED,
        comment=comment.strip(),
        details={"reconfirmed": True, "medical_reviewer": by.pk},
    )
    upkeep.topics_changed([topic.pk])
    return topic


def possible_topic_reviewers(topic: Topic):
    """Who may review a topic's pending version: anyone who may review (an editor signs
    off and approves, a medical reviewer signs off), less those who wrote it."""
    revision = pending_revision(topic)
    writers = revision.extra.get("editors", []) if revision is not None else []
    return possible_reviewers().exclude(pk__in=writers)


@transaction.atomic
def assign_topic_review(
    *, topic: Topic, by, reviewer, due: datetime.date | None = None, comment: str = ""
) -> Topic:
    """An editor names who is to approve the topic's pending version, and by when."""
    topic = _locked_topic(topic)
    check_action(topic, name="assign_topic", by=by)
    if reviewer is None:
        raise TransitionNotAllowed("Choose who is to review it.")
    if is_author(topic, reviewer):
        raise TransitionNotAllowed(
            f"{reviewer} wrote this topic change, so they cannot approve it (four-eyes rule)."
        )
    if not may_review(topic, reviewer):
        raise TransitionNotAllowed(
            f"{reviewer} may not review topic changes: only editors and medical reviewers "
            "(with their credentials on their profile) can."
        )
    if due is not None and due < timezone.localdate():
        raise TransitionNotAllowed("The review's due date is in the past.")
    if topic.assignee_id == reviewer.pk and topic.review_due == due:
        raise TransitionNotAllowed(f"The review is already assigned to {reviewer}.")
    previous = topic.assignee_id
    # Only these two columns: a topic's save() re-renders its intro and search vector.
    Topic.objects.filter(pk=topic.pk).update(assignee=reviewer, review_due=due)
    _record(
        topic,
        by=by,
        from_status=topic.status,
        to_status=topic.status,
        comment=comment,
        revision=pending_revision(topic),
        details=_assignment(reviewer, previous=previous, due=due),
    )
    if reviewer.pk != by.pk:
        transaction.on_commit(lambda: notifications.topic_assigned(topic_id=topic.pk, by_id=by.pk))
    return topic


TOPIC_ACTIONS: Mapping[str, "Action"] = MappingProxyType(
    {
        "assign_topic": Action(
            name="assign_topic",
            label="Assign the review",
            to_state=None,
            stays_in=S.IN_REVIEW,
            refused="There is no new version of this topic to assign: it is {status}.",
            guard=partial(_require_editor, action="assign a review"),
            perform=assign_topic_review,
            form="AssignForm",
        ),
        "reconfirm_topic": Action(
            name="reconfirm_topic",
            label="Confirm reviewed (no change)",
            to_state=None,
            on_live=True,
            refused="Only a live topic can be re-confirmed.",
            guard=partial(_require_clinical_editor, action="re-confirm a topic's review"),
            perform=reconfirm_topic,
            form="CommentForm",
        ),
        "clinical_review": Action(
            name="clinical_review",
            label="Sign off clinically",
            to_state=None,  # still in review: an editor approves next
            stays_in=S.IN_REVIEW,
            refused="There is no new version of this topic to sign off: it is {status}.",
            guard=partial(_require_unsigned, action="sign it off clinically"),
            perform=clinical_review_topic,
            form="CommentForm",
            signs_text=True,
        ),
        "approve_topic": Action(
            name="approve_topic",
            label="Approve this version",
            to_state=S.PUBLISHED,
            refused="There is no new version of this topic to approve: it is {status}.",
            guard=partial(_require_clinical_sign_off, action="approve a topic change"),
            perform=approve_topic,
            form="GatesForm",
            primary=True,
            signs_text=True,
        ),
    }
)


# --- the registry -------------------------------------------------------------------------

ACTIONS: Mapping[str, Action] = MappingProxyType(
    {
        action.name: action
        for action in (
            Action(
                name="submit",
                label="Submit for review",
                to_state=S.IN_REVIEW,
                refused="Cannot submit it for review: the article is {status}.",
                guard=partial(_require_author, action="submit an article for review"),
                perform=submit_for_review,
                form="CommentForm",
                primary=True,
            ),
            Action(
                name="withdraw",
                label="Withdraw submission",
                to_state=S.DRAFT,
                only_from=S.IN_REVIEW,
                refused="Only a submission waiting for review can be withdrawn: it is {status}.",
                guard=partial(_require_author, action="withdraw the submission"),
                perform=withdraw,
                form="CommentForm",
            ),
            Action(
                name="request_changes",
                label="Request changes",
                to_state=S.CHANGES_REQUESTED,
                refused="Cannot request changes: the article is {status}.",
                guard=partial(_require_editor, action="request changes"),
                perform=request_changes,
                form="RequestChangesForm",
            ),
            Action(
                name="clinical_review",
                label="Sign off clinically",
                to_state=None,  # still in review: an editor approves next
                stays_in=S.IN_REVIEW,
                refused="Only an article in review can be signed off: it is {status}.",
                guard=partial(_require_medical_reviewer, action="sign it off clinically"),
                perform=clinical_review,
                form="CommentForm",
                signs_text=True,
            ),
            Action(
                name="assign",
                label="Assign the review",
                to_state=None,  # still in review: only who reviews it, and by when, change
                stays_in=S.IN_REVIEW,
                refused="Only an article in review can be assigned: it is {status}.",
                guard=partial(_require_editor, action="assign a review"),
                perform=assign_review,
                form="AssignForm",
            ),
            Action(
                name="take_review",
                label="Take this review",
                to_state=None,
                stays_in=S.IN_REVIEW,
                refused="Only an article in review can be taken: it is {status}.",
                guard=partial(_require_may_review, action="take a review"),
                perform=take_review,
                form="CommentForm",
            ),
            Action(
                name="publish",
                label="Approve and publish",
                to_state=S.PUBLISHED,
                refused="Cannot publish: the article is {status}.",
                guard=partial(_require_clinical_sign_off, action="approve and publish it"),
                perform=publish,
                form="PublishForm",
                primary=True,
                signs_text=True,
            ),
            Action(
                name="archive",
                label="Archive (unpublish)",
                to_state=S.ARCHIVED,
                on_live=True,  # also while its next version is being written or reviewed
                refused="Cannot archive: the article is not published.",
                guard=partial(_require_editor, action="archive it"),
                perform=archive,
                form="ArchiveForm",  # its comment is the reason partners are given
            ),
            Action(
                name="restore",
                label="Restore as draft",
                to_state=S.DRAFT,
                only_from=S.ARCHIVED,
                refused="Cannot restore it: the article is {status}.",
                guard=partial(_require_editor, action="restore it"),
                perform=restore,
                form="CommentForm",
            ),
            Action(
                name="reconfirm",
                label="Re-confirm review (no change)",
                to_state=None,  # the live text stays published; only its review dates move
                on_live=True,
                refused="Only a published article can be re-confirmed.",
                guard=partial(_require_clinical_editor, action="re-confirm its review"),
                perform=reconfirm_review,
                form="ReconfirmForm",
            ),
        )
    }
)
