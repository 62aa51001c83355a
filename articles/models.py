import contextlib
import contextvars
import datetime
import hashlib
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Iterator, Sequence

from django.conf import settings
from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Coalesce, Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.safestring import SafeString, mark_safe
from taggit.managers import TaggableManager, _TaggableManager
from taggit.models import TagBase, TaggedItemBase

from hub.links import url_with

from . import codes
from .cards import CARD_FIELDS, card_for
from .linking import Matcher, TopicRef
from .markdown import ImageRef, image_ids, render_markdown
from .readability import WORDS_PER_MINUTE, measure
from .text import has_letters_or_digits, normalise_label, normalise_name, skeleton, unique_slug


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
    def get_or_create(self, defaults=None, **kwargs):
        """As Django's, with the name as Topic.save() stores it, so that losing a race to
        create the same topic (the unique name's IntegrityError) finds the winner's: taggit's
        add-by-name and the commands come through here."""
        for lookup in ("name", "name__iexact"):
            if lookup in kwargs:
                kwargs[lookup] = normalise_name(kwargs[lookup])
        if defaults and "name" in defaults:
            defaults = {**defaults, "name": normalise_name(defaults["name"])}
        return super().get_or_create(defaults=defaults, **kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        # A bulk insert skips save(), which files each topic in the A–Z index.
        objs = list(objs)
        for topic in objs:
            topic.index_letter, topic.index_key = index_position(topic.name)
        return super().bulk_create(objs, *args, **kwargs)

    def with_public_count(self):
        """Each topic with `num_articles`, its public articles, in the same query: the
        stored count of live articles less its links still scheduled (ArticleTopic's copy
        of the publish time, read from articles_articletopic_public), so a topic of any
        size costs the same.
        """
        scheduled = (
            ArticleTopic.objects.filter(tag=OuterRef("pk"), public_from__gt=timezone.now())
            .order_by()
            .values("tag")
            .annotate(n=Count("*"))  # from the index alone: COUNT(id) would read the rows
            .values("n")
        )
        return self.annotate(
            num_articles=F("live_article_count") - Coalesce(Subquery(scheduled), 0)
        )

    def with_article_counts(self):
        """Each topic's public articles, counted: for a few topics at a time."""
        return self.annotate(
            num_articles=Count("articles", filter=_published_q("articles__"), distinct=True)
        )

    def recount_live_articles(self) -> int:
        """Store each topic's number of live articles (public or scheduled): two queries.

        Called wherever an article goes live or stops being live, or a live article's
        topics change (ArticleTopicsManager, the workflow, bulk loads); read by
        with_public_count(). The topics are locked first, so that two publications on one
        topic count each other: the second waits, then counts in a fresh snapshot.
        """
        live = (
            ArticleTopic.objects.filter(tag=OuterRef("pk"), content_object__live=True)
            .order_by()
            .values("tag")
            .annotate(n=Count("pk"))
            .values("n")
        )
        with transaction.atomic(savepoint=False):
            locked = list(self.order_by("pk").select_for_update().values_list("pk", flat=True))
            return Topic.objects.filter(pk__in=locked).update(
                live_article_count=Coalesce(Subquery(live), 0)
            )


# Long enough for any 100-character name: folding can lengthen one ("ﬃ" is "ffi").
INDEX_KEY_LENGTH = 200


def index_position(name: str) -> tuple[str, str]:
    """Where the A–Z index files a name: its letter, and the key it is sorted by there.

    Case and accents are ignored ("Éclampsia" and "ébola" go under E, with "eczema"); a
    name that does not start with a letter goes under "#". Stored by Topic.save();
    migration 0008 keeps a frozen copy.
    """
    decomposed = unicodedata.normalize("NFKD", name)
    key = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    first = key[:1].upper()[:1]
    return (first if first.isalpha() else "#"), key[:INDEX_KEY_LENGTH]


class Topic(TagBase):
    """A subject readers browse by; a django-taggit tag that carries editorial content."""

    # TagBase's slug is required in forms and allows Unicode, which the URL pattern
    # (<slug:slug>, ASCII only) cannot link to. Ours is ASCII and made from the name when
    # left empty, with a fallback when the name has no letters ("$", "..").
    slug = models.SlugField(
        "slug",
        max_length=100,
        unique=True,
        blank=True,
        help_text="The page address. Leave empty to make it from the name.",
    )
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
    # Directional and ordered: this topic's page lists them in their positions; setting
    # them leaves the other topics' lists as they are.
    related = models.ManyToManyField(
        "self",
        through="RelatedTopic",
        through_fields=("from_topic", "to_topic"),
        symmetrical=False,
        blank=True,
        verbose_name="related topics",
    )
    safety_notice = models.TextField(
        blank=True,
        max_length=1000,
        help_text="Shown prominently on the topic and its articles, e.g. a crisis line.",
    )
    # Shared by the crisis help readers see (issue 19) and the publication gate for content
    # about suicide or self-harm (issue 18): editors classify a topic once.
    mental_health = models.BooleanField(
        "mental health topic",
        default=False,
        help_text="Readers of this topic and its articles are shown where to get help now.",
    )
    is_featured = models.BooleanField("featured on the home page", default=False)
    updated_at = models.DateTimeField(auto_now=True)
    # The approved version readers see is the row; an edit of what they read waits in a
    # Revision until a second person approves it (articles/workflow.py, TOPIC_FIELDS).
    has_pending_changes = models.BooleanField(default=False, editable=False)
    medical_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="reviewed_topics",
    )
    last_reviewed = models.DateField(null=True, blank=True, editable=False)
    next_review_due = models.DateField(null=True, blank=True, editable=False)
    # Who is to approve the pending version, and by when (articles.workflow.assign_topic_review).
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="assigned_topics",
    )
    review_due = models.DateField("review due", null=True, blank=True, editable=False)
    # Live articles (public, or scheduled to be): kept by TopicQuerySet.recount_live_articles()
    # so the A–Z index needs no pass over every article (see with_public_count()).
    live_article_count = models.PositiveIntegerField(default=0, editable=False)
    # Where the A–Z index files and sorts the topic (index_position()); kept by save().
    index_letter = models.CharField(max_length=1, blank=True, editable=False)
    index_key = models.CharField(max_length=INDEX_KEY_LENGTH, blank=True, editable=False)
    # Name and aliases (A), headline (B), definition (C); kept current by save() on
    # PostgreSQL, NULL elsewhere. See articles/search.py.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "topic"
        # GIN indexes exist only on PostgreSQL: migration 0002 creates them there alone.
        indexes = [
            # The sitemap's newest change; the home page's featured topics.
            models.Index(fields=["-updated_at"], name="articles_topic_updated"),
            models.Index(
                fields=["name"], condition=Q(is_featured=True), name="articles_topic_featured"
            ),
            # The A–Z index: the letters that have topics, and one letter's topics in the
            # order they are shown (key, then name), read from the index without a sort.
            models.Index(
                fields=["index_letter", "index_key", "name"], name="articles_topic_a_to_z"
            ),
            GinIndex(fields=["search_vector"], name="articles_topic_search"),
            GinIndex(fields=["name"], opclasses=["gin_trgm_ops"], name="articles_topic_name_trgm"),
            GinIndex(
                fields=["aliases"], opclasses=["gin_trgm_ops"], name="articles_topic_aliases_trgm"
            ),
        ]

    @classmethod
    def from_db(cls, db, field_names, values):
        topic = super().from_db(db, field_names, values)
        # What other pages' linked terms were rendered from; see upkeep.topic_saved().
        if all(name in topic.__dict__ for name in LINK_FIELDS):
            topic.saved_link_state = topic.link_state()
        # The intro its image uses were recorded for: saving it unchanged costs no query.
        if "intro" in field_names:
            topic._loaded_intro = topic.intro
        return topic

    def clean(self):
        given = self.name
        self.name = normalise_name(self.name)
        # An empty name already has its "required" error; this is for names made of
        # nothing but spaces, invisible characters, punctuation or U+FFFD.
        if given and not has_letters_or_digits(self.name):
            raise ValidationError({"name": "Enter a name that has letters or numbers in it."})
        self.headline = normalise_label(self.headline)
        self.definition = normalise_label(self.definition)
        self.aliases = "\n".join(self.alias_list)

    def unique_error_message(self, model_class, unique_check):
        if tuple(unique_check) == ("name",):
            # The same words as the case-insensitive check's below, for the same mistake.
            return ValidationError(f"A topic called “{self.name}” already exists.", code="unique")
        return super().unique_error_message(model_class, unique_check)

    def validate_unique(self, exclude=None):
        super().validate_unique(exclude=exclude)
        # The database's unique name is case-sensitive; to readers (and to taggit, with
        # TAGGIT_CASE_INSENSITIVE) "Depression" and "depression" are the same topic.
        if exclude and "name" in exclude:
            return
        clash = Topic.objects.filter(name__iexact=self.name).exclude(pk=self.pk).first()
        if clash is not None:
            raise ValidationError({"name": f"A topic called “{clash.name}” already exists."})
        errors = {}
        others = look_alikes(exclude_pk=self.pk)
        found = others.get(skeleton(self.name))
        if found is not None:
            errors["name"] = _look_alike_message(self.name, *found)
        for alias in self.alias_list:
            # An alias may be another topic's name or alias as it is spelled (readers use
            # one word for two things; names win when linking); one that only looks like
            # another topic's name may not.
            topic, term = others.get(skeleton(alias), (None, None))
            if term is not None and term == topic and term.casefold() != alias.casefold():
                errors["aliases"] = _look_alike_message(alias, topic, term)
                break
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.name = normalise_name(self.name)
        self.aliases = "\n".join(self.alias_list)
        if not self.name:
            # Forms say this nicely (clean()); code that skips them must not save a blank.
            raise ValueError("A topic needs a name with letters or numbers in it.")
        self.index_letter, self.index_key = index_position(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "index_letter", "index_key"}
        if not self.slug:
            self.slug = unique_slug(
                Topic, self.name, max_length=100, fallback="topic", exclude_pk=self.pk
            )
        self.intro_html = render_intro(self.intro, topic_id=self.pk)
        adding = self._state.adding
        super().save(*args, **kwargs)
        refresh_topic_vectors([self.pk])
        if (update_fields is None or "intro" in update_fields) and self.intro != getattr(
            self, "_loaded_intro", None
        ):
            if not (adding and not image_ids(self.intro)):
                ImageUse.objects.record(topic=self)
            self._loaded_intro = self.intro

    def get_absolute_url(self):
        return url_with("articles:topic", "slug", self.slug)

    # The workflow (articles/workflow.py) reads a topic as it reads an article: always
    # live, and in review while an edit of what readers see waits for a second person.
    live = True

    @property
    def status(self) -> str:
        return Status.IN_REVIEW if self.has_pending_changes else Status.PUBLISHED

    def get_status_display(self) -> str:
        return Status(self.status).label

    @property
    def is_overdue_for_review(self) -> bool:
        return self.next_review_due is not None and self.next_review_due < timezone.localdate()

    # What other pages show of this topic when they mention it (see articles/linking.py).
    saved_link_state: tuple | None = None

    def link_state(self) -> tuple:
        return (self.slug, self.name, self.aliases, self.definition)

    @property
    def title(self) -> str:
        return self.headline or self.name

    @property
    def alias_list(self) -> list[str]:
        return alias_names(self.aliases)

    @property
    def intro_safe(self) -> SafeString:
        return mark_safe(self.intro_html)  # noqa: S308 - sanitised by render_markdown at save


LINK_FIELDS = ("slug", "name", "aliases", "definition")


class RelatedTopic(models.Model):
    """One entry of a topic's related-topics list, in the order its page shows them."""

    from_topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="related_links")
    to_topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="linked_from", verbose_name="topic"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "related topic"
        constraints = [
            models.UniqueConstraint(
                fields=["from_topic", "to_topic"],
                name="articles_relatedtopic_once",
                violation_error_message="That topic is already in the list.",
            ),
            models.CheckConstraint(
                condition=~Q(from_topic=F("to_topic")),
                name="articles_relatedtopic_not_itself",
                violation_error_message="A topic is not related to itself.",
            ),
        ]

    def __str__(self):
        return f"{self.from_topic} → {self.to_topic}"


def set_related_topics(topic: Topic, related: Iterable[Topic]) -> None:
    """Make `related` this topic's list, in that order; no other topic's list changes."""
    with transaction.atomic():
        RelatedTopic.objects.filter(from_topic=topic).delete()
        RelatedTopic.objects.bulk_create(
            RelatedTopic(from_topic=topic, to_topic=other, position=n)
            for n, other in enumerate(dict.fromkeys(related))
            if other.pk != topic.pk
        )


def look_alikes(*, exclude_pk: int | None = None) -> dict[str, tuple[str, str]]:
    """Every topic's name and aliases by their confusables skeleton (articles/text.py), as
    (topic name, the name or alias): Cyrillic "Cаncer" finds "Cancer" here.

    Reads every topic's name and aliases (one query; about 90 ms of skeletons for 5,000
    topics with two aliases each): for the admin's form, not for pages.
    """
    rows = list(
        Topic.objects.exclude(pk=exclude_pk).order_by("name").values_list("name", "aliases")
    )
    index: dict[str, tuple[str, str]] = {}
    for name, _ in rows:  # names first: a name wins over another topic's alias
        index.setdefault(skeleton(name), (name, name))
    for name, aliases in rows:
        for alias in alias_names(aliases):
            index.setdefault(skeleton(alias), (name, alias))
    return index


def _look_alike_message(text: str, topic: str, term: str) -> str:
    if term == topic:
        return (
            f"“{text}” looks like the topic “{topic}”: use that topic, or a name readers "
            "cannot mistake for it."
        )
    return (
        f"“{text}” looks like “{term}”, another name for the topic “{topic}”: use that "
        "topic, or a name readers cannot mistake for it."
    )


# --- the topics' terms as they are now (articles/linking.py links them) ----------------

_cached: tuple[tuple, Matcher] | None = None
_frozen: contextvars.ContextVar[Matcher | None] = contextvars.ContextVar("frozen", default=None)


def current_matcher() -> Matcher:
    """The matcher for the topics as they are now: one cheap query, a rebuild on change."""
    global _cached
    frozen = _frozen.get()
    if frozen is not None:
        return frozen
    topics = Topic.objects.order_by()
    stats = topics.aggregate(n=Count("pk"), latest=Max("updated_at"))
    signature = (connection.alias, stats["n"], stats["latest"])
    cached = _cached
    if cached is not None and cached[0] == signature:
        return cached[1]
    rows = topics.order_by("pk").values_list("pk", "slug", "name", "aliases", "definition")
    matcher = Matcher(
        (TopicRef(pk, slug, name, definition), [name, *aliases.splitlines()])
        for pk, slug, name, aliases, definition in rows
        if slug
    )
    _cached = (signature, matcher)
    return matcher


@contextlib.contextmanager
def frozen_matcher(matcher: Matcher | None = None) -> Iterator[Matcher]:
    """Use one matcher (the current one by default) for a batch of renders in this block,
    skipping the per-render freshness query."""
    token = _frozen.set(matcher or current_matcher())
    try:
        yield _frozen.get()
    finally:
        _frozen.reset(token)


def render_body(text: str, *, author_id: int | None) -> SafeString:
    """An article's body as readers see it: linked terms, and the library images its author
    may use (image_refs)."""
    return render_linked(text, images=image_refs(text, author_id=author_id))


def render_intro(text: str, *, topic_id: int | None) -> SafeString:
    """A topic's intro as readers see it: every other topic's first mention linked (never
    the topic itself), and the shared library images it shows (a topic has no author)."""
    return render_linked(text, exclude_topic_id=topic_id, images=image_refs(text, author_id=None))


def render_linked(text: str, *, exclude_topic_id: int | None = None, images=None) -> SafeString:
    """Markdown as articles and topics store it: every other topic's first mention linked."""
    return render_markdown(
        text, matcher=current_matcher(), exclude_topic_id=exclude_topic_id, images=images
    )


def needs_crisis_help(topics) -> bool:
    """Whether a page on these topics shows the "Get help now" card: a mental-health topic,
    or one whose editors wrote a safety notice."""
    return any(t.mental_health or t.safety_notice.strip() for t in topics)


def safety_notices(topics) -> list[str]:
    """Each distinct safety notice of these topics once, in topic order."""
    return list(dict.fromkeys(t.safety_notice.strip() for t in topics if t.safety_notice.strip()))


class ArticleTopicQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        # A bulk insert skips what copies the article's publish time (copy_publish_times);
        # links made with their article at hand get it here.
        objs = list(objs)
        for link in objs:
            if ArticleTopic.content_object.is_cached(link):
                link.public_from = _public_from(link.content_object)
        return super().bulk_create(objs, *args, **kwargs)

    def copy_publish_times(self, article_ids: Iterable[int]) -> int:
        """Copy each article's public_from (see ArticleTopic) to its links: one UPDATE.

        Called by Article.save() when `live` or `published_at` may have changed, and when
        a live article's topics change (ArticleTopicsManager).
        """
        public_from = Article.objects.filter(pk=OuterRef("content_object_id"), live=True).values(
            "published_at"
        )
        return self.filter(content_object_id__in=list(article_ids)).update(
            public_from=Subquery(public_from[:1])
        )


def _public_from(article) -> datetime.datetime | None:
    return article.published_at if article.live else None


class ArticleTopic(TaggedItemBase):
    """The article-topic link, with a real foreign key and one row per pair."""

    # Indexed by the unique pair (an article's topics) and by articles_articletopic_topic (a
    # topic's articles); single-column indexes would only slow writes down.
    content_object = models.ForeignKey(
        "Article", on_delete=models.CASCADE, related_name="topic_links", db_index=False
    )
    tag = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="article_links", db_index=False
    )
    # The article's publish time while it is live, else null: a copy kept by
    # copy_publish_times(), so that a topic's newest public articles and an article's
    # related ones are read from this table's index, a few entries, instead of visiting
    # every article of the topic. Readers' lists still check the article row itself; a
    # topic's count of public articles is its stored live count less the links whose copy
    # is still in the future (with_public_count()).
    public_from = models.DateTimeField(null=True, editable=False)

    objects = ArticleTopicQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["content_object", "tag"], name="articles_articletopic_unique_pair"
            )
        ]
        indexes = [
            models.Index(fields=["tag", "content_object"], name="articles_articletopic_topic"),
            models.Index(
                fields=["tag", "-public_from", "-content_object"],
                condition=Q(public_from__isnull=False),
                name="articles_articletopic_public",
            ),
        ]


def alias_names(aliases: str) -> list[str]:
    """A topic's other names, from its `aliases` text (one a line, as typed)."""
    return [a for a in (normalise_name(line) for line in aliases.splitlines()) if a]


def topic_names(article_ids: Iterable[int]) -> dict[int, list[str]]:
    """Each article's topic names, A to Z, in one query: for lists that show them.

    prefetch_related("topics") costs more: taggit builds a filtered queryset per article.
    """
    names: dict[int, list[str]] = {}
    links = (
        ArticleTopic.objects.filter(content_object_id__in=list(article_ids))
        .order_by("tag__name")
        .values_list("content_object_id", "tag__name")
    )
    for article_id, name in links:
        names.setdefault(article_id, []).append(name)
    return names


class ArticleTopicsManager(_TaggableManager):
    """`article.topics`: keeps the article's search vector current when its topics change.

    The vector holds the topics' names and aliases, and topics are set after the article
    row is saved, so every way of changing them (set, add, remove, clear) refreshes it,
    once per call. PostgreSQL only; a no-op elsewhere.
    """

    _in_set = False

    def _topics_changed(self) -> None:
        if not self._in_set:
            refresh_search_vectors([self.instance.pk])

    def _topic_ids(self) -> set[int]:
        return set(
            self.through.objects.filter(content_object=self.instance).values_list(
                "tag_id", flat=True
            )
        )

    def _changing(self, change) -> None:
        """Make the change; for a live article, recount its old and new topics' articles."""
        if self._in_set or not self.instance.live:
            change()
            return
        before = self._topic_ids()
        change()
        ArticleTopic.objects.copy_publish_times([self.instance.pk])
        Topic.objects.filter(pk__in=before | self._topic_ids()).recount_live_articles()

    def set(self, tags, *, through_defaults=None, **kwargs):
        def change():
            self._in_set = True
            try:
                super(ArticleTopicsManager, self).set(
                    tags, through_defaults=through_defaults, **kwargs
                )
            finally:
                self._in_set = False

        self._changing(change)
        self._topics_changed()

    def add(self, *tags, through_defaults=None, tag_kwargs=None, **kwargs):
        self._changing(
            lambda: super(ArticleTopicsManager, self).add(
                *tags, through_defaults=through_defaults, tag_kwargs=tag_kwargs, **kwargs
            )
        )
        self._topics_changed()

    def remove(self, *tags):
        self._changing(lambda: super(ArticleTopicsManager, self).remove(*tags))
        self._topics_changed()

    def clear(self):
        self._changing(lambda: super(ArticleTopicsManager, self).clear())
        self._topics_changed()


class ArticleQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        # A bulk insert skips save(), which renders each article's card (cards.py).
        objs = list(objs)
        for article in objs:
            if not article.card_html:
                article.card_html = card_for(article)
        return super().bulk_create(objs, *args, **kwargs)

    def published(self):
        """Live articles whose publish time has come: the only ones readers may see."""
        return self.filter(_published_q())

    def for_author(self, user):
        return self.filter(author=user)

    def reviewed_by(self, user):
        """Articles this person medically reviewed but did not write."""
        return self.filter(medical_reviewer=user).exclude(author=user)

    def in_topic(self, topic):
        """A topic's public articles, newest first, read along ArticleTopic's index of
        public links: a page of them costs the same in a topic of any size. For the topic
        page and its feeds.
        """
        return (
            self.published()
            .filter(topic_links__tag=topic, topic_links__public_from__lte=timezone.now())
            .order_by("-topic_links__public_from", "-topic_links__content_object_id")
        )


# Large columns no list of articles shows.
UNLISTED_FIELDS = ("body", "body_html", "card_html", "search_vector", "search_head")


# The article's own columns its search vector is made from (its topics are the fourth part).
SEARCHED_FIELDS = ("title", "summary", "body")


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
    # The article's card in lists (topic, home, author pages), rendered at save: see cards.py.
    card_html = models.TextField(blank=True, editable=False)
    word_count = models.PositiveIntegerField(default=0, editable=False)
    topics = TaggableManager(
        through=ArticleTopic,
        manager=ArticleTopicsManager,
        blank=True,
        related_name="articles",
        help_text="",
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
    # Who is to review the submission, and by when: set only by articles.workflow
    # (assign_review), which records each (re)assignment. Kept when changes are requested,
    # so that the next version goes back to the same reviewer.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="assigned_articles",
    )
    review_due = models.DateField("review due", null=True, blank=True, editable=False)

    # Optimistic locking: bumped on every write, checked against the form's copy.
    version = models.PositiveIntegerField(default=1, editable=False)

    # Title (A), its topics' names and aliases (B), summary (C), body (D); kept current by
    # save() on PostgreSQL, NULL elsewhere. See articles/search.py.
    search_vector = SearchVectorField(null=True, editable=False)
    # The same without the body: small enough to rank thousands of matches quickly.
    search_head = SearchVectorField(null=True, editable=False)

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
            # Author pages (written, reviewed) and the sitemap's newest change: live rows only.
            models.Index(
                fields=["author", "-published_at"],
                condition=Q(live=True),
                name="articles_article_written_by",
            ),
            models.Index(
                fields=["medical_reviewer", "-published_at"],
                condition=Q(live=True),
                name="articles_article_reviewed_by",
            ),
            models.Index(
                fields=["-updated_at"], condition=Q(live=True), name="articles_article_live_updated"
            ),
            models.Index(fields=["status", "submitted_at"], name="articles_article_queue"),
            # Live articles by review date: "due for review", the dashboard, the digest.
            models.Index(
                fields=["next_review_due"],
                condition=Q(live=True),
                name="articles_article_review_due",
            ),
            # GIN indexes exist only on PostgreSQL: migration 0002 creates them there alone.
            GinIndex(fields=["search_vector"], name="articles_article_search"),
            GinIndex(
                fields=["title"], opclasses=["gin_trgm_ops"], name="articles_article_title_trgm"
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(
                Article, self.title, max_length=220, fallback="article", exclude_pk=self.pk
            )
        self.body_html = render_body(self.body, author_id=self.author_id)
        self.word_count = measure(self.body).words
        update_fields = kwargs.get("update_fields")
        if update_fields is None or CARD_FIELDS & set(update_fields):
            self.card_html = card_for(self)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "card_html"}
        adding = self._state.adding  # a new article has no topics yet
        super().save(*args, **kwargs)
        if not adding and (update_fields is None or {"live", "published_at"} & set(update_fields)):
            ArticleTopic.objects.copy_publish_times([self.pk])
        if update_fields is None or set(update_fields) & set(SEARCHED_FIELDS):
            refresh_search_vectors([self.pk])
        if (update_fields is None or "body" in update_fields) and self.body != getattr(
            self, "_loaded_body", None
        ):
            if not (adding and not image_ids(self.body)):
                ImageUse.objects.record(article=self)
            self._loaded_body = self.body

    def get_absolute_url(self):
        return url_with("articles:detail", "slug", self.slug)

    @classmethod
    def from_db(cls, db, field_names, values):
        article = super().from_db(db, field_names, values)
        # The body its image uses were recorded for: saving it unchanged costs no query.
        if "body" in field_names:
            article._loaded_body = article.body
        return article

    @property
    def body_safe(self) -> SafeString:
        return mark_safe(self.body_html)  # noqa: S308 - sanitised by render_markdown at save

    @property
    def is_public(self) -> bool:
        return self.live and self.published_at is not None and self.published_at <= timezone.now()

    @property
    def is_scheduled(self) -> bool:
        return self.live and self.published_at is not None and self.published_at > timezone.now()

    @property
    def reading_minutes(self) -> int:
        return max(1, round(self.word_count / WORDS_PER_MINUTE))

    @property
    def is_overdue_for_review(self) -> bool:
        return self.next_review_due is not None and self.next_review_due < timezone.localdate()


class Revision(models.Model):
    """A version of an article's or a topic's content: each submission, and the pending
    edit of a live one.

    The open (not yet submitted) revision holds a live article's working copy, so that
    readers keep seeing the approved text on the article row until an editor approves.
    A topic's version maps its headline, definition and intro onto title, summary and
    body, its related topics onto topic_ids (in their order) and keeps the rest in
    `extra` (aliases, safety notice, mental health).
    """

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, null=True, blank=True, related_name="revisions"
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, null=True, blank=True, related_name="revisions"
    )
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300)
    body = models.TextField()
    topic_ids = models.JSONField(default=list, blank=True)
    topic_names = models.JSONField(default=list, blank=True)
    extra = models.JSONField(default=dict, blank=True)
    # Null only for the versions migration 0023 made of topics as they stood: nobody wrote
    # them through the workflow.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="revisions",
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
            models.UniqueConstraint(
                fields=["topic", "number"], name="articles_revision_unique_topic_number"
            ),
            models.CheckConstraint(
                condition=Q(article__isnull=False, topic__isnull=True)
                | Q(article__isnull=True, topic__isnull=False),
                name="articles_revision_article_or_topic",
            ),
        ]

    def __str__(self):
        return f"{self.article or self.topic} — version {self.number}"

    @property
    def body_safe(self) -> SafeString:
        # Previews only: rendered on demand for staff, never stored or cached.
        if self.topic_id is not None:
            return render_intro(self.body, topic_id=self.topic_id)
        return render_body(self.body, author_id=self.article.author_id)


class WorkflowEvent(models.Model):
    """One change of an article's or a topic's state: append-only."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
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


class Page(models.Model):
    """A standing page such as the editorial policy, kept current by editors."""

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    body = models.TextField(max_length=50_000, help_text="Markdown.")
    body_html = models.TextField(blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # Policy pages are about the site, not health topics: no linked terms to keep current.
        self.body_html = render_markdown(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return url_with("articles:page", "slug", self.slug)

    @property
    def body_safe(self) -> SafeString:
        return mark_safe(self.body_html)  # noqa: S308 - sanitised by render_markdown at save


class ProblemReport(models.Model):
    """A reader's report of a problem with a page, kept against the version they saw."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"
        DISMISSED = "dismissed", "Dismissed"

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, null=True, blank=True, related_name="problem_reports"
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, null=True, blank=True, related_name="problem_reports"
    )
    # Which approved version the reader saw (the article's version counter then).
    # A report from a page with neither (home, search, A–Z...), or from none: where it was.
    page_address = models.CharField(max_length=300, blank=True)
    article_version = models.PositiveIntegerField(null=True, blank=True)
    last_reviewed_seen = models.DateField(null=True, blank=True)
    message = models.TextField(max_length=2000)
    email = models.EmailField(blank=True, help_text="Only if the reader wants a reply.")
    # When purge_reader_addresses deleted the address (PROBLEM_REPORT_EMAIL_DAYS after the
    # report was closed); the report itself is kept.
    email_deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    state = models.CharField(max_length=20, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # About an article, a topic, or neither (a general report); never both.
            models.CheckConstraint(
                condition=Q(article__isnull=True) | Q(topic__isnull=True),
                name="articles_problemreport_one_subject",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["open", "resolved", "dismissed"]),
                name="articles_problemreport_state_valid",
            ),
        ]

    def __str__(self):
        return f"Report on {self.article or self.topic or self.page_address or 'the site'}"


class ReportReply(models.Model):
    """What an editor e-mailed the reader who sent a problem report: kept after the
    address is deleted, so the record of who told the reader what stays."""

    class Kind(models.TextChoices):
        REPLY = "reply", "Reply"
        RESOLVED = "resolved", "Told it is resolved"

    report = models.ForeignKey(ProblemReport, on_delete=models.CASCADE, related_name="replies")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.REPLY)
    text = models.TextField(max_length=5000)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="report_replies"
    )
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sent_at", "pk"]
        verbose_name_plural = "report replies"

    def __str__(self):
        return f"{self.get_kind_display()} to {self.report}"


class PassageCommentQuerySet(models.QuerySet):
    def threads(self):
        """Comments on a passage, without the replies to them."""
        return self.filter(parent__isnull=True)

    def open(self):
        return self.threads().filter(resolved_at__isnull=True)


class PassageComment(models.Model):
    """A reviewer's comment on a passage of an article's text, or a reply to one.

    Staff only: never on a reader's page, feed, search or API. The passage is kept as
    quoted (with a little text either side, to tell repeated words apart), so a comment
    whose passage is later rewritten is shown as outdated with its quote, never lost.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="passage_comments")
    # The version it was written on: the article's version counter then, and its pending
    # (or, for a draft never submitted, no) Revision.
    revision = models.ForeignKey(
        Revision, on_delete=models.SET_NULL, null=True, blank=True, related_name="comments"
    )
    article_version = models.PositiveIntegerField()
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    quote = models.TextField(max_length=1000, blank=True)
    before = models.CharField(max_length=80, blank=True)
    after = models.CharField(max_length=80, blank=True)
    text = models.TextField(max_length=2000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="passage_comments"
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = PassageCommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["article", "created_at"], name="articles_comment_article")]
        constraints = [
            # A comment on a passage quotes it; a reply quotes nothing.
            models.CheckConstraint(
                condition=Q(parent__isnull=True, quote__gt="") | Q(parent__isnull=False, quote=""),
                name="articles_passagecomment_quote_on_threads",
            ),
        ]

    def __str__(self):
        return f"Comment by {self.author} on {self.article}"


class HelpfulnessVote(models.Model):
    """A reader's "Was this page helpful?" answer. Only the page, the answer, the optional
    comment and the day are kept: nothing about who gave it."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, null=True, blank=True, related_name="helpfulness"
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, null=True, blank=True, related_name="helpfulness"
    )
    helpful = models.BooleanField()
    comment = models.CharField(max_length=500, blank=True)
    day = models.DateField(default=timezone.localdate, db_index=True)

    class Meta:
        ordering = ["-day", "-pk"]
        verbose_name = "helpfulness comment"
        constraints = [
            models.CheckConstraint(
                condition=Q(article__isnull=True, topic__isnull=False)
                | Q(article__isnull=False, topic__isnull=True),
                name="articles_helpfulnessvote_one_page",
            ),
        ]

    def __str__(self):
        return f"{'Yes' if self.helpful else 'No'} on {self.article or self.topic}"

    @property
    def page(self):
        return self.article or self.topic


class HelpfulnessSummary(HelpfulnessVote):
    """The admin's per-page helpfulness table (yes, no, % helpful, comments)."""

    class Meta:
        proxy = True
        verbose_name = "page helpfulness"
        verbose_name_plural = "page helpfulness"


class ReviewReminder(models.Model):
    """One day's digest of reviews due, sent to one person: `send_review_reminders` sends
    at most one a day to each, whatever the number of runs."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_reminders"
    )
    day = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)
    items = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "day"], name="articles_reviewreminder_once_a_day"
            ),
        ]

    def __str__(self):
        return f"Review reminder for {self.recipient} on {self.day}"


class DueForReviewItem(Article):
    """Live articles whose medical review is overdue or due soon, for the admin."""

    class Meta:
        proxy = True
        verbose_name = "article due for review"
        verbose_name_plural = "due for review"


class RenderFingerprint(models.Model):
    """How a kind of stored HTML was rendered (e.g. cards.fingerprint()), so that a deploy
    that changes it is noticed and the HTML rendered again (upkeep.ensure_cards_current)."""

    what = models.CharField(max_length=50, unique=True)
    digest = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.what


# --- what is searched: the stored vectors ----------------------------------------------------
# Search's write side: what each model indexes, kept current by save() and by
# articles/upkeep.py. The query side is articles/search.py.

CONFIG = "english"
# Ids sent as parameters of one statement at most (PostgreSQL's limit is 65,535).
MAX_IDS_PER_STATEMENT = 10_000


def _topic_names():
    """An article's topics' names and aliases, as one text (a correlated subquery)."""
    return Subquery(
        ArticleTopic.objects.filter(content_object=OuterRef("pk"))
        .order_by()
        .values("content_object")
        .annotate(
            names=StringAgg(
                Concat("tag__name", Value("\n"), "tag__aliases", output_field=TextField()),
                delimiter="\n",
            )
        )
        .values("names"),
        output_field=TextField(),
    )


def article_head_vector():
    """Title (A), topics' names and aliases (B), summary (C): for ranking broad queries."""
    return (
        SearchVector("title", weight="A", config=CONFIG)
        + SearchVector(_topic_names(), weight="B", config=CONFIG)
        + SearchVector("summary", weight="C", config=CONFIG)
    )


def article_vector():
    """The weighted vector of an article row: the head vector and the body (D)."""
    return article_head_vector() + SearchVector("body", weight="D", config=CONFIG)


def topic_vector():
    return (
        SearchVector("name", "aliases", weight="A", config=CONFIG)
        + SearchVector("headline", weight="B", config=CONFIG)
        + SearchVector("definition", weight="C", config=CONFIG)
    )


# SQLite's full-text index of articles (FTS5), the default database's search: one row per
# article (rowid = the article's id) with its title, summary, topics' names and aliases,
# and body. Created by migration 0019_reader_article_fts, on SQLite only, with the trigram
# tokenizer where the SQLite library has it (3.34+: substrings and misspellings), else
# unicode61. Kept current by refresh_search_vectors(), as the vectors are on PostgreSQL; a
# trigger there removes a deleted article's row. Read by search.py.
FTS_TABLE = "articles_article_fts"
# Characters search.py's snippets mark hits with: never stored, so an author's text cannot
# fake a highlight.
FTS_SENTINELS = ("\ue000", "\ue001")


def fts_has_trigrams() -> bool:
    """Whether this SQLite library has FTS5's trigram tokenizer (3.34 and later)."""
    return sqlite3.sqlite_version_info >= (3, 34)


def _fts_text(column: str) -> str:
    start, stop = FTS_SENTINELS
    return f"replace(replace({column}, '{start}', ''), '{stop}', '')"


def refresh_fts(article_ids: Sequence[int] | None) -> int:
    """Write these articles' rows (all articles' when None) in the SQLite full-text index.

    Hand-written SQL: FTS5 virtual tables are not models, and the ORM has no way to say
    INSERT … SELECT. One statement (per MAX_IDS_PER_STATEMENT articles): each row replaced.
    """
    topics = (
        "COALESCE((SELECT group_concat(t.name || ' ' || t.aliases, ' ')"
        " FROM articles_articletopic l JOIN articles_topic t ON t.id = l.tag_id"
        " WHERE l.content_object_id = a.id), '')"
    )
    insert = (
        f"INSERT OR REPLACE INTO {FTS_TABLE} (rowid, title, summary, topics, body)"  # noqa: S608 - constants only
        f" SELECT a.id, {_fts_text('a.title')}, {_fts_text('a.summary')}, {_fts_text(topics)},"
        f" {_fts_text('a.body')} FROM articles_article a"
    )
    with connection.cursor() as cursor:
        if article_ids is None:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")  # noqa: S608 - a constant
            cursor.execute(insert)
            return cursor.rowcount
        ids = list(article_ids)
        written = 0
        # SQLite takes at most 32,766 parameters in one statement.
        for i in range(0, len(ids), MAX_IDS_PER_STATEMENT):
            part = ids[i : i + MAX_IDS_PER_STATEMENT]
            marks = ", ".join(["%s"] * len(part))
            cursor.execute(f"{insert} WHERE a.id IN ({marks})", part)
            written += cursor.rowcount
        return written


def refresh_search_vectors(article_ids: Iterable[int] | QuerySet | None) -> int:
    """Recompute the search vectors of these articles (all when None) in one UPDATE.

    Article.save() and `article.topics` changes call it for their article; call it for
    bulk writes that bypass them, and when a topic's names change (upkeep.topic_saved).
    A QuerySet of ids is used as a subquery. On SQLite it rewrites the articles' rows in
    the full-text index instead (refresh_fts); elsewhere a no-op (0).
    """
    if connection.vendor == "sqlite":
        if isinstance(article_ids, QuerySet):  # of ids, as values("…_id"), or of articles
            fields = article_ids.query.values_select or ("pk",)
            article_ids = list(article_ids.values_list(*fields, flat=True))
        return refresh_fts(None if article_ids is None else list(article_ids))
    if connection.vendor != "postgresql":
        return 0
    vectors = {"search_vector": article_vector(), "search_head": article_head_vector()}
    if article_ids is None or isinstance(article_ids, QuerySet):
        articles = Article.objects.all()
        if article_ids is not None:
            articles = articles.filter(pk__in=article_ids)
        return articles.update(**vectors)
    # A list goes in slices: with parameters bound on the server, PostgreSQL takes no more
    # than 65,535 in one statement (a deleted topic's articles could be more).
    ids = list(article_ids)
    return sum(
        Article.objects.filter(pk__in=ids[i : i + MAX_IDS_PER_STATEMENT]).update(**vectors)
        for i in range(0, len(ids), MAX_IDS_PER_STATEMENT)
    )


def new_article_vectors(
    rows: Sequence[tuple[str, str, str, int]], bodies: Sequence[str]
) -> list[tuple[str, str]]:
    """(search_vector, search_head), as text, for articles about to be bulk-inserted.

    `rows` are (title, topics' names and aliases, summary, index into `bodies`). The same
    vectors as article_vector() and article_head_vector() (a test compares them), made in
    one query with each distinct body parsed once: for seed_bulk, whose thousands of
    articles share a few bodies, so that no UPDATE has to rewrite them afterwards.
    """
    if not rows:
        return []
    titles, names, summaries, body_numbers = (list(column) for column in zip(*rows, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH body AS MATERIALIZED (
                SELECT n, setweight(to_tsvector(%(config)s::regconfig, COALESCE(b, '')), 'D') v
                FROM unnest(%(bodies)s::text[]) WITH ORDINALITY AS b(b, n)
            ), head AS (
                SELECT n, body_number,
                    setweight(to_tsvector(%(config)s::regconfig, COALESCE(title, '')), 'A')
                    || setweight(to_tsvector(%(config)s::regconfig, COALESCE(names, '')), 'B')
                    || setweight(to_tsvector(%(config)s::regconfig, COALESCE(summary, '')), 'C')
                    AS v
                FROM unnest(%(titles)s::text[], %(names)s::text[], %(summaries)s::text[],
                            %(body_numbers)s::int[])
                    WITH ORDINALITY AS r(title, names, summary, body_number, n)
            )
            SELECT (head.v || body.v)::text, head.v::text
            FROM head JOIN body ON body.n = head.body_number + 1
            ORDER BY head.n
            """,
            {
                "config": CONFIG,
                "bodies": list(bodies),
                "titles": titles,
                "names": names,
                "summaries": summaries,
                "body_numbers": body_numbers,
            },
        )
        return cursor.fetchall()


def refresh_topic_vectors(topic_ids: Iterable[int] | None) -> int:
    """Recompute the search vectors of these topics (all when None); PostgreSQL only."""
    if connection.vendor != "postgresql":
        return 0
    topics = Topic.objects.all() if topic_ids is None else Topic.objects.filter(pk__in=topic_ids)
    return topics.update(search_vector=topic_vector())


class Autosave(models.Model):
    """A writer's unsaved text, kept while they type so a crash or a closed tab loses nothing.

    It is never a version: readers, editors and the workflow never see it, and saving the
    article (or taking a workflow action) clears it. One per writer per article, and one
    per writer for the article they have not saved yet (article is null).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="autosaves"
    )
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.CASCADE, related_name="autosaves"
    )
    # As typed, so never cut: the form's own limits apply when it is saved for real.
    title = models.TextField(blank=True)
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True)
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "article"],
                condition=Q(article__isnull=False),
                name="articles_autosave_one_per_article",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(article__isnull=True),
                name="articles_autosave_one_new_article",
            ),
        ]

    def __str__(self):
        return f"Unsaved text of {self.user} ({self.saved_at:%Y-%m-%d %H:%M})"


# --- crisis help and care cards (issue 19) --------------------------------------------------

# What may become a tel: or sms: link: digits, spaces and one leading "+", with at least
# three digits (999, 111, 988). Anything else an editor types is refused, not linked.
DIALLABLE_PATTERN = r"^\+?[0-9][0-9 ]*[0-9]$"
_DIALLABLE = re.compile(DIALLABLE_PATTERN)


def validate_diallable(value: str) -> None:
    if not _DIALLABLE.fullmatch(value) or sum(ch.isdigit() for ch in value) < 3:
        raise ValidationError(
            "Use digits and spaces only, with an optional + in front (for example 116 123)."
        )


def validate_region(value: str) -> None:
    if not re.fullmatch(r"[A-Z]{2}(?:-[A-Z0-9]{1,3})?", value):
        raise ValidationError("Use a country code such as GB or US (or GB-SCT for a region).")


class HelplineQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Helpline(models.Model):
    """A line readers can call or text for help now, shown on the "Get help now" card."""

    name = models.CharField(max_length=100, help_text='For example "Samaritans".')
    description = models.CharField(
        max_length=200, blank=True, help_text='Who it is for, e.g. "If you are struggling to cope".'
    )
    phone = models.CharField(
        "phone number",
        max_length=30,
        blank=True,
        validators=[validate_diallable],
        help_text="Digits and spaces, optional + in front. Readers tap it to call.",
    )
    text_number = models.CharField(
        max_length=30,
        blank=True,
        validators=[validate_diallable],
        help_text="A number readers can text, if any.",
    )
    text_keyword = models.CharField(
        max_length=30,
        blank=True,
        help_text='The word to text, if the service asks for one ("SHOUT").',
    )
    hours = models.CharField(max_length=100, blank=True, help_text='e.g. "24 hours, every day".')
    region = models.CharField(
        "country or region",
        max_length=10,
        validators=[validate_region],
        help_text="GB, US... Lines for the site's region (CRISIS_REGION) are shown first.",
    )
    display_order = models.PositiveSmallIntegerField(
        default=0, help_text="Lower numbers are shown first."
    )
    is_emergency = models.BooleanField(
        "emergency number", default=False, help_text="999, 911, 112: shown apart, first."
    )
    is_active = models.BooleanField("shown to readers", default=True)

    objects = HelplineQuerySet.as_manager()

    class Meta:
        ordering = ["region", "-is_emergency", "display_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(phone="") | ~Q(text_number=""), name="articles_helpline_reachable"
            ),
            # What becomes a tel: or sms: link is diallable, however the row was written
            # (the admin validates; a shell or a command might not).
            models.CheckConstraint(
                condition=Q(phone="") | Q(phone__regex=DIALLABLE_PATTERN),
                name="articles_helpline_phone_diallable",
            ),
            models.CheckConstraint(
                condition=Q(text_number="") | Q(text_number__regex=DIALLABLE_PATTERN),
                name="articles_helpline_text_number_diallable",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.region})"

    @property
    def tel(self) -> str:
        return "tel:" + self.phone.replace(" ", "")

    @property
    def sms(self) -> str:
        return "sms:" + self.text_number.replace(" ", "")


class CrisisSearchDay(models.Model):
    """How many searches on one day signalled a crisis (crisis.py). Only the count: what
    was searched for is never stored, for the readers' privacy."""

    day = models.DateField(unique=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day"]
        verbose_name = "crisis searches on a day"
        verbose_name_plural = "crisis searches by day"

    def __str__(self):
        return f"{self.day}: {self.count}"

    @classmethod
    def count_one(cls) -> None:
        """Add one to today's count; safe when two readers search at once."""
        today = timezone.localdate()
        if cls.objects.filter(day=today).update(count=F("count") + 1):
            return
        try:
            with transaction.atomic():
                cls.objects.create(day=today, count=1)
        except IntegrityError:  # another request created today's row first
            cls.objects.filter(day=today).update(count=F("count") + 1)


class CareCard(models.Model):
    """A reusable "When to get help" block: what should send a reader to urgent care, to a
    GP soon, or lets them look after themselves. Editors attach it to topics and articles."""

    class Level(models.TextChoices):
        URGENT = "urgent", "Urgent: get help now"
        SOON = "soon", "Soon: see a GP or specialist"
        SELF_CARE = "self_care", "You can look after yourself"

    name = models.CharField(max_length=100, help_text="For editors, e.g. 'Depression: urgent'.")
    level = models.CharField(max_length=20, choices=Level.choices)
    heading = models.CharField(max_length=200, help_text='e.g. "Call 999 or go to A&E if:"')
    points = models.TextField(
        max_length=2000, help_text="One point a line; shown as a bulleted list."
    )
    action = models.CharField(
        max_length=300, blank=True, help_text='What to do, e.g. "Ask for an urgent GP appointment".'
    )
    display_order = models.PositiveSmallIntegerField(default=0)
    topics = models.ManyToManyField(Topic, blank=True, related_name="care_cards")
    articles = models.ManyToManyField(Article, blank=True, related_name="care_cards")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=["urgent", "soon", "self_care"]),
                name="articles_carecard_level_valid",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def point_list(self) -> list[str]:
        return [line.strip() for line in self.points.splitlines() if line.strip()]

    @property
    def label(self) -> str:
        return {"urgent": "Urgent", "soon": "Soon", "self_care": "Self-care"}[self.level]


# --- the image library ----------------------------------------------------------------------


class Consent(models.TextChoices):
    NO_PEOPLE = "no_people", "No identifiable person is shown"
    GIVEN = "given", "Yes: everyone identifiable has consented to publication"
    NOT_GIVEN = "not_given", "No, or withdrawn: never shown on public pages"


class SkinTones(models.TextChoices):
    # Broad groups an editor can judge by eye (after the Fitzpatrick scale's I-II, III-IV,
    # V-VI): enough to see whether a topic's images show only one.
    NOT_RECORDED = "", "Not recorded"
    LIGHT = "light", "Light (Fitzpatrick I-II)"
    MEDIUM = "medium", "Medium (Fitzpatrick III-IV)"
    DARK = "dark", "Dark (Fitzpatrick V-VI)"
    SEVERAL = "several", "Several tones"


class ImageQuerySet(models.QuerySet):
    def usable_by(self, user_id: int | None):
        """What an article by this author may show: their own images and shared ones."""
        return self.filter(Q(shared=True) | Q(uploaded_by_id=user_id))

    def showable(self):
        """Images public pages may show: consent not refused or withdrawn."""
        return self.exclude(consent=Consent.NOT_GIVEN)


def new_image_key() -> str:
    # 160 bits from the OS's generator: the path segment of every rendition, never guessed.
    return get_random_string(32)


class Image(models.Model):
    """A library image. Its files are renditions (articles/images.py) stored under
    images/<key>/<width>.<ext> in the default storage; articles.views.image serves them
    only while a public article uses the image (or to staff)."""

    title = models.CharField(max_length=200, help_text="For finding it in the library.")
    alt_text = models.CharField(
        max_length=300,
        blank=True,
        help_text="What the image shows that the text around it does not say, for people "
        "who cannot see it. Required unless the image is decorative.",
    )
    decorative = models.BooleanField(
        default=False,
        help_text='Adds nothing the text does not say: screen readers skip it (alt="").',
    )
    caption = models.CharField(max_length=300, blank=True)
    credit = models.CharField(max_length=200, blank=True, help_text="Who made it.")
    licence = models.CharField(
        max_length=300, blank=True, help_text='Licence or source: "Own work", "CC BY 4.0, <link>".'
    )
    consent = models.CharField(
        "consent of identifiable people",
        max_length=20,
        choices=Consent.choices,
        help_text="Choosing No (or changing to it) takes the image off every public page.",
    )
    skin_tones = models.CharField(
        "skin tones shown",
        max_length=20,
        choices=SkinTones.choices,
        blank=True,
        help_text="For images of skin: lets editors see what readers of each topic see.",
    )
    tags = models.CharField(max_length=200, blank=True, help_text="Words to find it by.")
    shared = models.BooleanField(
        default=False, help_text="Other clinicians may use it in their articles."
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="images"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    key = models.CharField(max_length=64, unique=True, default=new_image_key, editable=False)
    format = models.CharField(max_length=10, editable=False)
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    # [[width, height, ext], ...] of the stored renditions, smallest first.
    renditions = models.JSONField(default=list, editable=False)

    objects = ImageQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decorative=True) | ~Q(alt_text=""),
                name="articles_image_alt_or_decorative",
            ),
            models.CheckConstraint(
                condition=Q(consent__in=Consent.values), name="articles_image_consent_valid"
            ),
        ]

    def __str__(self):
        return self.title

    @staticmethod
    def file_name(key: str, width: int, ext: str) -> str:
        return f"images/{key}/{width}.{ext}"

    def rendition_url(self, width: int, ext: str) -> str:
        return reverse("articles:image", args=[self.key, f"{width}.{ext}"])

    @property
    def thumbnail_url(self) -> str:
        """The smallest WebP rendition, for the library's lists."""
        sizes = [width for width, _height, ext in self.renditions if ext == "webp"]
        return self.rendition_url(min(sizes), "webp") if sizes else ""

    def ref(self) -> ImageRef:
        by_ext: dict[str, list[tuple[int, str]]] = {}
        for width, _height, ext in self.renditions:
            by_ext.setdefault(ext, []).append((width, self.rendition_url(width, ext)))
        fallback = by_ext.get("jpg") or by_ext.get("png") or []
        return ImageRef(
            id=self.pk,
            alt="" if self.decorative else self.alt_text,
            decorative=self.decorative,
            caption=self.caption,
            credit=self.credit,
            width=self.width,
            height=self.height,
            webp=tuple(by_ext.get("webp", [])),
            fallback=tuple(fallback),
        )

    def delete_files(self) -> None:
        for width, _height, ext in self.renditions:
            default_storage.delete(self.file_name(self.key, width, ext))


def image_refs(text: str, *, author_id: int | None) -> dict[int, ImageRef]:
    """The library images `text` refers to that an article by this author may show (their
    own and shared ones, with consent not refused); no query when it refers to none."""
    ids = image_ids(text)
    if not ids:
        return {}
    images = Image.objects.filter(pk__in=ids).usable_by(author_id).showable()
    return {image.pk: image.ref() for image in images if image.renditions}


class ImageUseQuerySet(models.QuerySet):
    def record(self, *, article=None, topic=None) -> None:
        """Make the page's uses the library images its text refers to now: an article's
        body (its author's own and shared images) or a topic's intro (shared images)."""
        if article is not None:
            page, text, author_id = {"article": article}, article.body, article.author_id
        else:
            page, text, author_id = {"topic": topic}, topic.intro, None
        ids = image_ids(text)
        self.filter(**page).exclude(image_id__in=ids).delete()
        if ids:
            usable = Image.objects.filter(pk__in=ids).usable_by(author_id)
            existing = usable.values_list("pk", flat=True)
            self.bulk_create(
                [ImageUse(image_id=pk, **page) for pk in existing], ignore_conflicts=True
            )

    def public(self):
        """Uses on pages readers can see: public articles, and every topic page."""
        return self.filter(_published_q("article__") | Q(topic__isnull=False))


class ImageUse(models.Model):
    """A page whose text refers to a library image: an article's body or a topic's intro.
    While one such page is public, the image's files are served to anyone; an image in use
    cannot be deleted."""

    image = models.ForeignKey(Image, on_delete=models.PROTECT, related_name="uses")
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.CASCADE, related_name="image_uses"
    )
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.CASCADE, related_name="image_uses"
    )

    objects = ImageUseQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["image", "article"], name="articles_imageuse_unique"),
            models.UniqueConstraint(
                fields=["image", "topic"], name="articles_imageuse_unique_topic"
            ),
            models.CheckConstraint(
                condition=Q(article__isnull=False, topic__isnull=True)
                | Q(article__isnull=True, topic__isnull=False),
                name="articles_imageuse_one_page",
            ),
        ]

    def __str__(self):
        return f"{self.image} in {self.article or self.topic}"


# --- the partner API (articles/api/) ------------------------------------------------------


class TopicCode(models.Model):
    """A medical code (SNOMED CT, ICD-10, RxNorm, MeSH) a topic answers for, so that a
    patient portal can ask "what do you have for ICD-10 F32.A?" (GET /api/v1/lookup).
    Validated by system (articles/codes.py) here and in the Topic admin's inline."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="codes")
    system = models.CharField(max_length=10, choices=codes.CHOICES)
    code = models.CharField(max_length=codes.MAX_CODE_LENGTH)
    display = models.CharField(
        max_length=200, blank=True, help_text="The code's own name, e.g. 'Depressive episode'."
    )

    class Meta:
        ordering = ["system", "code"]
        verbose_name = "medical code"
        constraints = [
            models.UniqueConstraint(
                fields=["system", "code", "topic"], name="articles_topiccode_unique"
            ),
            models.CheckConstraint(
                condition=Q(system__in=list(codes.SYSTEMS)), name="articles_topiccode_system"
            ),
        ]
        # The lookup's query is (system, code): the unique constraint's index serves it.

    def __str__(self):
        return f"{codes.SYSTEMS[self.system].label} {self.code}" if self.system else self.code

    def clean(self):
        if self.system not in codes.SYSTEMS:
            return  # the field's own choices error says so
        try:
            self.code = codes.check_code(codes.SYSTEMS[self.system], self.code or "")
        except codes.CodeError as error:
            raise ValidationError({"code": str(error)}) from None


API_KEY_PREFIX_LENGTH = 8


def hash_api_key(raw: str) -> str:
    """What is stored of a key: its SHA-256. Keys are 32 random characters, so a plain
    hash (no salt, no stretching) cannot be reversed, and a lookup is one indexed query."""
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiKey(models.Model):
    """A partner's key to the API. Only the hash is kept; the key is shown once, when the
    admin issues it. Revoked keys stay (with revoked_at) so their usage stays readable."""

    name = models.CharField(max_length=100, help_text="What the key is for, e.g. 'portal (live)'.")
    partner = models.CharField(max_length=200, help_text="Who holds it.")
    prefix = models.CharField(max_length=API_KEY_PREFIX_LENGTH, editable=False)
    hashed = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    rate_limit_per_minute = models.PositiveIntegerField(
        default=120, help_text="Requests a minute; more are answered 429 with Retry-After."
    )

    class Meta:
        ordering = ["partner", "name"]
        verbose_name = "API key"

    def __str__(self):
        return f"{self.partner}: {self.name} ({self.prefix}…)"

    @staticmethod
    def new_raw_key() -> tuple[str, str]:
        """(key, its shown prefix): "hh_" and 40 random letters and digits."""
        secret = get_random_string(40)
        return f"hh_{secret}", secret[:API_KEY_PREFIX_LENGTH]

    def issue(self) -> str:
        """Give this (unsaved or saved) key a new secret, save it, and return the secret:
        the only time it exists outside the partner's hands."""
        raw, self.prefix = self.new_raw_key()
        self.hashed = hash_api_key(raw)
        self.save()
        return raw

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class ApiKeyUsage(models.Model):
    """Requests made with one key on one day (UTC), added up from a cache counter."""

    key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="usage")
    day = models.DateField()
    requests = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day"]
        verbose_name = "API key usage"
        verbose_name_plural = "API key usage"
        constraints = [
            models.UniqueConstraint(fields=["key", "day"], name="articles_apikeyusage_unique")
        ]

    def __str__(self):
        return f"{self.key} on {self.day}: {self.requests}"

    @classmethod
    def add(cls, key_id: int, day: datetime.date, requests: int) -> None:
        """Add `requests` to the day's count: one UPDATE, or an INSERT on the day's first."""
        if cls.objects.filter(key_id=key_id, day=day).update(requests=F("requests") + requests):
            return
        try:
            with transaction.atomic():
                cls.objects.create(key_id=key_id, day=day, requests=requests)
        except IntegrityError:  # another process made the day's row first
            cls.objects.filter(key_id=key_id, day=day).update(requests=F("requests") + requests)


# --- syndication: the changes log and the partners' webhooks --------------------------


class ChangeKind(models.TextChoices):
    PUBLISHED = "published", "Published"
    REVISED_MAJOR = "revised_major", "Revised: clinically significant"
    REVISED_MINOR = "revised_minor", "Revised: minor"
    REVIEW_CONFIRMED = "review_confirmed", "Review confirmed"
    WITHDRAWN = "withdrawn", "Withdrawn"


# What a new webhook is told about unless its partner asks for more: what makes a copy
# of the hub's text wrong downstream.
def default_webhook_kinds() -> list[str]:
    return [ChangeKind.WITHDRAWN.value, ChangeKind.REVISED_MAJOR.value]


class ContentChange(models.Model):
    """One change readers (and partners) can see, in the order it happened: append-only.

    Written by articles/changelog.py from inside the workflow's transaction; its id is the
    changes feed's cursor. What it says is copied at the time (title, address), so the row
    tells the same story after the article is renamed or deleted.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=20, choices=ChangeKind.choices)
    article = models.ForeignKey(
        Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="changes"
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.SET_NULL, null=True, blank=True, related_name="changes"
    )
    title = models.CharField(max_length=200)
    slug = models.CharField(max_length=220)
    url = models.CharField(max_length=500, help_text="Its canonical address at the time.")
    revision = models.PositiveIntegerField(
        null=True, blank=True, help_text="The number of the version readers now see."
    )
    note = models.TextField(blank=True, max_length=5000, help_text="The editor's change note.")
    reason = models.TextField(blank=True, max_length=5000, help_text="Why it was withdrawn.")
    sent_to = models.CharField(
        max_length=500, blank=True, help_text="Where readers of a withdrawn page are sent."
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.title}"

    @property
    def api_url(self) -> str:
        """Its address in the public API (articles/api/), where partners fetch it."""
        collection = "topics" if self.topic_id is not None else "articles"
        return f"{settings.SITE_URL}/api/v1/{collection}/{self.slug}"

    def as_item(self) -> dict:
        """What partners are told of it: the changes feed's item and the webhook's body."""
        return {
            "id": self.pk,
            "kind": self.kind,
            "at": self.at.isoformat(),
            "type": "topic" if self.topic_id is not None else "article",
            "slug": self.slug,
            "title": self.title,
            "url": self.url,
            "api_url": self.api_url,
            "revision": self.revision,
            "note": self.note,
            "reason": self.reason,
            "sent_to": self.sent_to or None,
        }


class Webhook(models.Model):
    """A partner's address that is told about changes, signed with a secret they hold."""

    partner = models.CharField(max_length=200)
    url = models.URLField(
        max_length=500, help_text="HTTPS; the hub POSTs each change it is subscribed to here."
    )
    # HMAC needs the secret itself on both sides, so it is stored as it is; the admin shows
    # it once, when the webhook is registered.
    secret = models.CharField(max_length=100, editable=False)
    active = models.BooleanField(default=True)
    kinds = models.JSONField(
        default=default_webhook_kinds,
        blank=True,
        help_text="The kinds of change sent (ChangeKind values).",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["partner", "pk"]

    def __str__(self):
        return f"{self.partner} ({self.url})"


class WebhookDelivery(models.Model):
    """One attempt to POST one change to one webhook: append-only."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    change = models.ForeignKey(ContentChange, on_delete=models.PROTECT, related_name="deliveries")
    attempt = models.PositiveSmallIntegerField()
    at = models.DateTimeField(default=timezone.now, db_index=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    delivered = models.BooleanField(default=False)
    next_retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self):
        return f"{self.change} → {self.webhook.partner}, attempt {self.attempt}"
