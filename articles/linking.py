"""Linked terms: the first mention of a topic in a page links to it and carries its definition.

How it works
- A `Matcher` holds every topic's name and aliases, grouped by their first word. Scanning
  a text walks its words once; only a word that starts some term costs a (small, cached)
  regular expression match, which takes the longest term starting there, whole words only,
  case-insensitively. Linking a 2,000-word body against 5,000 topics takes a few
  milliseconds (bench/bench_linking.py).
- `current_matcher()` builds the matcher once per process and rebuilds it when the topics
  change, which it notices with one cheap query: (count, newest updated_at) of topics.
- `link_tree()` rewrites the Markdown element tree *before* sanitising (articles/markdown.py
  calls it from a treeprocessor; bleach then checks everything it produced). It never links
  inside headings, links, code or the sources, and never links a topic page to itself.
- When a topic's name, aliases or definition change, the pages that mention it are
  rendered again: `topic_saved()` after saving one, `deleting_topics()` around a deletion,
  and `python manage.py rerender_content` for everything.

This module walks xml.etree elements and never imports markdown or bleach.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from xml.etree.ElementTree import Element

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.urls import reverse

WORD = re.compile(r"\w+")
# Python-Markdown's placeholders: raw HTML ("\x02wzxhzdk:3\x03") and escaped characters.
PLACEHOLDER = re.compile("(\x02[^\x03]*\x03)")
RAW_HTML_INDEX = re.compile("\x02wzxhzdk:(\\d+)\x03")
SKIP_TAGS = frozenset({"a", "code", "pre", "kbd", "samp", "script", "style", "textarea"}) | {
    f"h{n}" for n in range(1, 7)
}
SKIP_CLASSES = frozenset({"footnote", "sources"})  # the footnotes block, before and after
RAW_OPEN = re.compile(r"<(a|code|pre|kbd|samp|h[1-6])\b[^>]*(?<!/)>\s*\Z", re.IGNORECASE)
RAW_CLOSE = re.compile(r"</(a|code|pre|kbd|samp|h[1-6])\s*>\s*\Z", re.IGNORECASE)
MIN_TERM_CHARS = 2

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u2010": "-", "\u2011": "-"})
_SPACES = re.compile(r"\s+")


def normalise_term(text: str) -> str:
    """The form terms are compared in: lower case, single spaces, plain ' and -."""
    return _SPACES.sub(" ", text.translate(_APOSTROPHES)).strip().lower()


def _term_pattern(term: str) -> str:
    """A regex source for one normalised term: any run of spaces, either kind of ' and -."""
    out = []
    for ch in term:
        if ch == " ":
            out.append(r"\s+")
        elif ch == "'":
            out.append("['\u2018\u2019]")
        elif ch == "-":
            out.append("[-\u2010\u2011]")
        else:
            out.append(re.escape(ch))
    return "".join(out)


@dataclass(frozen=True, slots=True)
class TopicRef:
    """What a link to a topic needs."""

    id: int
    slug: str
    name: str
    definition: str

    @property
    def url(self) -> str:
        return reverse("articles:topic", kwargs={"slug": self.slug})

    @property
    def definition_id(self) -> str:
        return f"term-def-{self.slug}"


@dataclass(slots=True)
class _Group:
    """The terms that start with one word, tried longest first."""

    refs: dict[str, TopicRef] = field(default_factory=dict)
    pattern: re.Pattern | None = None

    def compiled(self) -> re.Pattern:
        if self.pattern is None:
            alternatives = sorted(self.refs, key=len, reverse=True)
            source = "|".join(_term_pattern(term) for term in alternatives)
            self.pattern = re.compile(f"(?:{source})(?!\\w)", re.IGNORECASE)
        return self.pattern


class Matcher:
    """Every topic name and alias, for finding leftmost-longest whole-word mentions."""

    def __init__(self, topics: Iterable[tuple[TopicRef, Iterable[str]]]):
        self._groups: dict[str, _Group] = {}
        self.term_count = 0
        # Names are added before aliases, so a topic's name wins over another's alias.
        entries = [(ref, [normalise_term(t) for t in terms]) for ref, terms in topics]
        for rank in (0, 1):
            for ref, terms in entries:
                for term in terms[:1] if rank == 0 else terms[1:]:
                    self._add(term, ref)

    def _add(self, term: str, ref: TopicRef) -> None:
        first = WORD.match(term)
        if first is None or len(term) < MIN_TERM_CHARS or not term[-1:].strip():
            return  # a term must start with a letter or digit to be a whole word
        group = self._groups.setdefault(first.group(), _Group())
        if term not in group.refs:
            group.refs[term] = ref
            self.term_count += 1

    def scan(self, text: str, seen: set[int]) -> Iterator[tuple[int, int, TopicRef]]:
        """Yield (start, end, topic) for first mentions of topics not in `seen`.

        Adds each yielded topic to `seen`. A longer term wins over a shorter one starting
        at the same place, even when its topic was already linked (so "treatment-resistant
        depression" is never half-linked as "depression").
        """
        resume = 0
        for word in WORD.finditer(text):
            start = word.start()
            if start < resume:
                continue
            group = self._groups.get(word.group().lower())
            if group is None:
                continue
            hit = group.compiled().match(text, start)
            if hit is None:
                continue
            resume = hit.end()
            ref = group.refs.get(normalise_term(hit.group()))
            if ref is None or ref.id in seen:
                continue
            seen.add(ref.id)
            yield start, hit.end(), ref


# --- the matcher for the current topics -------------------------------------------------

_cached: tuple[tuple, Matcher] | None = None
_frozen: contextvars.ContextVar[Matcher | None] = contextvars.ContextVar("frozen", default=None)


def _topic_model():
    return apps.get_model("articles", "Topic")


def current_matcher() -> Matcher:
    """The matcher for the topics as they are now: one cheap query, a rebuild on change."""
    global _cached
    frozen = _frozen.get()
    if frozen is not None:
        return frozen
    topics = _topic_model().objects.order_by()
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


# --- linking an element tree --------------------------------------------------------------


class _TreeLinker:
    def __init__(self, matcher: Matcher, exclude_topic_id: int | None, raw_html: Sequence):
        self.matcher = matcher
        self.raw_html = raw_html
        self.seen: set[int] = set() if exclude_topic_id is None else {exclude_topic_id}
        self.raw_depth = 0  # inside raw-HTML <a>, <code>... written by the author

    def walk(self, element: Element, skipped: bool) -> None:
        skip = (
            skipped
            or element.tag in SKIP_TAGS
            or bool(SKIP_CLASSES & set((element.get("class") or "").split()))
        )
        index = 0
        if element.text:
            element.text, links = self.link_text(element.text, skip)
            for offset, link in enumerate(links):
                element.insert(offset, link)
            index = len(links)
        while index < len(element):
            child = element[index]
            self.walk(child, skip)
            index += 1
            if child.tail:
                child.tail, links = self.link_text(child.tail, skip)
                for offset, link in enumerate(links):
                    element.insert(index + offset, link)
                index += len(links)

    def link_text(self, text: str, skip: bool) -> tuple[str, list[Element]]:
        """Split `text` into the text before the first link, and link elements with tails."""
        head: list[str] = []
        links: list[Element] = []

        def emit(piece: str) -> None:
            if not piece:
                return
            if links:
                links[-1].tail = (links[-1].tail or "") + piece
            else:
                head.append(piece)

        for part in PLACEHOLDER.split(text):
            if part.startswith("\x02"):
                self._track_raw_html(part)
                emit(part)
            elif skip or self.raw_depth:
                emit(part)
            else:
                position = 0
                for start, end, ref in self.matcher.scan(part, self.seen):
                    emit(part[position:start])
                    links.append(term_element(ref, part[start:end]))
                    position = end
                emit(part[position:])
        return "".join(head), links

    def _track_raw_html(self, placeholder: str) -> None:
        found = RAW_HTML_INDEX.fullmatch(placeholder)
        if found is None or int(found.group(1)) >= len(self.raw_html):
            return
        html = self.raw_html[int(found.group(1))]
        if not isinstance(html, str):
            return
        if RAW_OPEN.match(html):
            self.raw_depth += 1
        elif RAW_CLOSE.match(html):
            self.raw_depth = max(0, self.raw_depth - 1)


def term_element(ref: TopicRef, text: str) -> Element:
    """`<span class="term"><a …>text</a><span role="tooltip">definition</span></span>`.

    The definition is plain element text, so the serialiser escapes it; the link is
    described by it (aria-describedby), so screen readers announce it on focus, and CSS
    shows it on hover and keyboard focus (static/css/site.css, "Linked terms").
    """
    wrapper = Element("span", {"class": "term"})
    link = Element("a", {"class": "term__link", "href": ref.url})
    link.text = text
    wrapper.append(link)
    if ref.definition:
        link.set("aria-describedby", ref.definition_id)
        definition = Element(
            "span", {"class": "term__def", "id": ref.definition_id, "role": "tooltip"}
        )
        definition.text = ref.definition
        wrapper.append(definition)
    return wrapper


def link_tree(
    root: Element,
    *,
    matcher: Matcher,
    exclude_topic_id: int | None = None,
    raw_html: Sequence = (),
) -> None:
    """Link the first mention of each topic in `root`, in place."""
    _TreeLinker(matcher, exclude_topic_id, raw_html).walk(root, skipped=False)


# --- keeping rendered pages current ---------------------------------------------------------


def topic_terms(link_state: tuple | None) -> set[str]:
    """The names a topic is mentioned by, from Topic.link_state()."""
    if not link_state:
        return set()
    _slug, name, aliases, _definition = link_state
    return {t for t in (s.strip() for s in [name, *aliases.splitlines()]) if t}


def _mentions(terms: set[str], *, text_field: str) -> Q:
    return reduce(or_, (Q(**{f"{text_field}__icontains": term}) for term in terms), Q(pk__in=[]))


def _articles_mentioning(terms: set[str]):
    from .models import Article

    if connection.vendor != "postgresql":
        return Article.objects.filter(_mentions(terms, text_field="body"))
    from .search import mentions_query  # search.py imports the models, which import us

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
    from .markdown import render_markdown

    is_topic = model is _topic_model()
    dirty = []
    for row in model.objects.filter(pk__in=pks).only(source, target):
        html = render_markdown(getattr(row, source), exclude_topic_id=row.pk if is_topic else None)
        if html != getattr(row, target):
            setattr(row, target, html)
            dirty.append(row)
    # Derived HTML only: no updated_at bump, no new version, nothing readers see as an edit.
    model.objects.bulk_update(dirty, [target])
    return len(dirty)


def rerender_pages(
    *,
    articles=None,
    topics=None,
    batch_size: int = 200,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Render these articles' bodies and topics' intros again; returns how many changed."""
    from .models import Article

    changed = 0
    with frozen_matcher():
        for model, queryset, source, target in (
            (Article, articles, "body", "body_html"),
            (_topic_model(), topics, "intro", "intro_html"),
        ):
            if queryset is None:
                continue
            # Ids first, then batches: never write to a table while a cursor reads it.
            pks = list(queryset.order_by("pk").values_list("pk", flat=True).distinct())
            for begin in range(0, len(pks), batch_size):
                chunk = pks[begin : begin + batch_size]
                changed += _rerender_chunk(model, chunk, source=source, target=target)
                if progress:
                    progress(len(chunk))
    return changed


def rerender_mentions(*, terms: Iterable[str]) -> int:
    """Render again every article and topic intro that mentions one of `terms`."""
    terms = {t for t in terms if t.strip()}
    if not terms:
        return 0
    Topic = _topic_model()
    return rerender_pages(
        articles=_articles_mentioning(terms),
        topics=Topic.objects.filter(_mentions(terms, text_field="intro")),
    )


def topic_saved(*, topic) -> int:
    """Call after saving a topic: update what other pages show of it.

    When its name, aliases or definition changed (or it is new), pages that mention it by
    an old or new name are rendered again, and its articles' search vectors (which hold
    their topics' names and aliases) are refreshed. Cached pages are dropped (whatever
    changed: intro, safety notice, related topics). Returns the number of pages changed.
    """
    from .cache import content_changed
    from .search import refresh_search_vectors

    content_changed()
    before, after = topic.saved_link_state, topic.link_state()
    if before == after:
        return 0
    with transaction.atomic():
        changed = rerender_mentions(terms=topic_terms(before) | topic_terms(after))
        if before is None or before[1:3] != after[1:3]:
            refresh_search_vectors(topic.article_links.values("content_object_id"))
    topic.saved_link_state = after
    return changed


@contextlib.contextmanager
def deleting_topics(topics: Iterable) -> Iterator[None]:
    """Wrap a deletion of topics: afterwards unlink them from the pages that mentioned them."""
    from .cache import content_changed
    from .models import ArticleTopic
    from .search import refresh_search_vectors

    topics = list(topics)
    terms = set().union(*(topic_terms(t.link_state()) for t in topics))
    article_ids = list(
        ArticleTopic.objects.filter(tag__in=topics).values_list("content_object_id", flat=True)
    )
    with transaction.atomic():
        yield
        rerender_mentions(terms=terms)
        refresh_search_vectors(article_ids)
        content_changed()
