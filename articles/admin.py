import datetime
import logging

from django.contrib import admin, messages
from django.db import IntegrityError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.views.decorators.http import require_POST

from accounts.models import CLINICIANS, User
from hub.ratelimit import client_ip, rate_limited

from . import upkeep, workflow
from .cache import content_changed
from .diff import compare
from .forms import ArticleAdminForm, action_form
from .models import (
    Article,
    DueForReviewItem,
    Page,
    ProblemReport,
    ReviewQueueItem,
    Status,
    Topic,
    WorkflowEvent,
    render_linked,
    safety_notices,
)
from .readability import TARGET_GRADE, measure

log = logging.getLogger(__name__)


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "published_articles", "is_featured", "updated_at"]
    list_filter = ["is_featured"]
    search_fields = ["name", "aliases", "headline"]
    autocomplete_fields = ["related"]
    readonly_fields = ["slug_note"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "headline", "definition", "aliases"]}),
        ("Page", {"fields": ["intro", "safety_notice", "related", "is_featured"]}),
    ]

    def get_queryset(self, request):
        # Counting groups rows, and Django drops Meta.ordering from grouped queries: order
        # again, or the topics autocomplete pages through them in no stable order.
        return super().get_queryset(request).with_article_counts().order_by("name", "pk")

    @admin.display(description="Published articles", ordering="num_articles")
    def published_articles(self, topic):
        return topic.num_articles

    @admin.display(description="Address")
    def slug_note(self, topic):
        return topic.get_absolute_url() if topic.pk else "Made from the name when saved."

    def get_readonly_fields(self, request, obj=None):
        # Changing a topic's address would break every link readers have saved.
        return ["slug"] if obj is not None else []

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError:
            # Someone saved the same name (or slug) between this form's checks and its
            # insert; the view's transaction was rolled back whole. Once more: the checks
            # now see their topic and say so on the form (or a free slug is found).
            return super().changeform_view(request, object_id, form_url, extra_context)

    # Pages that mention a topic show its name, link and definition: keep them current.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        upkeep.topic_saved(topic=obj)

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


def status_label(article) -> str:
    if article.pk is None:
        return "Draft (not saved yet)"
    label = article.get_status_display()
    if article.is_scheduled:
        return f"Scheduled for {article.published_at:%d %b %Y %H:%M} UTC"
    if article.live and article.status != Status.PUBLISHED:
        return f"Published; new version: {label.lower()}"
    return label


class BaseArticleAdmin(admin.ModelAdmin):
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
        super().delete_queryset(request, queryset)
        Topic.objects.filter(pk__in=topics).recount_live_articles()
        content_changed()

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

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        site = self.admin_site

        class BoundForm(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, admin_site=site, **kw)

        return BoundForm

    # --- saving goes through the workflow -------------------------------------------

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
            return
        fields = {k: data[k] for k in ("slug", "audience", "author") if k in data}
        workflow.edit_article(
            article=obj,
            by=request.user,
            content=content,
            expected_version=data.get("loaded_version") or 0,
            fields=fields,
        )
        if obj.live:
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
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (workflow.StaleEdit, workflow.TransitionNotAllowed) as exc:
            log.warning("edit refused: %s", exc, extra={"article": object_id})
            messages.error(request, str(exc))
            if object_id:
                return HttpResponseRedirect(
                    reverse("admin:articles_article_change", args=[object_id])
                )
            return HttpResponseRedirect(reverse("admin:articles_article_changelist"))

    # --- display ----------------------------------------------------------------------

    @admin.display(description="Status", ordering="status")
    def status_label(self, article):
        return status_label(article)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        article = self.get_object(request, object_id)
        extra = {**(extra_context or {}), **self._workflow_context(request, article)}
        return super().change_view(request, object_id, form_url, extra)

    def _workflow_context(self, request, article):
        actions = [
            workflow.ACTIONS[name] for name in workflow.allowed_actions(article, request.user)
        ]
        revisions = list(article.revisions.select_related("created_by"))
        current = workflow.pending_revision(article) if article.live else _RowVersion(article)
        base = _diff_base(article, revisions)
        working = workflow.working_content(article)
        flags = workflow.review_flags(article)
        return {
            "readability": measure(working.body),
            "readability_target": TARGET_GRADE,
            "flags": flags,
            # Each button the registry allows, with the form that collects its inputs.
            "workflow_actions": [(action, action_form(action, flags=flags)) for action in actions],
            "events": article.events.select_related("actor").order_by("-created_at", "-pk"),
            "revisions": revisions,
            "diff": compare(base, current) if current else [],
            "diff_base": base,
            "is_live": article.live,
        }

    # --- workflow buttons, preview ----------------------------------------------------

    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "<int:pk>/transition/<str:action>/",
                self.admin_site.admin_view(self.transition_view),
                name=f"{info}_transition",
            ),
            # admin_view() adds login, staff and never_cache; the views check the object.
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(
                    rate_limited("preview", limit=120, window_seconds=60, methods=("GET",))(
                        self.preview_view
                    )
                ),
                name=f"{info}_preview",
            ),
            *super().get_urls(),
        ]

    def _visible_article(self, request, pk):
        article = self.get_queryset(request).filter(pk=pk).first()
        if article is None or not self.has_view_permission(request, article):
            raise Http404("No such article.")
        return article

    def transition_view(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        return _transition(request, self, pk=pk, action=action)

    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        article = self._visible_article(request, pk)
        number = request.GET.get("revision", "")
        topics = list(article.topics.all())
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
        elif article.live and article.has_pending_changes:
            content = workflow.working_content(article)
            article.title, article.summary, article.body = (
                content.title,
                content.summary,
                content.body,
            )
            topics = list(Topic.objects.filter(pk__in=content.topic_ids))
        article.body_html = render_linked(article.body)
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


@require_POST
def _transition(request, model_admin, *, pk: int, action: str) -> HttpResponse:
    """Take the registry's action `action`: the rules first, then its form, then the move."""
    article = model_admin._visible_article(request, pk)
    change_url = reverse("admin:articles_article_change", args=[article.pk])
    try:
        step = workflow.check_action(article, name=action, by=request.user)
        form = action_form(step, request.POST, flags=workflow.review_flags(article))
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return HttpResponseRedirect(change_url)
        step.perform(article=article, by=request.user, **form.arguments())
    except workflow.TransitionNotAllowed as exc:
        log.warning(
            "transition refused: %s",
            exc,
            extra={"article": article.pk, "actor": request.user.pk, "action": action},
        )
        messages.error(request, str(exc))
        return HttpResponseRedirect(change_url)
    log.info(
        "transition %s",
        action,
        extra={"article": article.pk, "actor": request.user.pk, "ip": client_ip(request)},
    )
    article.refresh_from_db()
    messages.success(request, format_html("“{}” is now: {}", article.title, _plain_status(article)))
    return HttpResponseRedirect(change_url)


def _plain_status(article) -> str:
    if article.is_scheduled:
        return f"scheduled for {article.published_at:%d %b %Y %H:%M} UTC"
    return article.get_status_display().lower()


@admin.register(Article)
class ArticleAdmin(BaseArticleAdmin):
    def changelist_view(self, request, extra_context=None):
        title = "All articles" if request.user.is_editor else "My articles"
        return super().changelist_view(request, {"title": title, **(extra_context or {})})


class EditorsArticleList(admin.ModelAdmin):
    """A read-only list of articles for editors; each row opens the article's own page."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_editor else queryset.none()

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_editor

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_editor

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[object_id]))


@admin.register(ReviewQueueItem)
class ReviewQueueAdmin(EditorsArticleList):
    """Editors' queue: everything in review, oldest submission first."""

    list_display = ["title", "author", "submitted_at", "status", "waiting"]
    list_select_related = ["author"]
    list_filter = [TopicFilter, AuthorFilter, "audience"]
    search_fields = ["title", "summary", "author__username", "author__last_name"]
    ordering = ["submitted_at", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=Status.IN_REVIEW)

    @admin.display(description="Waiting")
    def waiting(self, article):
        return timesince(article.submitted_at) if article.submitted_at else "—"


@admin.register(WorkflowEvent)
class WorkflowEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "article", "actor", "from_status", "to_status"]
    list_filter = ["to_status"]
    list_select_related = ["article", "actor"]
    search_fields = ["article__title", "actor__username", "comment"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_editor:
            return queryset
        return queryset.filter(article__author=request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DueForReviewItem)
class DueForReviewAdmin(EditorsArticleList):
    """Live articles overdue for medical review or due within 30 days, soonest first."""

    WINDOW_DAYS = 30
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
    def when(self, article):
        days = (article.next_review_due - timezone.localdate()).days
        if days < 0:
            return f"Overdue by {-days} day{'s' if days != -1 else ''}"
        return "Today" if days == 0 else f"In {days} day{'s' if days != 1 else ''}"

    def changelist_view(self, request, extra_context=None):
        today = timezone.localdate()
        queryset = self.get_queryset(request)
        counts = {
            "overdue": queryset.filter(next_review_due__lt=today).count(),
            "due_soon": queryset.filter(next_review_due__gte=today).count(),
        }
        subtitle = f"{counts['overdue']} overdue · {counts['due_soon']} due in the next 30 days"
        extra = {"subtitle": subtitle, "review_counts": counts, **(extra_context or {})}
        return super().changelist_view(request, extra)


@admin.register(ProblemReport)
class ProblemReportAdmin(admin.ModelAdmin):
    list_display = ["created_at", "subject", "short_message", "state", "article_version"]
    list_filter = ["state"]
    list_select_related = ["article", "topic"]
    search_fields = ["message", "article__title", "topic__name"]
    readonly_fields = [
        "article",
        "topic",
        "article_version",
        "last_reviewed_seen",
        "message",
        "email",
        "created_at",
        "resolved_by",
        "resolved_at",
    ]
    fields = [*readonly_fields[:7], "state", "resolution_note", "resolved_by", "resolved_at"]
    actions = ["mark_resolved", "mark_dismissed"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="Page")
    def subject(self, report):
        return report.article or report.topic

    @admin.display(description="Message")
    def short_message(self, report):
        return report.message[:80] + ("…" if len(report.message) > 80 else "")

    def save_model(self, request, obj, form, change):
        if "state" in form.changed_data:
            resolved = obj.state != ProblemReport.State.OPEN
            obj.resolved_by = request.user if resolved else None
            obj.resolved_at = timezone.now() if resolved else None
        super().save_model(request, obj, form, change)

    def _close(self, request, queryset, state):
        count = queryset.filter(state=ProblemReport.State.OPEN).update(
            state=state, resolved_by=request.user, resolved_at=timezone.now()
        )
        self.message_user(request, f"{count} report(s) marked {state}.")

    @admin.action(description="Mark selected reports resolved", permissions=["change"])
    def mark_resolved(self, request, queryset):
        self._close(request, queryset, ProblemReport.State.RESOLVED)

    @admin.action(description="Dismiss selected reports", permissions=["change"])
    def mark_dismissed(self, request, queryset):
        self._close(request, queryset, ProblemReport.State.DISMISSED)


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "updated_at"]
    fields = ["title", "slug", "body"]

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
