from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.safestring import SafeString, mark_safe
from taggit.managers import TaggableManager
from taggit.models import TagBase, TaggedItemBase

from .markdown import render_markdown
from .text import normalise_label, unique_slug


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class Audience(models.TextChoices):
    PATIENTS = "patients", "Patients and carers"
    CLINICIANS = "clinicians", "Health professionals"


def _published_q(prefix: str = "") -> Q:
    """The one definition of "a reader may see this article"."""
    return Q(**{f"{prefix}live": True, f"{prefix}published_at__lte": timezone.now()})


class TopicQuerySet(models.QuerySet):
    def with_article_counts(self):
        return self.annotate(
            num_articles=Count("articles", filter=_published_q("articles__"), distinct=True)
        )


class Topic(TagBase):
    """A subject readers browse by; a django-taggit tag that carries editorial content."""

    headline = models.CharField(
        max_length=200, blank=True, help_text="The page title; the name is used when empty."
    )
    definition = models.CharField(
        max_length=300,
        blank=True,
        help_text="One plain sentence, shown wherever the topic is mentioned.",
    )
    aliases = models.TextField(
        blank=True,
        max_length=2000,
        help_text='Other names readers use, one per line (for example "Spravato").',
    )
    intro = models.TextField(blank=True, max_length=20_000, help_text="Markdown.")
    intro_html = models.TextField(blank=True, editable=False)
    related = models.ManyToManyField("self", blank=True, verbose_name="related topics")
    safety_notice = models.TextField(
        blank=True,
        max_length=1000,
        help_text="Shown prominently on the topic and its articles, e.g. a crisis line.",
    )
    is_featured = models.BooleanField("featured on the home page", default=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "topic"

    def clean(self):
        self.name = normalise_label(self.name)
        if not self.name:
            raise ValidationError({"name": "Enter a name that has letters or numbers in it."})
        self.headline = normalise_label(self.headline)
        self.definition = normalise_label(self.definition)
        self.aliases = "\n".join(self.alias_list)

    def save(self, *args, **kwargs):
        self.name = normalise_label(self.name)
        if not self.slug:
            self.slug = unique_slug(
                Topic, self.name, max_length=100, fallback="topic", exclude_pk=self.pk
            )
        self.intro_html = render_markdown(self.intro)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:topic", kwargs={"slug": self.slug})

    @property
    def title(self) -> str:
        return self.headline or self.name

    @property
    def alias_list(self) -> list[str]:
        return [a for a in (normalise_label(line) for line in self.aliases.splitlines()) if a]

    @property
    def intro_safe(self) -> SafeString:
        return mark_safe(self.intro_html)  # noqa: S308 - sanitised by render_markdown at save


def safety_notices(topics) -> list[str]:
    """Each distinct safety notice of these topics once, in topic order."""
    return list(dict.fromkeys(t.safety_notice.strip() for t in topics if t.safety_notice.strip()))


class ArticleTopic(TaggedItemBase):
    """The article-topic link, with a real foreign key and one row per pair."""

    content_object = models.ForeignKey(
        "Article", on_delete=models.CASCADE, related_name="topic_links"
    )
    tag = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="article_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["content_object", "tag"], name="articles_articletopic_unique_pair"
            )
        ]


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """Live articles whose publish time has come: the only ones readers may see."""
        return self.filter(_published_q())

    def for_author(self, user):
        return self.filter(author=user)

    def for_listing(self):
        return (
            self.select_related("author")
            .prefetch_related("topics")
            .order_by("-published_at", "-pk")
        )


class Article(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=220, unique=True, blank=True, help_text="Made from the title when left blank."
    )
    summary = models.CharField(
        max_length=300, help_text="One or two sentences shown under the title in lists."
    )
    body = models.TextField(help_text="Markdown. Cite sources as footnotes: text[^1] … [^1]: …")
    body_html = models.TextField(blank=True, editable=False)
    topics = TaggableManager(
        through=ArticleTopic, blank=True, related_name="articles", help_text=""
    )
    audience = models.CharField(max_length=20, choices=Audience.choices, default=Audience.PATIENTS)

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="articles"
    )
    medical_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_articles",
    )

    # Status is the state of the newest version; `live` says whether an approved version
    # is public. They differ while a published article's new version is under review.
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    live = models.BooleanField(default=False, editable=False)
    has_pending_changes = models.BooleanField(default=False, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_reviewed = models.DateField(null=True, blank=True)
    next_review_due = models.DateField(null=True, blank=True)

    # Optimistic locking: bumped on every write, checked against the form's copy.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="articles_article_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(audience__in=Audience.values), name="articles_article_audience_valid"
            ),
            models.CheckConstraint(
                condition=Q(live=False) | Q(published_at__isnull=False),
                name="articles_article_live_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.PUBLISHED) | Q(live=True),
                name="articles_article_published_is_live",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.ARCHIVED) | Q(live=False),
                name="articles_article_archived_not_live",
            ),
        ]
        indexes = [
            models.Index(fields=["live", "-published_at"], name="articles_article_public"),
            models.Index(fields=["status", "submitted_at"], name="articles_article_queue"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(
                Article, self.title, max_length=220, fallback="article", exclude_pk=self.pk
            )
        self.body_html = render_markdown(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    @property
    def body_safe(self) -> SafeString:
        return mark_safe(self.body_html)  # noqa: S308 - sanitised by render_markdown at save

    @property
    def is_public(self) -> bool:
        return self.live and self.published_at is not None and self.published_at <= timezone.now()

    @property
    def is_scheduled(self) -> bool:
        return self.live and self.published_at is not None and self.published_at > timezone.now()

    @cached_property
    def word_count(self) -> int:
        return len(self.body.split())

    @property
    def reading_minutes(self) -> int:
        # 200 words a minute is the usual figure for general readers.
        return max(1, round(self.word_count / 200))


class Revision(models.Model):
    """A version of an article's content: each submission, and the pending edit of a live one.

    The open (not yet submitted) revision holds a live article's working copy, so that
    readers keep seeing the approved text on the article row until an editor approves.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300)
    body = models.TextField()
    topic_ids = models.JSONField(default=list, blank=True)
    topic_names = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="revisions"
    )
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        get_latest_by = "number"
        constraints = [
            models.UniqueConstraint(
                fields=["article", "number"], name="articles_revision_unique_number"
            ),
            models.UniqueConstraint(
                fields=["article"],
                condition=Q(submitted_at__isnull=True),
                name="articles_revision_one_open_per_article",
            ),
        ]

    def __str__(self):
        return f"{self.article} — version {self.number}"

    @property
    def body_safe(self) -> SafeString:
        # Previews only: rendered on demand for staff, never stored or cached.
        return render_markdown(self.body)


class WorkflowEvent(models.Model):
    """One change of an article's state: append-only."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="events")
    revision = models.ForeignKey(
        Revision, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="workflow_events"
    )
    from_status = models.CharField(max_length=20, choices=Status.choices)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    comment = models.TextField(blank=True, max_length=5000)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class ReviewQueueItem(Article):
    """The editors' review queue in the admin: articles in review, oldest first."""

    class Meta:
        proxy = True
        verbose_name = "article awaiting review"
        verbose_name_plural = "review queue"
