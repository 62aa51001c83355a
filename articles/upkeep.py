"""Keeping derived data current: the one place that answers "if X changes, what is redone?"

Readers are served stored results: each article's `body_html`, `card_html`, search vectors
and its links' copy of its publish time, each topic's `intro_html`, search vector and
count of live articles, and whole pages in the page cache. What is derived from one row
alone is computed by that row's save() (models.py); what crosses rows is done here, or by
the call named below.

When this changes            what is refreshed                  by which call
---------------------------  ---------------------------------  ----------------------------------
An article's text, title,    its body_html, card, word count,   Article.save()
summary                      search vectors
An article's live flag or    its links' public_from copies      Article.save() →
publish time                                                    copy_publish_times()
A live article's topics      its vectors; its links'            article.topics
                             public_from; old and new topics'   (ArticleTopicsManager)
                             live counts
An article goes live or      its topics' live counts; cached    workflow.py (publish,
stops being live             pages showing it                   archive):
                                                                recount_live_articles(),
                                                                article_changed()
An article is deleted        its topics' live counts; cached    admin.py, ArticleAdmin's
(superusers only)            pages                              delete_queryset()
A topic's intro              its intro_html and search vector   Topic.save()
A topic's name, aliases or   pages mentioning it by an old or   topic_saved(), after the save
definition, or a new topic   new name; its articles' vectors;   (admin, load_demo)
                             cached pages
A topic is deleted           pages that mentioned it; vectors;  deleting_topics(), around the
                             cached pages                       deletion
An author's credited name    that author's cards; cached pages  author_renamed (User post_save)
(an unnamed one's: the
public slug)
A public profile (the        cached pages (author page,         profile_changed, roles_changed
public slug too), role or    bylines, structured data,
account                      sitemap)
A library image (alt text,   the articles using it; cached      image_changed (Image
caption, credit, consent,    pages                              post_save)
sharing, its file)
A policy page                cached pages (every footer links   page_changed (Page
                             the policies)                      post_save/delete)
A helpline (name, numbers,   the cached lines of the "Get help  helplines_changed (Helpline
hours, region, order...)     now" card and every cached page    post_save/delete): the lines
                             (home, search, A–Z and mental-     are cached per generation
                             health pages show the card)        (crisis_help.py)
A care card, or which        cached pages (the topics and       care_cards_changed (CareCard
topics and articles it is    articles showing it)               post_save/delete, m2m_changed)
attached to
The card template, its       every card                         ensure_cards_current(), after
filters, the URL prefix,                                        every `migrate`
time zone or language, how
authors are named (a deploy)
The Markdown pipeline (a     every body and intro               ensure_pages_current(), after
deploy)                                                         every `migrate`; manage.py
                                                                rerender_content
Global: templates, helplines, the whole page cache, when the     cache.content_changed()
policy pages (every footer),  change commits (every page; the
care cards, a deploy          HTTP caches: key `all`)
Some content (rows below)    the cached pages showing it: its   cache.retire(*keys), when the
                             keys, when the change commits      change commits

Keys retired: which cached pages a change retires (cache.retire(); pages name what they
show with cache.shows(); the HTTP caches in front are purged by the same keys).

When this changes            keys retired                       by which call
---------------------------  ---------------------------------  ----------------------------------
An article is published,     article:<id>, topic:<id> of its    article_changed(article, before=
edited (its live row),       topics before and after (their     article_keys() taken first),
archived, restored,          pages, and the related-articles    from workflow.py; ArticleAdmin's
re-confirmed, deleted        part of their articles' pages,     delete_queryset()
                             not those pages), author:<id> of
                             its author and reviewer before
                             and after, home, index, feeds,
                             sitemap, search
A topic's name, aliases,     topic:<id> and topic-name:<id>     topic_saved(), deleting_topics()
definition, intro...; a      (its articles' pages), the
topic deleted                listings, and article:/topic:<id>
                             of each page whose text changed
                             (mentions)
A topic re-confirmed         topic:<id>, topic-name:<id>, the   topics_changed()
                             listings
A public profile, role or    author:<id> (their page),          profile_changed, roles_changed
account                      byline:<id> (pages with their      (a group emptied: global)
                             byline), sitemap
An author's credited name    global (their cards are on every   author_renamed
                             listing and related list)
A library image              article:/topic:<id> of the pages   image_changed
                             using it

A page that names no keys carries `any`, retired by every change (correct, if not lean).
save(), copy_publish_times() and recount_live_articles() are in models.py; the other
calls named without a module are in this one. The receivers are connected by connect(),
from ArticlesConfig.ready().
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import reduce
from operator import or_

from django.contrib.postgres.search import SearchQuery
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save, pre_save

from accounts.models import User, credited_name

from . import markdown
from .cache import (
    FEEDS,
    HOME,
    INDEX,
    SEARCH,
    SITEMAP,
    article_key,
    author_key,
    byline_key,
    content_changed,
    related_key,
    retire,
    topic_key,
    topic_name_key,
)
from .cards import CARD_FIELDS, card_for, fingerprint
from .linking import topic_terms
from .models import (
    CONFIG,
    Article,
    ArticleTopic,
    CareCard,
    Helpline,
    Image,
    Page,
    RenderFingerprint,
    Topic,
    frozen_matcher,
    refresh_search_vectors,
    render_body,
    render_intro,
)

# --- pages that mention a topic --------------------------------------------------------------


def _mentions(terms: set[str], *, text_field: str) -> Q:
    return reduce(or_, (Q(**{f"{text_field}__icontains": term}) for term in terms), Q(pk__in=[]))


def mentions_query(terms: Iterable[str]) -> tuple[SearchQuery | None, set[str]]:
    """A query matching articles whose search vector may mention any of `terms`.

    Returns it and the terms it cannot find (made only of stop words): one query.
    """
    terms = sorted(set(terms))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t, numnode(phraseto_tsquery(%s::regconfig, t)) FROM unnest(%s::text[]) t",
            [CONFIG, terms],
        )
        counts = dict(cursor.fetchall())
    found = [t for t in terms if counts.get(t)]
    wordless = {t for t in terms if not counts.get(t)}
    if not found:
        return None, wordless
    query = reduce(or_, (SearchQuery(t, search_type="phrase", config=CONFIG) for t in found))
    return query, wordless


def _articles_mentioning(terms: set[str]):
    if connection.vendor != "postgresql":
        return Article.objects.filter(_mentions(terms, text_field="body"))
    # The stored search vectors find candidates through the GIN index; terms made only of
    # stop words have no lexemes, so those are looked for in the text.
    query, wordless = mentions_query(terms)
    found = Q(pk__in=[])
    if query is not None:
        found |= Q(search_vector=query)
    if wordless:
        found |= _mentions(wordless, text_field="body")
    return Article.objects.filter(found)


def _rerender_chunk(model, pks: list[int], *, source: str, target: str) -> int:
    is_topic = model is Topic
    dirty = []
    columns = (source, target) if is_topic else (source, target, "author_id")
    for row in model.objects.filter(pk__in=pks).only(*columns):
        if is_topic:
            html = render_intro(getattr(row, source), topic_id=row.pk)
        else:
            html = render_body(getattr(row, source), author_id=row.author_id)
        if html != getattr(row, target):
            setattr(row, target, html)
            dirty.append(row)
    # Derived HTML only: no updated_at bump, no new version, nothing readers see as an edit.
    model.objects.bulk_update(dirty, [target])
    return [row.pk for row in dirty]


def rerender_pages(
    *,
    articles=None,
    topics=None,
    batch_size: int = 200,
    progress: Callable[[int], None] | None = None,
    retired: set[str] | None = None,
) -> int:
    """Render these articles' bodies and topics' intros again; returns how many changed.

    The page keys of those that changed are added to `retired`, when given.
    """
    changed = 0
    with frozen_matcher():
        for model, queryset, source, target in (
            (Article, articles, "body", "body_html"),
            (Topic, topics, "intro", "intro_html"),
        ):
            if queryset is None:
                continue
            # Ids first, then batches: never write to a table while a cursor reads it.
            pks = list(queryset.order_by("pk").values_list("pk", flat=True).distinct())
            for begin in range(0, len(pks), batch_size):
                chunk = pks[begin : begin + batch_size]
                dirty = _rerender_chunk(model, chunk, source=source, target=target)
                changed += len(dirty)
                if retired is not None:
                    retired.update(map(topic_key if model is Topic else article_key, dirty))
                if progress:
                    progress(len(chunk))
    return changed


def rerender_mentions(*, terms: Iterable[str], retired: set[str] | None = None) -> int:
    """Render again every article and topic intro that mentions one of `terms` (the keys
    of those that changed go into `retired`, when given)."""
    terms = {t for t in terms if t.strip()}
    if not terms:
        return 0
    return rerender_pages(
        articles=_articles_mentioning(terms),
        topics=Topic.objects.filter(_mentions(terms, text_field="intro")),
        retired=retired,
    )


# --- which cached pages a change retires (articles/cache.py, retire()) ----------------------

# The pages listing articles or topics broadly; any article's or topic's change retires them.
LISTINGS = (HOME, INDEX, FEEDS, SITEMAP, SEARCH)


def article_keys(article: Article) -> set[str]:
    """The keys of every page showing this article as it stands (one query): its page and
    the related lists it is in (article:<id>), its topics' pages, the related lists it
    could enter (related_entered_keys()), its author's and medical reviewer's author pages
    (not their bylines elsewhere, which it does not change), and the listings. Take them
    before a change that may move it out of some (topics, reviewer), and retire both."""
    topic_ids = list(
        ArticleTopic.objects.filter(content_object_id=article.pk).values_list("tag_id", flat=True)
    )
    people = (article.author_id, article.medical_reviewer_id)
    return {
        article_key(article.pk),
        *map(topic_key, topic_ids),
        *related_entered_keys(topic_ids),
        *(author_key(pk) for pk in people if pk),
        *LISTINGS,
    }


# The largest combination of topics a related list names (see related_list_keys()).
RELATED_COMBINATION = 2


def related_list_keys(topic_ids: Iterable[int], shared: Sequence[int], *, full: bool) -> set[str]:
    """What could change a related-articles list for articles in these topics, ranked by
    how many of them each listed article has (`shared`, best first; `full` when the list
    stopped at its limit): the listed articles (article:<id>), and what a new article
    would need to enter it. It enters a full list only with at least as many of the
    topics as the last one listed (it is newer, so it wins a tie): every combination of
    that many of the topics names the list (related:<ids>), at most RELATED_COMBINATION
    (more names more lists, never fewer). A publish in one topic then leaves alone the
    lists of articles whose related articles all share two of their topics.
    """
    least = min(shared) if full and shared else 1
    size = min(least, RELATED_COMBINATION)
    return {related_key(combo) for combo in itertools.combinations(sorted(topic_ids), size)}


def related_entered_keys(topic_ids: Iterable[int]) -> set[str]:
    """The related lists an article with these topics could enter (related_list_keys()):
    every combination of one or two of them."""
    ids = sorted(topic_ids)
    return {
        related_key(combo)
        for size in range(1, RELATED_COMBINATION + 1)
        for combo in itertools.combinations(ids, size)
    }


def article_changed(article: Article, *, before: Iterable[str] = ()) -> None:
    """Call after a change readers could see of an article (publish, edit, archive...):
    the pages showing it, now or `before` (article_keys() taken before), are retired when
    the transaction commits."""
    retire(*article_keys(article), *before)


def topic_keys(topic_ids: Iterable[int]) -> set[str]:
    """The keys of the pages showing these topics: their own (topic:<id>), their articles'
    and the topic pages linking to them (topic-name:<id>), the listings (names, counts,
    featured topics)."""
    topic_ids = list(topic_ids)
    return {*map(topic_key, topic_ids), *map(topic_name_key, topic_ids), *LISTINGS}


def topics_changed(topic_ids: Iterable[int]) -> None:
    """Call after a change readers could see of these topics that no other page's text
    mentions (a review date, say; for names and definitions, topic_saved())."""
    retire(*topic_keys(topic_ids))


def topic_saved(*, topic: Topic) -> int:
    """Call after saving a topic: update what other pages show of it.

    When its name, aliases or definition changed (or it is new), pages that mention it by
    an old or new name are rendered again, and its articles' search vectors (which hold
    their topics' names and aliases) are refreshed. Cached pages showing it are retired
    (whatever changed: intro, safety notice, related topics): its own, its articles', the
    listings, and those whose text changed; no others. Returns the number of pages changed.
    """
    retired = topic_keys([topic.pk])
    before, after = topic.saved_link_state, topic.link_state()
    if before == after:
        retire(*retired)
        return 0
    with transaction.atomic():
        terms = topic_terms(before) | topic_terms(after)
        changed = rerender_mentions(terms=terms, retired=retired)
        if before is None or before[1:3] != after[1:3]:
            refresh_search_vectors(topic.article_links.values("content_object_id"))
        retire(*retired)
    topic.saved_link_state = after
    return changed


@contextlib.contextmanager
def deleting_topics(topics: Iterable[Topic]) -> Iterator[None]:
    """Wrap a deletion of topics: afterwards unlink them from the pages that mentioned them."""
    topics = list(topics)
    terms = set().union(*(topic_terms(t.link_state()) for t in topics))
    article_ids = list(
        ArticleTopic.objects.filter(tag__in=topics).values_list("content_object_id", flat=True)
    )
    retired = topic_keys(t.pk for t in topics)
    with transaction.atomic():
        yield
        rerender_mentions(terms=terms, retired=retired)
        refresh_search_vectors(article_ids)
        retire(*retired)


# --- cards -----------------------------------------------------------------------------------

CARDS = "article cards"
# What a card's credited name is made of, in credited_name()'s order (the public slug
# names someone with no name).
NAME_FIELDS = ("first_name", "last_name", "public_slug", "credentials")


def refresh_cards(articles: Iterable[Article], *, batch_size: int = 500) -> int:
    """Render these articles' cards again and store those that changed; returns how many."""
    changed = []
    count = 0
    for article in articles:
        card = card_for(article)
        if card != article.card_html:
            article.card_html = card
            changed.append(article)
        if len(changed) >= batch_size:
            count += Article.objects.bulk_update(changed, ["card_html"])
            changed = []
    if changed:
        count += Article.objects.bulk_update(changed, ["card_html"])
    return count


# A person with a name and one without (named by their public slug, never their login):
# how cards name either is part of how cards are rendered.
_SAMPLE_AUTHORS = (
    User(first_name="Sample", last_name="Author", credentials="MD", public_slug="sample-slug"),
    User(username="sample-login", credentials="MD", public_slug="sample-slug"),
)


def cards_fingerprint() -> str:
    """cards.fingerprint() for cards as they are rendered now, authors named as they are."""
    names = " / ".join(person.name_with_credentials for person in _SAMPLE_AUTHORS)
    return fingerprint(author_name=names)


def refresh_all_cards() -> int:
    """Render every card again and record how they were rendered; returns how many changed.

    The articles are locked as the workflow locks one it publishes, so a publication
    running now waits, or is waited for and its new card kept.
    """
    articles = (
        Article.objects.select_related("author")
        .select_for_update(of=("self",))
        .only(*CARD_FIELDS, "card_html", *(f"author__{name}" for name in NAME_FIELDS))
    )
    with transaction.atomic():
        changed = refresh_cards(articles.iterator(chunk_size=1000))
        RenderFingerprint.objects.update_or_create(
            what=CARDS, defaults={"digest": cards_fingerprint()}
        )
    return changed


def fingerprints_table_exists() -> bool:
    """Whether the database is migrated as far as RenderFingerprint (a backward migration,
    or a deploy check run before `migrate`, may find it missing)."""
    return RenderFingerprint._meta.db_table in connection.introspection.table_names()


def cards_current() -> bool:
    """Whether the stored cards were rendered the way cards are rendered now."""
    stored = RenderFingerprint.objects.filter(what=CARDS).values_list("digest", flat=True)
    return stored.first() == cards_fingerprint()


def ensure_cards_current() -> int:
    """Render every card again if the card template, its filters, the URL prefix, the time
    zone, the language or how authors are named changed since they were rendered; returns
    how many cards changed."""
    if cards_current():
        return 0
    changed = refresh_all_cards()
    if changed:
        content_changed()
    return changed


PAGES = "article bodies and topic intros"


def pages_current() -> bool:
    """Whether the stored bodies and intros were rendered by the pipeline as it is now."""
    stored = RenderFingerprint.objects.filter(what=PAGES).values_list("digest", flat=True)
    return stored.first() == markdown.fingerprint()


def rerender_all_pages(*, batch_size: int = 200, progress=None) -> int:
    """Render every body and intro again and record how; returns how many changed."""
    digest = markdown.fingerprint()
    changed = rerender_pages(
        articles=Article.objects.all(),
        topics=Topic.objects.all(),
        batch_size=batch_size,
        progress=progress,
    )
    RenderFingerprint.objects.update_or_create(what=PAGES, defaults={"digest": digest})
    return changed


def ensure_pages_current() -> int:
    """Render every body and intro again if the Markdown pipeline (the sanitiser, linking,
    sources, the render budget) changed since they were stored; returns how many changed."""
    if pages_current():
        return 0
    changed = rerender_all_pages()
    if changed:
        content_changed()
    return changed


def _rendered_after_migrate(sender, using=DEFAULT_DB_ALIAS, plan=None, **kwargs) -> None:
    # Once, after the articles app's own migrations: a deploy runs `migrate`. Not when
    # migrating backwards to before the fingerprints' table.
    if sender.name != "articles" or using != DEFAULT_DB_ALIAS:
        return
    if fingerprints_table_exists():
        ensure_pages_current()
        ensure_cards_current()


def _note_renamed(sender, instance, update_fields=None, raw=False, **kwargs) -> None:
    if raw or instance.pk is None:
        return
    if update_fields is not None and not set(update_fields) & set(NAME_FIELDS):
        return  # a login's last_login, a password change: nothing a card shows
    before = User.objects.filter(pk=instance.pk).values_list(*NAME_FIELDS).first()
    instance._cards_stale = (
        before is not None and credited_name(*before) != instance.name_with_credentials
    )


def author_renamed(sender, instance, raw=False, **kwargs) -> None:
    """Re-render the cards of an author whose credited name changed; pages go fresh."""
    if raw or not getattr(instance, "_cards_stale", False):
        return
    instance._cards_stale = False
    # Locked as the workflow locks an article it publishes: a publication running now
    # either waits for this to commit, or is waited for and its new title re-rendered.
    articles = (
        Article.objects.filter(author=instance)
        .select_for_update(of=("self",))
        .only(*CARD_FIELDS, "card_html")
    )

    def by_this_author():
        for article in articles.iterator(chunk_size=2000):
            article.author = instance  # the saved name, without a query per article
            yield article

    with transaction.atomic():
        refresh_cards(by_this_author())
    content_changed()


# --- what else readers see ---------------------------------------------------------------------

# What author pages, bylines and structured data show of a person, and whether they have a
# public page at all.
PROFILE_FIELDS = frozenset({*NAME_FIELDS, "professional_title", "bio", "disclosures", "is_active"})


def profile_changed(sender, instance=None, update_fields=None, raw=False, **kwargs) -> None:
    """A person saved or deleted however it happens (admin, shell, command): their author
    page (author:<id>), the pages with their byline (byline:<id>) and the sitemap go fresh.

    A save that touches none of PROFILE_FIELDS (a login's last_login) changes no page. A
    changed name also changes their cards: author_renamed() sees to those.
    """
    if raw or (update_fields is not None and not set(update_fields) & PROFILE_FIELDS):
        return
    retire(author_key(instance.pk), byline_key(instance.pk), SITEMAP)


def roles_changed(sender, instance, action: str, pk_set=None, **kwargs) -> None:
    """Joining or leaving a group decides whether a person has a public author page."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if isinstance(instance, User):
        people = [instance.pk]
    elif pk_set:  # group.user_set changed: these people
        people = list(pk_set)
    else:  # a group emptied: who was in it is not known any more
        content_changed()
        return
    retire(*map(author_key, people), *map(byline_key, people), SITEMAP)


def page_changed(sender, raw=False, **kwargs) -> None:
    """A policy page saved or deleted: every page's footer links to the policies."""
    if not raw:
        content_changed()


def helplines_changed(sender, raw=False, **kwargs) -> None:
    """A helpline saved or deleted: the card's cached lines and the pages showing them."""
    if not raw:
        content_changed()


def care_cards_changed(sender, raw=False, action: str = "", **kwargs) -> None:
    """A care card saved, deleted, or attached to or taken off a topic or an article."""
    if not raw and (not action or action.startswith("post_")):
        content_changed()


def image_changed(sender, instance, raw=False, created=False, **kwargs) -> None:
    """A library image saved (alt text, caption, credit, sharing, consent, a new file): the
    articles and topic intros using it are rendered again, so a withdrawn consent takes it
    off every public page at once (and articles.views.image stops serving its files). A new
    image has no uses yet: nothing to do."""
    if raw or created:
        return
    articles = Article.objects.filter(image_uses__image=instance)
    topics = Topic.objects.filter(image_uses__image=instance)
    rerender_pages(articles=articles, topics=topics)
    # Every page using it, changed HTML or not (a consent withdrawn: the file stops being
    # served). Cards show no image.
    retire(
        *map(article_key, articles.values_list("pk", flat=True)),
        *map(topic_key, topics.values_list("pk", flat=True)),
    )


def connect() -> None:
    """Connect the receivers above (ArticlesConfig.ready())."""
    uid = "articles.upkeep."
    pre_save.connect(_note_renamed, sender=User, dispatch_uid=uid + "note_renamed")
    post_save.connect(author_renamed, sender=User, dispatch_uid=uid + "author_renamed")
    post_save.connect(profile_changed, sender=User, dispatch_uid=uid + "profile_saved")
    post_delete.connect(profile_changed, sender=User, dispatch_uid=uid + "profile_deleted")
    m2m_changed.connect(roles_changed, sender=User.groups.through, dispatch_uid=uid + "roles")
    post_save.connect(page_changed, sender=Page, dispatch_uid=uid + "page_saved")
    post_delete.connect(page_changed, sender=Page, dispatch_uid=uid + "page_deleted")
    post_save.connect(helplines_changed, sender=Helpline, dispatch_uid=uid + "helpline_saved")
    post_delete.connect(helplines_changed, sender=Helpline, dispatch_uid=uid + "helpline_deleted")
    post_save.connect(care_cards_changed, sender=CareCard, dispatch_uid=uid + "care_card_saved")
    post_delete.connect(care_cards_changed, sender=CareCard, dispatch_uid=uid + "care_card_gone")
    for through in (CareCard.topics.through, CareCard.articles.through):
        m2m_changed.connect(care_cards_changed, sender=through, dispatch_uid=uid + through.__name__)
    post_save.connect(image_changed, sender=Image, dispatch_uid=uid + "image_saved")
    post_migrate.connect(_rendered_after_migrate, dispatch_uid=uid + "rendered_after_migrate")
