import copy
import datetime
import logging
import secrets

from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from accounts.models import CLINICIANS, User
from hub.ratelimit import client_ip, concurrency_limited, rate_limited
from hub.security import ReportForgedFields, posted_names, report_tampering

from . import (
    changelog,
    comments,
    crisis_help,
    dashboard,
    helpfulness,
    library,
    reader_replies,
    reads,
    upkeep,
    workflow,
)
from .cache import preview_html, retire
from .diff import compare
from .forms import (
    ArticleAdminForm,
    ImageAdminForm,
    TopicAdminForm,
    TypedText,
    WebhookAdminForm,
    action_form,
)
from .models import (
    ApiKey,
    ApiKeyUsage,
    Article,
    Audience,
    Autosave,
    CareCard,
    ChangeKind,
    Consent,
    ContentChange,
    CrisisSearchDay,
    DueForReviewItem,
    HelpfulnessSummary,
    HelpfulnessVote,
    Helpline,
    Image,
    ImageUse,
    Page,
    ProblemReport,
    RelatedTopic,
    ReportReply,
    ReviewQueueItem,
    SkinTones,
    Status,
    Topic,
    TopicCode,
    Webhook,
    WebhookDelivery,
    WorkflowEvent,
    render_body,
    render_intro,
    safety_notices,
    set_related_topics,
)
from .readability import TARGET_GRADE, measure
from .safe_messaging import find_flags
from .writing_checks import check as check_writing

log = logging.getLogger(__name__)

# The newest images the writing desk's picker offers; older ones are found in the library.
PICKER_IMAGES = 60

# The public articles a topic's preview lists: its page's first page of them.
PREVIEW_ARTICLE_CARDS = 20

# The name of the workflow buttons in the article's one form; the value is the action's.
ACTION_FIELD = "_workflow"


class RelatedTopicInline(admin.TabularInline):
    """This topic's related-topics list, in the order its page shows them."""

    model = RelatedTopic
    fk_name = "from_topic"
    fields = ["to_topic", "position"]
    autocomplete_fields = ["to_topic"]
    extra = 1
    verbose_name_plural = "related topics (shown on this topic's page in this order)"

    # Part of the topic, as the list was before it had an order: whoever may change the
    # topic may change its list.
    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("articles.view_topic")

    def has_add_permission(self, request, obj=None):
        return request.user.has_perm("articles.change_topic")

    has_change_permission = has_delete_permission = has_add_permission


class TopicCodeInline(admin.TabularInline):
    """The medical codes partners can look this topic up by (GET /api/v1/lookup), each
    checked against its system's format (articles/codes.py) by TopicCode.clean().

    Saved at once, not through topic review: a code is an index entry for partners'
    systems, not text readers are shown on the page (docs/api.md)."""

    model = TopicCode
    fields = ["system", "code", "display"]
    extra = 1
    verbose_name_plural = "medical codes (SNOMED CT, ICD-10, RxNorm, MeSH) for partners' lookups"

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("articles.view_topic")

    def has_add_permission(self, request, obj=None):
        return request.user.has_perm("articles.change_topic")

    has_change_permission = has_delete_permission = has_add_permission


# What readers see of a topic, reviewed before it changes (workflow.TOPIC_FIELDS).
READER_FIELDS = ("headline", "definition", "aliases", "intro", "safety_notice", "mental_health")


def _refusal(topic: Topic, user, name: str) -> str | None:
    try:
        workflow.check_action(topic, name=name, by=user)
    except workflow.TransitionNotAllowed as exc:
        return str(exc)
    return None


# What the review page says when a step is done.
_TOPIC_DONE = {
    "clinical_review": "Signed off clinically: an editor can now approve this version of {topic}.",
    "approve_topic": "Approved: readers now see this version of {topic}.",
    "reconfirm_topic": "Review confirmed: readers now see this version of {topic}.",
    "assign_topic": "Review of {topic} assigned.",
}


def _blank(field: str):
    return False if field == "mental_health" else ""


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    form = TopicAdminForm
    list_display = ["name", "slug", "published_articles", "waiting", "is_featured", "updated_at"]
    # Medical reviewers and editors find the topics whose new version waits for them.
    list_filter = [("has_pending_changes", admin.BooleanFieldListFilter), "is_featured"]
    search_fields = ["name", "aliases", "headline"]
    readonly_fields = ["slug_note", "review_note"]
    inlines = [RelatedTopicInline, TopicCodeInline]
    formfield_overrides = {models.TextField: {"form_class": TypedText}}
    fieldsets = [
        (None, {"fields": ["review_note", "name", "slug", "headline", "definition", "aliases"]}),
        (
            "Page",
            {
                "fields": [
                    "intro",
                    "safety_notice",
                    "mental_health",
                    "page_care_cards",
                    "is_featured",
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        # Counting groups rows, and Django drops Meta.ordering from grouped queries: order
        # again, or the topics autocomplete pages through them in no stable order.
        return super().get_queryset(request).with_article_counts().order_by("name", "pk")

    @admin.display(description="Published articles", ordering="num_articles")
    def published_articles(self, topic):
        return topic.num_articles

    @admin.display(description="New version waiting for review", boolean=True)
    def waiting(self, topic):
        return topic.has_pending_changes

    @admin.display(description="Address")
    def slug_note(self, topic):
        return topic.get_absolute_url() if topic.pk else "Made from the name when saved."

    def get_readonly_fields(self, request, obj=None):
        # Changing a topic's address would break every link readers have saved.
        return ["review_note", "slug"] if obj is not None else ["review_note"]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError:
            # Someone saved the same name (or slug) between this form's checks and its
            # insert; the view's transaction was rolled back whole. Once more: the checks
            # now see their topic and say so on the form (or a free slug is found).
            return super().changeform_view(request, object_id, form_url, extra_context)

    # Only editors write topic versions (workflow.edit_topic); a model permission given by
    # hand to someone else opens no door.
    def has_add_permission(self, request):
        return super().has_add_permission(request) and request.user.is_editor

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and request.user.is_editor

    def get_object(self, request, object_id, from_field=None):
        # Editors edit the pending version: the form shows it, not what readers see.
        topic = super().get_object(request, object_id, from_field)
        if topic is not None and topic.has_pending_changes:
            content = workflow.working_topic_content(topic)
            for field in READER_FIELDS:
                setattr(topic, field, getattr(content, field))
            topic.working_care_card_ids = content.care_card_ids
        return topic

    @admin.display(description="Care cards")
    def page_care_cards(self, topic):
        """The cards of the version on screen, for those who may only view the topic."""
        ids = getattr(topic, "working_care_card_ids", None)
        cards = CareCard.objects.filter(pk__in=ids) if ids is not None else topic.care_cards.all()
        return ", ".join(card.name for card in cards) or "None"

    @admin.display(description="Review")
    def review_note(self, topic):
        if topic.pk is None:
            return "—"
        if not topic.has_pending_changes:
            return format_html(
                'Readers see this version. <a href="{}">Review history, or confirm its review</a>',
                reverse("admin:articles_topic_review", args=[topic.pk]),
            )
        revision = workflow.pending_revision(topic)
        return format_html(
            "Readers still see the approved version: version {} waits for a second person. "
            '<a href="{}">Review and approve it</a> · <a href="{}">Preview the page</a>',
            revision.number if revision else "",
            reverse("admin:articles_topic_review", args=[topic.pk]),
            reverse("admin:articles_topic_preview", args=[topic.pk]),
        )

    # What readers see changes only when another editor approves (workflow.approve_topic):
    # the row keeps the approved text and the edit becomes the pending version.
    def save_model(self, request, obj, form, change):
        approved = Topic.objects.filter(pk=obj.pk).first() if change else None
        obj._proposed = {field: getattr(obj, field) for field in READER_FIELDS}
        for field in READER_FIELDS:
            setattr(obj, field, getattr(approved, field) if approved else _blank(field))
        super().save_model(request, obj, form, change)
        # The name is not reviewed: pages that mention it by name follow it now, and
        # partners who republish the topic hear of it as a minor revision.
        if approved is not None and approved.name != obj.name:
            changelog.record(ChangeKind.REVISED_MINOR, obj, note=f"Renamed from “{approved.name}”.")
        upkeep.topic_saved(topic=obj)

    def get_urls(self):
        return [
            path(
                "<int:pk>/review/",
                self.admin_site.admin_view(self.review_view),
                name="articles_topic_review",
            ),
            # Not admin_view(): its answer to a reader would be the login page, which says
            # that the address exists; a pending version's preview is a 404 to them.
            path("<int:pk>/preview/", self.preview_view, name="articles_topic_preview"),
            *super().get_urls(),
        ]

    def review_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The pending version beside what readers see: its word-level diff, its intro as
        readers would see it, its reading grade and safe-messaging flags, and the steps of
        its review (TOPIC_ACTIONS): a clinical sign-off, the approval (with a reason when one
        is needed), or a confirmation that what readers see stands.

        Anyone who may view topics may open it (medical reviewers who are not editors sign
        off here); the workflow decides who may take each step."""
        topic = Topic.objects.filter(pk=pk).first()
        if topic is None or not self.has_view_permission(request, topic):
            raise Http404
        revision = workflow.pending_revision(topic)
        flags = workflow.review_flags(topic) if revision else []
        grade = workflow.reading_grade(topic) if revision else None
        forms = {
            # A topic is always live: its approval is a revision, major or minor.
            name: action_form(action, flags=flags, grade=grade, live=True, topic=topic)
            for name, action in workflow.TOPIC_ACTIONS.items()
        }
        error = ""
        if request.method == "POST":
            action = workflow.TOPIC_ACTIONS.get(request.POST.get("action", "approve_topic"))
            if action is None:
                raise Http404
            form = forms[action.name] = action_form(
                action, request.POST, flags=flags, grade=grade, live=True, topic=topic
            )
            if not form.is_valid():
                error = f"“{action.label}” needs more from you: see the marked fields."
            else:
                try:
                    action.perform(topic=topic, by=request.user, **form.arguments())
                except workflow.TransitionNotAllowed as exc:
                    error = str(exc)
                else:
                    messages.success(request, _TOPIC_DONE[action.name].format(topic=topic))
                    return HttpResponseRedirect(
                        reverse("admin:articles_topic_review", args=[pk])
                        if action.name in ("clinical_review", "assign_topic")
                        else reverse("admin:articles_topic_change", args=[pk])
                    )
            topic.refresh_from_db()
            revision = workflow.pending_revision(topic)
        sign_off = workflow.clinical_sign_off(topic) if revision else None
        steps = [
            (name, forms[name], _refusal(topic, request.user, name))
            for name in ("clinical_review", "approve_topic")
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Review the new version of {topic}",
            "topic": topic,
            "revision": revision,
            "diff": workflow.topic_diff(topic),
            "diff_base_label": "What changes for readers",
            "flags": flags,
            "grade": grade,
            "target_grade": TARGET_GRADE,
            "sign_off": sign_off,
            "steps": steps if revision else [],
            "reconfirm_form": forms["reconfirm_topic"],
            "reconfirm_refusal": _refusal(topic, request.user, "reconfirm_topic"),
            "assign_form": forms["assign_topic"],
            "assign_refusal": _refusal(topic, request.user, "assign_topic"),
            "error": error,
            "history": topic.events.select_related("actor")[:20],
        }
        return render(
            request, "admin/articles/topic/review.html", context, status=400 if error else 200
        )

    @method_decorator(never_cache)
    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The reader's topic page (its template, trust block, care cards and related list)
        made from the pending version: for staff who may view topics, never cached or
        indexed. Readers' page keeps showing the approved version."""
        if not self.admin_site.has_permission(request):
            raise Http404
        topic = Topic.objects.select_related("medical_reviewer").filter(pk=pk).first()
        if topic is None or not self.has_view_permission(request, topic):
            raise Http404
        content = workflow.working_topic_content(topic)
        for field in READER_FIELDS:
            setattr(topic, field, getattr(content, field))
        # Rendered for this look only, never stored: the row keeps the approved HTML.
        topic.intro_html = render_intro(topic.intro, topic_id=topic.pk)
        related = Topic.objects.only("name", "slug").in_bulk(content.related_ids)
        context = {
            "topic": topic,
            "cards": reads.TopicCards(topic.pk)[0:PREVIEW_ARTICLE_CARDS],
            "related_topics": [related[pk] for pk in content.related_ids if pk in related],
            "care_cards": crisis_help.care_cards(card_ids=content.care_card_ids),
            "audiences": Audience.choices,
            "preview": True,
        }
        response = render(request, "articles/topic_detail.html", context)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    def get_inlines(self, request, obj):
        # A new topic is listed once it exists: its list is set on its change page.
        return self.inlines if obj is not None else []

    def save_related(self, request, form, formsets, change):
        topic = form.instance
        approved = list(topic.related.order_by("related_links__position", "related_links__pk"))
        working = workflow.working_topic_content(topic).related_ids
        super().save_related(request, form, formsets, change)
        if any(formset.has_changed() for formset in formsets if formset.model is RelatedTopic):
            # The list typed goes into the pending version; readers keep the approved one.
            related_ids = tuple(topic.related_links.values_list("to_topic_id", flat=True))
            set_related_topics(topic, approved)
        else:
            related_ids = working
        cards = form.cleaned_data.get("page_care_cards") or []
        content = workflow.TopicContent(
            **topic._proposed,
            related_ids=related_ids,
            care_card_ids=tuple(sorted(card.pk for card in cards)),
        )
        revision = workflow.edit_topic(topic=topic, content=content, by=request.user)
        if revision is not None:
            messages.info(
                request,
                "Saved as a new version: readers see the approved one until it is reviewed: "
                "a medical reviewer signs it off and another editor approves it.",
            )

    def delete_model(self, request, obj):
        with upkeep.deleting_topics([obj]):
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with upkeep.deleting_topics(queryset):
            super().delete_queryset(request, queryset)


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [*Status.choices, ("scheduled", "Scheduled"), ("pending", "Live, new version")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "scheduled":
            return queryset.filter(live=True, published_at__gt=timezone.now())
        if value == "pending":
            return queryset.filter(live=True, has_pending_changes=True)
        if value in Status.values:
            return queryset.filter(status=value)
        return queryset


class TopicFilter(admin.SimpleListFilter):
    title = "topic"
    parameter_name = "topic"

    def lookups(self, request, model_admin):
        return [(str(t.pk), t.name) for t in Topic.objects.order_by("name")[:200]]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(topic_links__tag_id=int(self.value()))
        return queryset


class AuthorFilter(admin.SimpleListFilter):
    title = "author"
    parameter_name = "author"

    def lookups(self, request, model_admin):
        people = User.objects.filter(Q(groups__name=CLINICIANS) | Q(articles__isnull=False))
        return [(str(u.pk), u.display_name) for u in people.distinct().order_by("last_name")]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(author_id=int(self.value()))
        return queryset


def local_time(moment: datetime.datetime) -> str:
    """A time as editors read it: in settings.TIME_ZONE, with the zone's abbreviation
    ("30 Mar 2026 09:00 BST")."""
    return timezone.localtime(moment).strftime("%d %b %Y %H:%M %Z")


class AssigneeFilter(admin.SimpleListFilter):
    title = "assigned to"
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        return [("me", "Me"), ("none", "Nobody yet")]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assignee=request.user)
        if self.value() == "none":
            return queryset.filter(assignee__isnull=True)
        return queryset


def status_label(article) -> str:
    if article.pk is None:
        return "Draft (not saved yet)"
    label = article.get_status_display()
    if article.is_scheduled:
        return f"Scheduled for {local_time(article.published_at)}"
    if article.live and article.status != Status.PUBLISHED:
        return f"Published; new version: {label.lower()}"
    return label


# ReportForgedFields (hub/security.py): fields posted that the form has not are logged.
class BaseArticleAdmin(ReportForgedFields, admin.ModelAdmin):
    """Per-object rules live here and in articles.workflow; model permissions only open doors."""

    form = ArticleAdminForm
    change_form_template = "admin/articles/article/change_form.html"
    list_display = ["title", "status_label", "author", "updated_at", "published_at"]
    list_select_related = ["author"]
    list_filter = [StatusFilter, TopicFilter, AuthorFilter, "audience"]
    search_fields = ["title", "summary", "author__username", "author__last_name"]
    date_hierarchy = None
    readonly_fields = [
        "status_label",
        "author",
        "medical_reviewer",
        "created_at",
        "submitted_at",
        "published_at",
        "last_reviewed",
        "next_review_due",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "slug",
                    "summary",
                    "body",
                    "topics",
                    "audience",
                    "loaded_version",
                ]
            },
        ),
        (
            "Status and review",
            {
                "fields": [
                    "status_label",
                    "author",
                    "medical_reviewer",
                    ("created_at", "submitted_at", "published_at"),
                    ("last_reviewed", "next_review_due"),
                ]
            },
        ),
    ]

    # --- visibility and permissions -------------------------------------------------

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("author")
        if request.user.is_editor:
            return queryset
        if request.user.is_medical_reviewer:
            # Theirs, and every article waiting for a clinical sign-off.
            return queryset.filter(Q(author=request.user) | Q(status=Status.IN_REVIEW))
        return queryset.filter(author=request.user)

    def get_object(self, request, object_id, from_field=None):
        article = super().get_object(request, object_id, from_field)
        if article is None:
            # Not visible to this person (or no such article): the same answer either way.
            raise Http404("No such article.")
        if article.live and article.has_pending_changes:
            # Editors work on the pending version; the row keeps the approved text.
            content = workflow.working_content(article)
            article.title, article.summary, article.body = (
                content.title,
                content.summary,
                content.body,
            )
            article.working_topic_ids = content.topic_ids
        return article

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or workflow.can_edit(obj, request.user)

    def has_delete_permission(self, request, obj=None):
        # Articles are archived, not deleted, so their record stays; only admins delete.
        return request.user.is_superuser

    def delete_model(self, request, obj):
        self.delete_queryset(request, type(obj).objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        topics = list(Topic.objects.filter(articles__in=queryset).values_list("pk", flat=True))
        shown = set().union(*(upkeep.article_keys(article) for article in queryset))
        super().delete_queryset(request, queryset)
        Topic.objects.filter(pk__in=topics).recount_live_articles()
        retire(*shown)

    def get_list_display(self, request):
        if request.user.is_editor:
            return self.list_display
        return [name for name in self.list_display if name != "author"]

    def get_list_filter(self, request):
        if request.user.is_editor:
            return self.list_filter
        return [f for f in self.list_filter if f is not AuthorFilter]

    # Only administrators reassign an article (say, when its author leaves); they pick
    # the new author by typing a name.
    autocomplete_fields = ["author"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if request.user.is_superuser and obj is not None:
            fields.remove("author")
        if obj is not None and obj.live:
            fields += ["slug", "audience"]
        return fields

    # hub/security.py: the workflow buttons and every action's inputs share the one form.
    def extra_posted_names(self, request, obj):
        actions = (posted_names(action_form(action)) for action in workflow.ACTIONS.values())
        return {ACTION_FIELD}.union(*actions)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        extra = {"admin_site": self.admin_site, "author_id": request.user.pk}
        if obj is not None and _pressed_name(request):
            action, inputs, refusal = self._pressed(request, obj)
            # A refusal from the workflow itself (the first attempt rolled back) wins.
            refusal = getattr(request, "_workflow_refusal", "") or refusal
            extra.update(action=action, action_form=inputs, refusal=refusal)

        class BoundForm(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, **{**extra, **kw})

        return BoundForm

    # --- one form: the text on screen is saved, then the action pressed is taken --------

    def _action_forms(self, request, article) -> dict:
        """The inputs of each action this person may take now; the pressed one bound to
        what was typed. Built once per request, so the page shows the same forms the
        validation used, errors and all."""
        forms = getattr(request, "_action_forms", None)
        if forms is None:
            pressed = _pressed_name(request)
            flags = self._flags(request, article)
            grade = self._grade(request, article)
            forms = {
                name: action_form(
                    workflow.ACTIONS[name],
                    request.POST if name == pressed else None,
                    flags=flags,
                    grade=grade,
                    article=article,
                    live=article.live,
                )
                for name in workflow.allowed_actions(article, request.user)
            }
            request._action_forms = forms
        return forms

    def _flags(self, request, article):
        """The safe-messaging flags an approval must acknowledge: those in the text being
        approved, which is the text on screen when an editor edits and approves at once."""
        if request.method == "POST" and "body" in request.POST:
            return find_flags(*(request.POST.get(f, "") for f in ("title", "summary", "body")))
        return workflow.review_flags(article)

    def _grade(self, request, article):
        """The reading grade an approval must explain when above target: of the text on
        screen when an editor edits and approves at once, as with the flags."""
        if request.method == "POST" and "body" in request.POST:
            audience = request.POST.get("audience", article.audience)
            if audience != Audience.PATIENTS:
                return None
            return measure(request.POST.get("body", "")).grade
        return workflow.reading_grade(article)

    def _pressed(self, request, article):
        """The pressed action, its bound inputs, and why it is refused ("" if it is not).
        Asked once per request (the admin builds its form class more than once)."""
        pressed = getattr(request, "_pressed", None)
        if pressed is None:
            name = _pressed_name(request)
            if name not in workflow.ACTIONS:  # no button ever sends it (hub/security.py)
                report_tampering(request, action=name)
            try:
                action = workflow.check_action(article, name=name, by=request.user)
            except workflow.TransitionNotAllowed as exc:
                log.warning(
                    "transition refused: %s",
                    exc,
                    extra={"article": article.pk, "actor": request.user.pk, "action": name},
                )
                pressed = (None, None, str(exc))
            else:
                pressed = (action, self._action_forms(request, article)[name], "")
            request._pressed = pressed
        return pressed

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        content = workflow.Content(
            title=data["title"],
            summary=data["summary"],
            body=data["body"],
            topic_ids=[t.pk for t in data.get("topics") or []],
        )
        if not change:
            created = workflow.create_article(
                by=request.user,
                title=content.title,
                summary=content.summary,
                body=content.body,
                topics=data.get("topics") or [],
                audience=data.get("audience"),
                slug=data.get("slug", ""),
            )
            obj.pk, obj.slug, obj.author, obj.version = (
                created.pk,
                created.slug,
                created.author,
                created.version,
            )
            obj._state.adding = False
            Autosave.objects.filter(user=request.user, article=None).delete()
            return
        action = form.action
        fields = {k: data[k] for k in ("slug", "audience", "author") if k in data}
        # The text on screen and the action pressed: both, or (on a refusal) neither.
        with transaction.atomic():
            if action is None or form.has_changed():
                workflow.edit_article(
                    article=obj,
                    by=request.user,
                    content=content,
                    expected_version=data.get("loaded_version") or 0,
                    fields=fields,
                )
            if action is not None:
                action.perform(article=obj, by=request.user, **form.action_form.arguments())
                request._workflow_taken = action
        Autosave.objects.filter(user=request.user, article=obj).delete()
        if obj.live and action is None:
            messages.info(
                request,
                "Saved as a new version. Readers keep seeing the approved text until an "
                "editor approves this one.",
            )

    def save_related(self, request, form, formsets, change):
        # Topics were saved by the workflow (onto a pending version for live articles).
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id and _pressed_name(request):
            article = self.get_object(request, unquote(object_id))
            if not self.has_change_permission(request, article):
                return self._act_without_text(request, article, form_url, extra_context)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (workflow.StaleEdit, workflow.TransitionNotAllowed) as exc:
            log.warning(
                "edit refused: %s", exc, extra={"article": object_id, "actor": request.user.pk}
            )
            if not object_id:
                messages.error(request, str(exc))
                return HttpResponseRedirect(reverse("admin:articles_article_changelist"))
            # Nothing was saved (the transaction rolled back). The page comes back with
            # everything typed in it and the reason at the top.
            request._workflow_refusal = str(exc)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def _act_without_text(self, request, article, form_url, extra_context):
        """An action by someone who may not edit the text now (an author withdrawing a
        submission): only the action's own inputs are posted."""
        action, inputs, refusal = self._pressed(request, article)
        if action is not None:
            if inputs.is_valid():
                try:
                    action.perform(article=article, by=request.user, **inputs.arguments())
                except workflow.TransitionNotAllowed as exc:
                    refusal = str(exc)
                else:
                    return self._acted(request, article, action)
            else:
                refusal = f"“{action.label}” needs more from you: see the marked fields."
        # The page again, as read, with the inputs as typed and the reason.
        page = copy.copy(request)
        page.method = "GET"
        extra = {**(extra_context or {}), "refusal": refusal}
        return super().changeform_view(page, str(article.pk), form_url, extra)

    def response_change(self, request, obj):
        action = getattr(request, "_workflow_taken", None)
        if action is None:
            return super().response_change(request, obj)
        return self._acted(request, obj, action)

    def _acted(self, request, article, action):
        log.info(
            "transition %s",
            action.name,
            extra={"article": article.pk, "actor": request.user.pk, "ip": client_ip(request)},
        )
        article.refresh_from_db()
        messages.success(
            request, format_html("“{}” is now: {}", article.title, _plain_status(article))
        )
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        if getattr(form, "theirs", None) is not None and obj is not None:
            # Someone saved meanwhile: show what they saved beside what this person typed.
            theirs = workflow.working_content(Article.objects.get(pk=obj.pk))
            yours = workflow.Content(
                *(form.data.get(f, "") for f in ("title", "summary", "body")), topic_ids=[]
            )
            context["theirs_diff"] = compare(theirs, yours)
        # An article is written one at a time; "save as new" would copy its history's claims.
        context.update(show_save_and_add_another=False, show_save_as_new=False)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- display ----------------------------------------------------------------------

    @admin.display(description="Status", ordering="status")
    def status_label(self, article):
        return status_label(article)

    def add_view(self, request, form_url="", extra_context=None):
        extra = {**(extra_context or {}), **self._desk_context(request, None)}
        return super().add_view(request, form_url, extra)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        article = self.get_object(request, object_id)
        extra = {
            **(extra_context or {}),
            **self._desk_context(request, article),
            **self._workflow_context(request, article),
        }
        return super().change_view(request, object_id, form_url, extra)

    def _desk_context(self, request, article):
        """What the writing desk around the form needs: the writer's unsaved text, if the
        last visit ended before it was saved."""
        autosave = (
            Autosave.objects.filter(user=request.user, article=article)
            .only("title", "summary", "body", "saved_at")
            .first()
        )
        working = workflow.working_content(article) if article is not None else None
        if autosave is not None and working is not None:
            same = (autosave.title, autosave.summary, autosave.body) == (
                working.title,
                working.summary,
                working.body,
            )
            if same:
                autosave = None
        return {
            "autosave_seconds": settings.ARTICLE_AUTOSAVE_SECONDS,
            "autosave": autosave,
            # Saved since by someone (or in another tab): still offered, never silently lost,
            # but the writer is told to compare before saving over it.
            "autosave_older": bool(
                autosave and article is not None and autosave.saved_at < article.updated_at
            ),
            "autosave_text": (
                {"title": autosave.title, "summary": autosave.summary, "body": autosave.body}
                if autosave
                else None
            ),
            "findings": (
                check_writing(title=working.title, summary=working.summary, body=working.body)
                if working
                else []
            ),
            "readability": measure(working.body) if working else None,
            "readability_target": TARGET_GRADE,
            # The picker: what this article may show (its author's images and shared ones).
            "library_images": list(
                Image.objects.usable_by(article.author_id if article else request.user.pk)
                .showable()
                .only("pk", "title", "alt_text", "decorative", "key", "renditions")[:PICKER_IMAGES]
            ),
            "image_add_url": reverse("admin:articles_image_add"),
        }

    def _workflow_context(self, request, article):
        forms = self._action_forms(request, article)
        # The step forward first: the sticky bar's primary button.
        actions = sorted(
            ((workflow.ACTIONS[name], form) for name, form in forms.items()),
            key=lambda pair: not pair[0].primary,
        )
        revisions = list(article.revisions.select_related("created_by"))
        current = workflow.pending_revision(article) if article.live else _RowVersion(article)
        base = _diff_base(article, revisions)
        events = list(article.events.select_related("actor").order_by("-created_at", "-pk"))
        # The step into review, not a sign-off or an assignment made while it is there.
        submission = next(
            (
                e
                for e in events
                if e.to_status == Status.IN_REVIEW and e.from_status != Status.IN_REVIEW
            ),
            None,
        )
        threads = comments.threads(article)
        return {
            # Comments on passages, beside the text (articles/comments.py).
            "comment_threads": threads,
            "open_comments": sum(t.comment.resolved_at is None for t in threads),
            "may_comment": comments.may_comment(article, request.user),
            "comment_draft": request.session.pop("comment_draft", None),
            "workflow_actions": actions,
            "events": events,
            # The author's words to the editor, shown above the text under review.
            "submission": submission if article.status == Status.IN_REVIEW else None,
            "revisions": revisions,
            "diff": compare(base, current) if current else [],
            "diff_base_label": _diff_label(base),
            # An editor deciding on a submission reads the changes first, beside the buttons.
            "review_first": article.status == Status.IN_REVIEW
            and (request.user.is_editor or request.user.is_medical_reviewer),
            "is_live": article.live,
        }

    # --- preview ------------------------------------------------------------------------

    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            # admin_view() adds login, staff and never_cache; the views check the object.
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(
                    rate_limited("preview", limit=120, window_seconds=60, methods=("GET",))(
                        concurrency_limited("preview", limit=2)(self.preview_view)
                    )
                ),
                name=f"{info}_preview",
            ),
            path(
                "live-preview/",
                self.admin_site.admin_view(
                    rate_limited("live-preview", limit=120, window_seconds=60)(
                        concurrency_limited("live-preview", limit=2)(
                            require_POST(self.live_preview_view)
                        )
                    )
                ),
                name=f"{info}_live_preview",
            ),
            path(
                "preview-frame/",
                # The one admin page that may be framed, and only by the hub's own pages.
                self.admin_site.admin_view(
                    xframe_options_sameorigin(
                        csp_replace({"frame-ancestors": ["'self'"]})(self.preview_frame_view)
                    )
                ),
                name=f"{info}_preview_frame",
            ),
            path(
                "<int:pk>/comments/",
                self.admin_site.admin_view(self._comment_url(step="add")),
                name=f"{info}_comment",
            ),
            path(
                "<int:pk>/comments/<int:comment_id>/reply/",
                self.admin_site.admin_view(self._comment_url(step="reply")),
                name=f"{info}_comment_reply",
            ),
            path(
                "<int:pk>/comments/<int:comment_id>/resolve/",
                self.admin_site.admin_view(self._comment_url(step="resolve")),
                name=f"{info}_comment_resolve",
            ),
            path(
                "autosave/",
                self.admin_site.admin_view(require_POST(self.autosave_view)),
                name=f"{info}_autosave_new",
            ),
            path(
                "<int:pk>/autosave/",
                self.admin_site.admin_view(require_POST(self.autosave_view)),
                name=f"{info}_autosave",
            ),
            *super().get_urls(),
        ]

    def _comment_url(self, *, step: str):
        def view(request, pk, comment_id=None):
            return self.comment_view(request, pk, comment_id, step=step)

        return rate_limited("comment", limit=60, window_seconds=60)(require_POST(view))

    def comment_view(self, request: HttpRequest, pk: int, comment_id=None, *, step: str):
        """Comments on passages (articles/comments.py): add one, reply, resolve. Works as a
        plain form post; the page comes back at the comments, with what was refused and why
        (and a refused new comment's words kept in its boxes)."""
        article = self._visible_article(request, pk)
        if not comments.may_comment(article, request.user):
            raise Http404("No such article.")
        post = request.POST
        try:
            if step == "add":
                comments.add(
                    article,
                    by=request.user,
                    quote=post.get("quote", ""),
                    text=post.get("text", ""),
                    before=post.get("before", ""),
                    after=post.get("after", ""),
                )
                done = "Your comment was added."
            elif step == "reply":
                comments.reply(article, comment_id, by=request.user, text=post.get("text", ""))
                done = "Your reply was added."
            else:
                comments.resolve(article, comment_id, by=request.user)
                done = "The comment is resolved."
        except comments.CommentRefused as exc:
            messages.error(request, str(exc))
            if step == "add":
                request.session["comment_draft"] = {
                    "quote": post.get("quote", "")[: comments.MAX_QUOTE],
                    "text": post.get("text", "")[: comments.MAX_TEXT],
                }
        else:
            messages.success(request, done)
        page = reverse("admin:articles_article_change", args=[article.pk])
        return HttpResponseRedirect(f"{page}#comments")

    def _visible_article(self, request, pk):
        article = self.get_queryset(request).filter(pk=pk).first()
        if article is None or not self.has_view_permission(request, article):
            raise Http404("No such article.")
        return article

    def live_preview_view(self, request: HttpRequest) -> HttpResponse:
        """The working text (POST title, summary, body) through the real pipeline, and the
        checks on it, for the panel beside the editor. Nothing is stored."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise Http404("No such page.")
        title, summary, body = (request.POST.get(f, "") for f in ("title", "summary", "body"))
        limit = settings.ARTICLE_BODY_MAX_CHARS
        if len(body) > limit or len(title) > 1000 or len(summary) > 5000:
            return JsonResponse(
                {"error": f"The text is longer than the {limit:,} characters an article may have."},
                status=400,
            )
        reading = measure(body)
        findings = check_writing(title=title, summary=summary, body=body)
        article_id = request.POST.get("article", "")
        article = self._visible_article(request, int(article_id)) if article_id.isdigit() else None
        author_id = article.author_id if article is not None else request.user.pk
        return JsonResponse(
            {
                "title": title,
                "summary": summary,
                "html": str(render_body(body, author_id=author_id)),
                "checks": render_to_string(
                    "admin/articles/article/_checks.html",
                    {
                        "findings": findings,
                        "readability": reading,
                        "readability_target": TARGET_GRADE,
                    },
                ),
                "blocking": sum(f.blocking for f in findings),
            }
        )

    def preview_frame_view(self, request: HttpRequest) -> HttpResponse:
        """The public article page's frame, empty: the desk's script fills it with the
        working text, so the preview is styled exactly as readers will see it."""
        response = render(request, "admin/articles/article/preview_frame.html", {"preview": True})
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    def autosave_view(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        """Keep the writer's unsaved text (POST title, summary, body), or forget it
        (POST discard). Only for someone who may edit the article now: 404 otherwise."""
        if pk is None:
            if not self.has_add_permission(request):
                raise Http404("No such article.")
            article, page = None, reverse("admin:articles_article_add")
        else:
            article = self._visible_article(request, pk)
            if not self.has_change_permission(request, article):
                raise Http404("No such article.")
            page = reverse("admin:articles_article_change", args=[pk])
        kept = Autosave.objects.filter(user=request.user, article=article)
        if request.POST.get("discard"):
            kept.delete()
            return HttpResponseRedirect(page)
        text = {field: request.POST.get(field, "") for field in ("title", "summary", "body")}
        if (
            len(text["body"]) > settings.ARTICLE_BODY_MAX_CHARS
            or len(text["title"]) > 1000
            or (len(text["summary"]) > 5000)
        ):
            return JsonResponse({"error": "The text is too long to keep."}, status=400)
        saved, _ = Autosave.objects.update_or_create(
            user=request.user, article=article, defaults={**text, "saved_at": timezone.now()}
        )
        local = timezone.localtime(saved.saved_at)
        return JsonResponse({"saved_at": local.isoformat(), "time": f"{local:%H:%M}"})

    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        article = self._visible_article(request, pk)
        number = request.GET.get("revision", "")
        topics = list(article.topics.all())
        version = None  # the row's own text: its HTML was stored when it was saved
        if number.isdigit():
            revision = article.revisions.filter(number=int(number)).first()
            if revision is None:
                raise Http404("No such version.")
            article.title, article.summary, article.body = (
                revision.title,
                revision.summary,
                revision.body,
            )
            topics = list(Topic.objects.filter(pk__in=revision.topic_ids))
            version = f"revision-{revision.number}"
        elif article.live and article.has_pending_changes:
            content = workflow.working_content(article)
            article.title, article.summary, article.body = (
                content.title,
                content.summary,
                content.body,
            )
            topics = list(Topic.objects.filter(pk__in=content.topic_ids))
            version = f"working-{article.version}"
        if version is not None:
            article.body_html = preview_html(article, version)
        response = render(
            request,
            "articles/article_detail.html",
            {
                "article": article,
                "topics": topics,
                "safety_notices": safety_notices(topics),
                "preview": True,
            },
        )
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response


def _diff_base(article, revisions):
    """The version to compare the current text with: the last approved one, or else the
    last one an editor saw (so a resubmission shows what changed since changes were asked)."""
    approved = [r for r in revisions if r.approved_at]
    if approved:
        return approved[0]
    submitted = [r for r in revisions if r.submitted_at]
    if article.status == Status.IN_REVIEW:
        submitted = submitted[1:]  # the newest submission is the text under review
    return submitted[0] if submitted else None


class _RowVersion:
    """The article row seen as a version, for diffs of never-published articles."""

    def __init__(self, article):
        self.title, self.summary, self.body = article.title, article.summary, article.body
        self.topic_names = [t.name for t in article.topics.all()]


def _diff_label(base) -> str:
    if base is None:
        return "Everything is new: this is the first version"
    if base.approved_at:
        return f"Changes since the version approved on {base.approved_at:%-d %b %Y}"
    return f"Changes since version {base.number}, submitted on {base.submitted_at:%-d %b %Y}"


def _pressed_name(request) -> str | None:
    """The workflow action whose button sent this POST, if one did."""
    if request.method != "POST":
        return None
    return request.POST.get(ACTION_FIELD) or None


def _plain_status(article) -> str:
    if article.is_scheduled:
        return f"scheduled for {local_time(article.published_at)}"
    return article.get_status_display().lower()


@admin.register(Article)
class ArticleAdmin(BaseArticleAdmin):
    def changelist_view(self, request, extra_context=None):
        title = "All articles" if request.user.is_editor else "My articles"
        return super().changelist_view(request, {"title": title, **(extra_context or {})})


class RecordAdmin(admin.ModelAdmin):
    """A record kept by the hub itself (events, counts, queues): looked at, never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EditorsArticleList(RecordAdmin):
    """A read-only list of articles for editors; each row opens the article's own page."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_editor else queryset.none()

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_editor

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_editor

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[object_id]))


@admin.register(ReviewQueueItem)
class ReviewQueueAdmin(EditorsArticleList):
    """Editors' queue: everything in review, oldest submission first."""

    list_display = ["title", "author", "assignee", "review_due", "submitted_at", "waiting"]
    list_select_related = ["author", "assignee"]
    list_filter = [TopicFilter, AuthorFilter, AssigneeFilter, "audience"]
    search_fields = ["title", "summary", "author__username", "author__last_name"]
    ordering = ["submitted_at", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=Status.IN_REVIEW)

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "Review queue", **(extra_context or {})})

    @admin.display(description="Waiting", ordering="submitted_at")
    def waiting(self, article):
        """Whole days since submission, in the editors' time zone."""
        if article.submitted_at is None:
            return "—"
        days = (timezone.localdate() - timezone.localtime(article.submitted_at).date()).days
        return "Today" if days == 0 else f"{days} day{'s' if days != 1 else ''}"


@admin.register(WorkflowEvent)
class WorkflowEventAdmin(RecordAdmin):
    list_display = ["created_at", "article", "topic", "actor", "from_status", "to_status"]
    list_filter = ["to_status"]
    list_select_related = ["article", "topic", "actor"]
    search_fields = ["article__title", "topic__name", "actor__username", "comment"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_editor:
            return queryset
        return queryset.filter(article__author=request.user)


@admin.register(ContentChange)
class ContentChangeAdmin(RecordAdmin):
    """The changes log partners follow (GET /api/v1/changes, webhooks): what readers saw
    change. Written only by the workflow; editors look, nobody edits."""

    list_display = ["pk", "at", "kind", "title", "revision", "note"]
    list_filter = ["kind"]
    search_fields = ["title", "slug", "note", "reason"]

    def has_module_permission(self, request):
        return request.user.is_active and (request.user.is_editor or request.user.is_superuser)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    """Partners' webhooks. The secret that signs each delivery is made here and shown once,
    when the webhook is added: the partner keeps it to verify what they receive."""

    form = WebhookAdminForm
    list_display = ["partner", "url", "active", "kinds", "created_at"]
    list_filter = ["active"]
    search_fields = ["partner", "url"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.secret = secrets.token_urlsafe(32)
        super().save_model(request, obj, form, change)
        if not change:
            messages.warning(
                request,
                f"The signing secret for {obj.partner} is {obj.secret} — give it to them now: "
                "it is not shown again.",
            )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(RecordAdmin):
    """Every attempt to deliver a change to a webhook, failed ones and retries included."""

    list_display = [
        "at",
        "webhook",
        "change",
        "attempt",
        "status_code",
        "delivered",
        "error",
        "duration_ms",
        "next_retry_at",
    ]
    list_filter = ["delivered", "webhook"]
    list_select_related = ["webhook", "change"]


@admin.register(DueForReviewItem)
class DueForReviewAdmin(EditorsArticleList):
    """Live articles overdue for medical review or due within 30 days, soonest first; the
    topics due in the same window are listed beside them (a topic is always live)."""

    WINDOW_DAYS = 30
    change_list_template = "admin/articles/dueforreviewitem/change_list.html"
    list_display = [
        "title",
        "author",
        "medical_reviewer",
        "last_reviewed",
        "next_review_due",
        "when",
    ]
    list_select_related = ["author", "medical_reviewer"]
    list_filter = [TopicFilter, AuthorFilter]
    search_fields = ["title", "author__last_name"]
    ordering = ["next_review_due", "pk"]

    def get_queryset(self, request):
        horizon = timezone.localdate() + datetime.timedelta(days=self.WINDOW_DAYS)
        return super().get_queryset(request).filter(live=True, next_review_due__lte=horizon)

    @admin.display(description="Due")
    def when(self, item):
        days = (item.next_review_due - timezone.localdate()).days
        if days < 0:
            return f"Overdue by {-days} day{'s' if days != -1 else ''}"
        return "Today" if days == 0 else f"In {days} day{'s' if days != 1 else ''}"

    def changelist_view(self, request, extra_context=None):
        today = timezone.localdate()
        queryset = self.get_queryset(request)
        horizon = today + datetime.timedelta(days=self.WINDOW_DAYS)
        topics = list(
            Topic.objects.filter(next_review_due__lte=horizon)
            .select_related("medical_reviewer")
            .order_by("next_review_due", "name")
        )
        overdue_topics = sum(topic.next_review_due < today for topic in topics)
        counts = {
            "overdue": queryset.filter(next_review_due__lt=today).count() + overdue_topics,
            "due_soon": queryset.filter(next_review_due__gte=today).count()
            + len(topics)
            - overdue_topics,
        }
        subtitle = f"{counts['overdue']} overdue · {counts['due_soon']} due in the next 30 days"
        due_topics = [(topic, self.when(topic)) for topic in topics]
        extra = {
            "title": "Due for review",
            "subtitle": subtitle,
            "review_counts": counts,
            "due_topics": due_topics,
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra)


@admin.register(ProblemReport)
class ProblemReportAdmin(admin.ModelAdmin):
    change_form_template = "admin/articles/problemreport/change_form.html"
    list_display = [
        "created_at",
        "subject",
        "short_message",
        "state",
        "article_version",
        "can_reply",
    ]
    list_filter = ["state"]
    list_select_related = ["article", "topic"]
    search_fields = ["message", "article__title", "topic__name"]
    readonly_fields = [
        "article",
        "topic",
        "page_address",
        "article_version",
        "last_reviewed_seen",
        "message",
        "email",
        "created_at",
        "resolved_by",
        "resolved_at",
    ]
    fields = [*readonly_fields[:8], "state", "resolution_note", "resolved_by", "resolved_at"]
    actions = ["mark_resolved", "mark_dismissed"]

    def has_add_permission(self, request):
        return False

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(
            request, {"title": "Problem reports", **(extra_context or {})}
        )

    @admin.display(description="Page")
    def subject(self, report):
        return report.article or report.topic or report.page_address or "(general)"

    @admin.display(description="Message")
    def short_message(self, report):
        return report.message[:80] + ("…" if len(report.message) > 80 else "")

    @admin.display(description="Reader's address", boolean=True)
    def can_reply(self, report):
        return bool(report.email)

    def save_model(self, request, obj, form, change):
        if "state" in form.changed_data and obj.state != ProblemReport.State.OPEN:
            # Closed through reader_replies, so that the reader is told.
            state, note = obj.state, obj.resolution_note
            obj.state = ProblemReport.State.OPEN
            super().save_model(request, obj, form, change)
            reader_replies.close(obj, by=request.user, state=state, note=note)
            obj.refresh_from_db()
            return
        if "state" in form.changed_data:  # reopened
            obj.resolved_by = obj.resolved_at = None
        super().save_model(request, obj, form, change)

    def _close(self, request, queryset, state):
        count = sum(
            reader_replies.close(report, by=request.user, state=state)
            for report in queryset.filter(state=ProblemReport.State.OPEN)
        )
        self.message_user(request, f"{count} report(s) marked {state}.")

    @admin.action(description="Mark selected reports resolved", permissions=["change"])
    def mark_resolved(self, request, queryset):
        self._close(request, queryset, ProblemReport.State.RESOLVED)

    @admin.action(description="Dismiss selected reports", permissions=["change"])
    def mark_dismissed(self, request, queryset):
        self._close(request, queryset, ProblemReport.State.DISMISSED)

    # --- replying to the reader -----------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "<int:pk>/reply/",
                self.admin_site.admin_view(require_POST(self.reply_view)),
                name="articles_problemreport_reply",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # An address that is not a number is the admin's own "not found", not a 500 here.
        replies = (
            ReportReply.objects.filter(report_id=object_id).select_related("sent_by")
            if str(object_id).isdigit()
            else []
        )
        extra = {
            **(extra_context or {}),
            "replies": list(replies),
            "email_days": settings.PROBLEM_REPORT_EMAIL_DAYS,
        }
        return super().change_view(request, object_id, form_url, extra)

    def reply_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = ProblemReport.objects.filter(pk=pk).first()
        if report is None or not self.has_change_permission(request, report):
            raise Http404("No such report.")
        try:
            reader_replies.reply(report, by=request.user, text=request.POST.get("reply", ""))
        except reader_replies.CannotReply as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Your reply was e-mailed to the reader.")
        return HttpResponseRedirect(reverse("admin:articles_problemreport_change", args=[pk]))


class HelpfulnessVoteAdmin(RecordAdmin):
    """Each answer, for reading the comments: page, yes or no, comment, day."""

    list_display = ["day", "page", "answer", "comment"]
    list_filter = ["helpful", "day"]
    list_select_related = ["article", "topic"]
    search_fields = ["comment", "article__title", "topic__name"]

    @admin.display(description="Helpful?", boolean=True, ordering="helpful")
    def answer(self, vote):
        return vote.helpful


class HelpfulnessSummaryAdmin(RecordAdmin):
    """Per page: yes, no, % helpful, comments; sortable by each (?o=, "-" for descending)."""

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        order = request.GET.get("o", "-no")
        rows = helpfulness.with_pages(list(helpfulness.helpfulness_summary(order)[:SUMMARY_ROWS]))
        columns = [
            (name, label, f"-{name}" if order != f"-{name}" else name, order.lstrip("-") == name)
            for name, label in (
                ("yes", "Yes"),
                ("no", "No"),
                ("percent", "% helpful"),
                ("comments", "Comments"),
            )
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Was this page helpful?",
            "rows": rows,
            "columns": columns,
            "order": order,
            "limit": SUMMARY_ROWS,
            **(extra_context or {}),
        }
        return render(request, "admin/articles/helpfulnesssummary/summary.html", context)


# The summary lists the pages with most answers of the chosen kind first, this many.
SUMMARY_ROWS = 200

admin.site.register(HelpfulnessVote, HelpfulnessVoteAdmin)
admin.site.register(HelpfulnessSummary, HelpfulnessSummaryAdmin)


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "updated_at"]
    fields = ["title", "slug", "body"]

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Helpline)
class HelplineAdmin(admin.ModelAdmin):
    """The lines on the "Get help now" card. A save retires every cached page (upkeep.py)."""

    list_display = ["name", "region", "phone", "text_number", "is_emergency", "display_order"]
    list_display_links = ["name"]
    list_editable = ["display_order"]
    list_filter = ["region", "is_active", "is_emergency"]
    search_fields = ["name", "description"]
    fields = [
        "name",
        "description",
        ("phone", "text_number", "text_keyword"),
        "hours",
        ("region", "display_order"),
        ("is_emergency", "is_active"),
    ]


@admin.register(CareCard)
class CareCardAdmin(admin.ModelAdmin):
    """ "When to get help" blocks, written once and shown on the topics and articles chosen."""

    list_display = ["name", "level", "heading", "display_order", "updated_at"]
    list_filter = ["level"]
    search_fields = ["name", "heading", "points"]
    autocomplete_fields = ["articles"]
    # Which topics show a card is part of each topic's reviewed content: it is chosen on the
    # topic's page, where it goes into the topic's pending version (workflow.TopicContent).
    fields = [
        "name",
        "level",
        "heading",
        "points",
        "action",
        "display_order",
        "shown_on_topics",
        "articles",
    ]
    readonly_fields = ["shown_on_topics"]

    @admin.display(description="Topics")
    def shown_on_topics(self, card):
        topics = list(card.topics.order_by("name")) if card.pk else []
        listed = ", ".join(topic.name for topic in topics) or "None yet"
        return f"{listed}. Attach it on a topic's page: the change is reviewed with the topic."


@admin.register(CrisisSearchDay)
class CrisisSearchDayAdmin(RecordAdmin):
    """How many searches a day signalled a crisis: counts only, nothing readers typed."""

    list_display = ["day", "count"]
    date_hierarchy = "day"


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Partners' keys to the API: issued here (the key is shown once, after saving) and
    revoked here (the "Revoke" action); never shown again, as only its hash is kept."""

    list_display = ["partner", "name", "shown_prefix", "rate_limit_per_minute", "created_at",
                    "revoked_at"]  # fmt: skip
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["partner", "name", "prefix"]
    fields = ["partner", "name", "rate_limit_per_minute", "shown_prefix", "created_at",
              "revoked_at"]  # fmt: skip
    readonly_fields = ["shown_prefix", "created_at", "revoked_at"]
    actions = ["revoke"]

    @admin.display(description="Key begins")
    def shown_prefix(self, key):
        return f"hh_{key.prefix}…" if key.prefix else "—"

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        secret = obj.issue()
        messages.warning(
            request,
            format_html(
                "The new key for {} is <code>{}</code>. Copy it now and give it to the partner "
                "privately: only its hash is kept, so it cannot be shown again.",
                obj.partner,
                secret,
            ),
        )

    @admin.action(description="Revoke the selected keys (they stop working at once)")
    def revoke(self, request, queryset):
        revoked = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        messages.success(request, f"Revoked {revoked} key{'s' if revoked != 1 else ''}.")

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the key's usage stays on record


@admin.register(ApiKeyUsage)
class ApiKeyUsageAdmin(RecordAdmin):
    """Requests per key per day (counted in batches of API_USAGE_FLUSH_EVERY)."""

    list_display = ["day", "key", "requests"]
    list_filter = ["key"]
    date_hierarchy = "day"
    list_select_related = ["key"]


class ImageAttentionFilter(admin.SimpleListFilter):
    title = "needs attention"
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [
            ("decorative", "No alt text (decorative)"),
            ("credit", "No credit"),
            ("licence", "No licence or source"),
            ("consent", "Consent refused or withdrawn"),
        ]

    def queryset(self, request, queryset):
        filters = {
            "decorative": Q(decorative=True),
            "credit": Q(credit=""),
            "licence": Q(licence=""),
            "consent": Q(consent=Consent.NOT_GIVEN),
        }
        return queryset.filter(filters[self.value()]) if self.value() in filters else queryset


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    """The image library. Clinicians upload, see their own and shared images and change
    their own; editors see and change all, and delete those no article uses."""

    form = ImageAdminForm
    list_display = ["thumbnail", "title", "description", "credit", "consent", "shared", "uses"]
    list_display_links = ["thumbnail", "title"]
    list_filter = [ImageAttentionFilter, "consent", "shared", "skin_tones"]
    search_fields = ["title", "tags", "alt_text", "caption"]
    readonly_fields = ["preview", "markdown", "used_in", "file_details"]

    class Media:
        # No inline style under the CSP: the thumbnails' sizes are in this stylesheet.
        css = {"all": ["css/admin-library.css"]}

    def get_fieldsets(self, request, obj=None):
        about = ["title", "alt_text", "decorative", "caption", "credit", "licence"]
        return [
            (None, {"fields": (["preview", "markdown"] if obj else []) + ["upload"]}),
            ("For readers", {"fields": about}),
            ("People in it", {"fields": ["consent", "skin_tones"]}),
            (
                "Library",
                {"fields": ["tags", "shared"] + (["used_in", "file_details"] if obj else [])},
            ),
        ]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).annotate(use_count=Count("uses"))
        if request.user.is_editor:
            return queryset
        return queryset.usable_by(request.user.pk)

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or request.user.is_editor or obj.uploaded_by_id == request.user.pk

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and request.user.is_editor

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        if form.cleaned_data.get("upload"):
            library.set_file(image=obj, prepared=form.prepared)
        super().save_model(request, obj, form, change)

    def get_urls(self):
        return [
            path(
                "representation/",
                self.admin_site.admin_view(self.representation_view),
                name="articles_image_representation",
            ),
            *super().get_urls(),
        ]

    def representation_view(self, request: HttpRequest) -> HttpResponse:
        """Per topic, the skin tones of the images its public articles show readers: one
        grouped query. Images whose tones are not recorded are counted apart, so a topic
        with none recorded is visible as such rather than as balanced."""
        if not request.user.is_editor:
            raise Http404("No such page.")
        rows = (
            ImageUse.objects.public()
            .values("article__topic_links__tag__name", "image__skin_tones")
            .annotate(images=Count("image", distinct=True))
            .order_by("article__topic_links__tag__name")
        )
        tones = SkinTones.choices
        table: dict[str, dict[str, int]] = {}
        for row in rows:
            topic = row["article__topic_links__tag__name"] or "(no topic)"
            table.setdefault(topic, dict.fromkeys([value for value, _label in tones], 0))
            table[topic][row["image__skin_tones"]] = row["images"]
        context = {
            **self.admin_site.each_context(request),
            "title": "Skin tones readers see, by topic",
            "tones": tones,
            "rows": [(topic, [counts[v] for v, _l in tones]) for topic, counts in table.items()],
            "opts": self.opts,
        }
        return render(request, "admin/articles/image/representation.html", context)

    def changelist_view(self, request, extra_context=None):
        extra = {"representation_url": reverse("admin:articles_image_representation")}
        return super().changelist_view(request, {**(extra_context or {}), **extra})

    def delete_model(self, request, obj):
        library.delete_image(image=obj)

    def delete_queryset(self, request, queryset):
        for image in queryset:
            library.delete_image(image=image)

    @admin.display(description="Image")
    def thumbnail(self, image):
        url = image.thumbnail_url
        if not url:
            return "—"
        return format_html('<img src="{}" alt="" width="80" class="library-thumb">', url)

    @admin.display(description="Preview")
    def preview(self, image):
        url = image.thumbnail_url
        return format_html('<img src="{}" alt="" class="library-preview">', url)

    @admin.display(description="Alt text")
    def description(self, image):
        return "(decorative)" if image.decorative else image.alt_text

    @admin.display(description="Used in", ordering="use_count")
    def uses(self, image):
        return image.use_count

    @admin.display(description="In an article, write")
    def markdown(self, image):
        return format_html("<code>![]({})</code>", f"image:{image.pk}")

    @admin.display(description="Used in these articles")
    def used_in(self, image):
        uses = ImageUse.objects.filter(image=image).select_related("article")
        items = [
            format_html(
                '<li><a href="{}">{}</a>{}</li>',
                reverse("admin:articles_article_change", args=[use.article.pk]),
                use.article.title,
                " (public)" if use.article.is_public else "",
            )
            for use in uses
        ]
        if not items:
            return "No article uses it: its files are private."
        return format_html("<ul>{}</ul>", format_html_join("", "{}", ((i,) for i in items)))

    @admin.display(description="Stored files")
    def file_details(self, image):
        sizes = ", ".join(f"{w}×{h} {ext}" for w, h, ext in image.renditions)
        return f"{image.format}, {image.width}×{image.height}; renditions: {sizes}"


# --- the admin's home: a dashboard per role (articles/dashboard.py; hub/admin_site.py) -------


def _is_reviewer(user) -> bool:
    return user.is_editor or user.is_medical_reviewer


def _review_counts(request) -> dashboard.Counts:
    if not hasattr(request, "_review_counts"):
        request._review_counts = dashboard.counts(request.user)
    return request._review_counts


def dashboard_context(request: HttpRequest) -> dict:
    """The home page's panels for this person: an author's own work; for editors and medical
    reviewers also what awaits review, what is due, open reports and recent activity."""
    user = request.user
    reviewer = _is_reviewer(user)
    panels = {
        "authored": dashboard.authored(user),
        "is_reviewer": reviewer,
        # Issue 21's other half: reviewers' open comments on this person's articles.
        "open_comments": list(comments.open_comments_for(user, limit=dashboard.PANEL_ROWS)),
    }
    if reviewer:
        panels.update(
            counts=_review_counts(request),
            awaiting=dashboard.awaiting(user),
            due=dashboard.due_for_review(),
            activity=dashboard.activity(user, everyone=True),
            reports=dashboard.open_reports() if user.is_editor else None,
            least_helpful=(
                helpfulness.least_helpful(limit=dashboard.PANEL_ROWS) if user.is_editor else None
            ),
        )
    else:
        panels["activity"] = dashboard.activity(user, everyone=False)
    return {"dashboard": panels, "time_zone": settings.TIME_ZONE}


def nav_counts(request: HttpRequest) -> dict[str, int]:
    """Beside the editors' navigation entries: "Review queue (2)"."""
    if not request.user.is_active or not request.user.is_editor:
        return {}
    counts = _review_counts(request)
    return {
        "ReviewQueueItem": counts.in_review,
        "DueForReviewItem": counts.due,
        "ProblemReport": counts.open_reports,
    }


admin.site.register_dashboard(dashboard_context, nav_counts)
