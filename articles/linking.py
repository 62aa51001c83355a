"""Linked terms: the first mention of a topic in a page links to it and carries its definition.

How it works
- A `Matcher` holds every topic's name and aliases, grouped by their first word. Scanning
  a text walks its words once; only a word that starts some term costs a (small, cached)
  regular expression match, which takes the longest term starting there, whole words only,
  case-insensitively. Linking a 2,000-word body against 5,000 topics takes a few
  milliseconds (bench/bench_linking.py).
- The matcher for the topics as they are now is `models.current_matcher()`: this module
  is pure (no models, no queries) and is handed a matcher.
- `link_tree()` rewrites the Markdown element tree *before* sanitising (articles/markdown.py
  calls it from a treeprocessor; bleach then checks everything it produced). It never links
  inside headings, links, code or the sources, and never links a topic page to itself.
- When a topic's name, aliases or definition change, the pages that mention it are
  rendered again: see articles/upkeep.py.

This module walks xml.etree elements and never imports markdown or bleach.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

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


def topic_terms(link_state: tuple | None) -> set[str]:
    """The names a topic is mentioned by, from Topic.link_state()."""
    if not link_state:
        return set()
    _slug, name, aliases, _definition = link_state
    return {t for t in (s.strip() for s in [name, *aliases.splitlines()]) if t}
