"""What changed between two versions of an article, word by word, as safe HTML.

Title and summary are compared as text. The body is compared as readers see it: both
versions go through the Markdown pipeline (without linked terms, which would only add
noise), the result is cut into blocks (paragraphs, headings, list items, table rows,
sources), the blocks are matched, and the words inside each changed pair are compared.
Each field comes three ways: inline (<del> and <ins> together), and "before"/"after" for
side by side.

The input is the pipeline's sanitised output; the markup added here is only <ins> and
<del>, and the result is sanitised once more, so nothing an author typed becomes live.

difflib over word tokens rather than lxml.html.diff: lxml would be a new compiled
dependency, and on real edits its output put the deleted words after an inserted
paragraph (outside the one they came from), listed insertions before deletions and added
"Link: <url>" text to every changed link.
"""

import difflib
import re
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser

from django.utils.safestring import SafeString

from .markdown import render_markdown, sanitise_diff


@dataclass(frozen=True)
class FieldDiff:
    label: str
    inline: SafeString
    before: SafeString
    after: SafeString


# Word comparison costs about len(a) * len(b) in the worst case. Past this many token pairs
# for one field, what is left is shown as replaced whole, so that 200,000 characters of
# different text stay under a second (bench figures in tests/articles/test_diff.py).
MAX_WORD_PAIRS = 2_000_000
# How many blocks ahead to look for the new version of a changed block.
PAIR_WINDOW = 6
# Below this share of words in common, two blocks are shown as one removed, one added.
PAIR_SIMILARITY = 0.4

# Elements whose children are the blocks compared; everything else is a block of its own
# (a list item keeps any list nested in it).
_CONTAINERS = frozenset({"ul", "ol", "table", "thead", "tbody", "section", "blockquote", "dl"})
_VOID = frozenset({"br", "hr", "img"})
_TOKEN = re.compile(r"<[^>]*>|\s+|[^\s<]+\s*")
# Space at the end of a word, also the no-break space before a source's back-link.
_TRAILING_SPACE = re.compile(r"(?:\s|&#160;|&nbsp;)+$")


# --- words ---------------------------------------------------------------------------------


class _Sides:
    """The three renderings being written: inline, before (deletions), after (insertions)."""

    def __init__(self):
        self.inline: list[str] = []
        self.before: list[str] = []
        self.after: list[str] = []
        self.budget = MAX_WORD_PAIRS

    def spend(self, pairs: int) -> bool:
        """Whether a word comparison of this many token pairs still fits in the budget."""
        if pairs > self.budget:
            return False
        self.budget -= pairs
        return True

    def same(self, html: str) -> None:
        self.inline.append(html)
        self.before.append(html)
        self.after.append(html)

    def removed(self, tokens: list[str], *, whole: bool = False) -> None:
        # Inside a changed block the new side's tags count inline: the old side's would
        # open a second link or emphasis around the same words.
        self.inline.append(_mark("del", tokens, keep_tags=whole))
        self.before.append(_mark("del", tokens, keep_tags=True))

    def added(self, tokens: list[str]) -> None:
        self.inline.append(_mark("ins", tokens, keep_tags=True))
        self.after.append(_mark("ins", tokens, keep_tags=True))

    def field(self, label: str) -> FieldDiff:
        return FieldDiff(
            label,
            sanitise_diff("".join(self.inline)),
            sanitise_diff("".join(self.before)),
            sanitise_diff("".join(self.after)),
        )


def _mark(tag: str, tokens: list[str], *, keep_tags: bool) -> str:
    """Wrap each run of words in <tag>, with the run's trailing space left outside."""
    out, words = [], []

    def flush():
        text = "".join(words)
        stripped = _TRAILING_SPACE.sub("", text)
        if stripped:
            out.append(f"<{tag}>{stripped}</{tag}>{text[len(stripped) :]}")
        elif text:
            out.append(text)
        words.clear()

    for token in tokens:
        if token.startswith("<"):
            if keep_tags:
                flush()
                out.append(token)
        else:
            words.append(token)
    flush()
    return "".join(out)


def _tokens(html: str) -> list[str]:
    return _TOKEN.findall(html)


def _keys(tokens: list[str]) -> list[str]:
    # A word is the same word at the end of a line or of the text.
    return [_TRAILING_SPACE.sub("", token) or " " for token in tokens]


def _words(sides: _Sides, old: list[str], new: list[str]) -> None:
    # Edits are usually a few words in a long text: the common start and end cost nothing.
    old_keys, new_keys = _keys(old), _keys(new)
    start = 0
    while start < min(len(old), len(new)) and old_keys[start] == new_keys[start]:
        start += 1
    end = 0
    while end < min(len(old), len(new)) - start and old_keys[-1 - end] == new_keys[-1 - end]:
        end += 1
    if start:
        sides.same("".join(new[:start]))
    old_middle, new_middle = old[start : len(old) - end], new[start : len(new) - end]
    if sides.spend(len(old_middle) * len(new_middle)):
        _middle(sides, old_middle, new_middle)
    else:
        _replaced(sides, old_middle, new_middle)
    if end:
        sides.same("".join(new[len(new) - end :]))


def _middle(sides: _Sides, old: list[str], new: list[str]) -> None:
    matcher = difflib.SequenceMatcher(None, _keys(old), _keys(new), autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            sides.same("".join(new[j1:j2]))
        else:
            _replaced(sides, old[i1:i2], new[j1:j2])


def _replaced(sides: _Sides, old: list[str], new: list[str]) -> None:
    if old:
        sides.removed(old)
    if new:
        if old and not sides.inline[-1][-1:].isspace():
            sides.inline.append(" ")  # "<del>old</del> <ins>new</ins>", not one word
        sides.added(new)


def _text_diff(label: str, old: str, new: str) -> FieldDiff:
    sides = _Sides()
    _words(sides, _tokens(escape(old)), _tokens(escape(new)))
    return sides.field(label)


# --- blocks --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    path: tuple[str, ...]  # the start tags of the containers it sits in
    start: str  # its own start tag ("" for loose text)
    end: str
    inner: str

    @property
    def key(self) -> tuple:
        return (self.path, self.start, self.inner)


class _Blocks(HTMLParser):
    """Cut the pipeline's HTML into blocks, each with the containers around it."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.blocks: list[_Block] = []
        self.path: list[str] = []
        self.block_tag: str | None = None
        self.block_start = ""
        self.depth = 0
        self.inner: list[str] = []

    def handle_starttag(self, tag, attrs):
        raw = self.get_starttag_text()
        if self.block_tag is not None:
            self.inner.append(raw)
            if tag == self.block_tag:
                self.depth += 1
        elif tag in _CONTAINERS:
            self.path.append(raw)
        elif tag in _VOID:
            self.blocks.append(_Block(tuple(self.path), raw, "", ""))
        else:
            self.block_tag, self.block_start, self.depth, self.inner = tag, raw, 1, []

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if self.block_tag is None:
            if tag in _CONTAINERS and self.path:
                self.path.pop()
            return
        if tag == self.block_tag:
            self.depth -= 1
            if self.depth == 0:
                block = _Block(tuple(self.path), self.block_start, f"</{tag}>", "".join(self.inner))
                self.blocks.append(block)
                self.block_tag = None
                return
        self.inner.append(f"</{tag}>")

    def handle_data(self, data):
        if self.block_tag is not None:
            self.inner.append(data)
        elif data.strip():
            self.blocks.append(_Block(tuple(self.path), "", "", data))

    def handle_entityref(self, name):
        self.handle_data(f"&{name};")

    def handle_charref(self, name):
        self.handle_data(f"&#{name};")


def _blocks(html: str) -> list[_Block]:
    parser = _Blocks()
    parser.feed(html)
    parser.close()
    return parser.blocks


class _Body(_Sides):
    """Writes blocks, opening and closing the containers around them on each side."""

    def __init__(self):
        super().__init__()
        self.open = {"inline": (), "before": (), "after": ()}

    def _enter(self, side: str, path: tuple[str, ...]) -> None:
        out, current = getattr(self, side), self.open[side]
        common = 0
        while common < min(len(current), len(path)) and current[common] == path[common]:
            common += 1
        for start in reversed(current[common:]):
            out.append(f"</{_tag_name(start)}>")
        out.extend(path[common:])
        self.open[side] = path

    def block(self, block: _Block, sides: tuple[str, ...]) -> None:
        for side in sides:
            self._enter(side, block.path)
            getattr(self, side).append(block.start)

    def close_block(self, block: _Block, sides: tuple[str, ...]) -> None:
        for side in sides:
            getattr(self, side).append(block.end)

    def finish(self) -> None:
        for side in self.open:
            self._enter(side, ())


def _tag_name(start_tag: str) -> str:
    return re.match(r"<([a-zA-Z0-9]+)", start_tag).group(1)


_ALL = ("inline", "before", "after")


def _whole(body: _Body, block: _Block, kind: str) -> None:
    sides = ("inline", "before") if kind == "removed" else ("inline", "after")
    body.block(block, sides)
    tokens = _tokens(block.inner)
    if kind == "removed":
        body.removed(tokens, whole=True)
    else:
        body.added(tokens)
    body.close_block(block, sides)


def _pair(body: _Body, old: _Block, new: _Block) -> None:
    body.block(new, ("inline", "after"))
    body.block(old, ("before",))
    _words(body, _tokens(old.inner), _tokens(new.inner))
    body.close_block(new, ("inline", "after"))
    body.close_block(old, ("before",))


def _similar(old: _Block, new: _Block) -> bool:
    if (old.path, _tag_name(old.start or "<x>")) != (new.path, _tag_name(new.start or "<x>")):
        return False
    a, b = _keys(_tokens(old.inner)), _keys(_tokens(new.inner))
    return difflib.SequenceMatcher(None, a, b, autojunk=False).quick_ratio() >= PAIR_SIMILARITY


def _changed_run(body: _Body, old: list[_Block], new: list[_Block]) -> None:
    """Blocks that differ: pair each old one with a close new version, if any nearby."""
    j = 0
    for block in old:
        match = next(
            (k for k in range(j, min(j + PAIR_WINDOW, len(new))) if _similar(block, new[k])),
            None,
        )
        if match is None:
            _whole(body, block, "removed")
            continue
        for inserted in new[j:match]:
            _whole(body, inserted, "added")
        _pair(body, block, new[match])
        j = match + 1
    for inserted in new[j:]:
        _whole(body, inserted, "added")


def _body_diff(old: str, new: str, label: str = "Body") -> FieldDiff:
    old_blocks = _blocks(str(render_markdown(old)))
    new_blocks = _blocks(str(render_markdown(new)))
    body = _Body()
    matcher = difflib.SequenceMatcher(
        None, [b.key for b in old_blocks], [b.key for b in new_blocks], autojunk=False
    )
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for block in new_blocks[j1:j2]:
                body.block(block, _ALL)
                body.same(block.inner)
                body.close_block(block, _ALL)
        else:
            _changed_run(body, old_blocks[i1:i2], new_blocks[j1:j2])
    body.finish()
    return body.field(label)


def _topics_diff(old: list[str], new: list[str], label: str = "Topics") -> FieldDiff:
    inline, before, after = [], [], []
    for name in sorted(set(old) | set(new), key=str.casefold):
        text = escape(name)
        if name not in new:
            inline.append(f"<del>{text}</del>")
            before.append(f"<del>{text}</del>")
        elif name not in old:
            inline.append(f"<ins>{text}</ins>")
            after.append(f"<ins>{text}</ins>")
        else:
            inline.append(text)
            before.append(text)
            after.append(text)
    return FieldDiff(
        label,
        sanitise_diff(", ".join(inline)),
        sanitise_diff(", ".join(before)),
        sanitise_diff(", ".join(after)),
    )


def _ordered_diff(old: list[str], new: list[str], label: str) -> FieldDiff:
    """An ordered list, each name with its position ("1. A, 2. B" → "1. B, 2. A"): an entry
    that keeps its place is unchanged; one that moves is removed at its old place and
    inserted at its new one."""
    before = [f"{n}. {name}" for n, name in enumerate(old, start=1)]
    after = [f"{n}. {name}" for n, name in enumerate(new, start=1)]
    inline, old_side, new_side = [], [], []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            same = [escape(entry) for entry in before[i1:i2]]
            inline += same
            old_side += same
            new_side += same
            continue
        removed = [f"<del>{escape(entry)}</del>" for entry in before[i1:i2]]
        added = [f"<ins>{escape(entry)}</ins>" for entry in after[j1:j2]]
        inline += removed + added
        old_side += removed
        new_side += added
    return FieldDiff(
        label,
        sanitise_diff(", ".join(inline)),
        sanitise_diff(", ".join(old_side)),
        sanitise_diff(", ".join(new_side)),
    )


# What an article's labels are; a topic's version (a Revision too) names them for itself.
ARTICLE_LABELS = {"title": "Title", "summary": "Summary", "body": "Body", "topics": "Topics"}
TOPIC_LABELS = {
    "title": "Headline",
    "summary": "Definition",
    "aliases": "Aliases",
    "safety_notice": "Safety notice",
    "mental_health": "Mental health topic",
    "care_cards": "Care cards",
    "body": "Intro",
    "topics": "Related topics",
}


def compare(
    old, new, *, labels: dict[str, str] = ARTICLE_LABELS, ordered_topics: bool = False
) -> list[FieldDiff]:
    """Field-by-field differences between two versions (objects with title, summary, body,
    topic_names, and any other plain-text fields `labels` names); `old` may be None for a
    first version, shown as all inserted. Unchanged fields are left out. `ordered_topics`:
    the names are a list whose order readers see (a topic's related topics), so a new order
    is a change."""
    changes = []
    plain = [(label, attr) for attr, label in labels.items() if attr not in ("body", "topics")]
    for label, attr in plain:
        before = getattr(old, attr, "") if old is not None else ""
        after = getattr(new, attr, "")
        if before != after:
            changes.append(_text_diff(label, before, after))
    before_body = old.body if old is not None else ""
    if before_body != new.body:
        changes.append(_body_diff(before_body, new.body, labels["body"]))
    before_topics = list(getattr(old, "topic_names", None) or []) if old is not None else []
    after_topics = list(getattr(new, "topic_names", None) or [])
    if ordered_topics:
        if before_topics != after_topics:
            changes.append(_ordered_diff(before_topics, after_topics, labels["topics"]))
    elif sorted(before_topics) != sorted(after_topics):
        changes.append(_topics_diff(before_topics, after_topics, labels["topics"]))
    return changes
