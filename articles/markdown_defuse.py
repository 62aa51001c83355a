"""Keep hostile Markdown from costing more than linear time, in one pass before rendering.

Python-Markdown scans forward from every "[", "](", "<" and footnote reference for its
partner, rebuilds a paragraph's text for every inline match, and re-reads the rest of a
block for every line a block processor takes from it (headings, list items, table rows);
bleach then spends tens of microseconds on every tag and character reference it meets. Real
articles close what they open, have a few dozen links a paragraph and a few thousand
elements in all, so:
- openers with no partner (and brackets nested unreasonably deep) are escaped: the
  characters still show, as text;
- a block with more markup characters or lines than any prose has, or with list and quote
  markers nested deeper than anyone writes, is shown as plain text;
- once a page has spent its budget of Markdown structure (RENDER_BUDGET: lines, markup
  characters and blocks, several times what a long article uses), the rest of it is shown
  as plain text, and so are fenced code blocks past MAX_FENCES.
Plain text never goes through Markdown or the sanitiser at all: the block is escaped here
and left as a placeholder paragraph that `restore()` replaces after sanitising, so a
200,000-character run of "<" costs one html.escape() instead of 200,000 parser tokens.
Code spans and fenced code blocks within budget are left alone.
"""

import html
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

MAX_BRACKET_DEPTH = 3
# Markup characters in one block beyond which it is treated as text, not Markdown.
MAX_MARKUP_PER_BLOCK = 1_000
_MARKUP = re.compile(r"[\[\]()<>`\\&*_!]")
# Lines in one block: Python-Markdown re-reads the rest of a block for each line it takes.
MAX_LINES_PER_BLOCK = 300
# List and quote markers opening one line ("> - 1. text" is three): Python-Markdown
# recurses once a level, and fails at a few hundred.
MAX_NESTING = 8
# A list item or heading line.
_ITEM = re.compile(r"[ \t]*(?:[-+*]|\d{1,9}[.)]|#{1,6})(?:[ \t]|$)")
_MARKER = r"(?:>[ \t]*|(?:[-+*]|\d{1,9}[.)])(?:[ \t]+|$))"
# Markers nested on one line ("1. 1. 1. ..."), or indented as deep (4 columns a level).
_NESTED_MARKERS = re.compile(
    f"[ \t]*{_MARKER}{{{MAX_NESTING + 1}}}|(?: {{4}}| {{0,3}}\t){{{MAX_NESTING + 1},}}{_MARKER}"
)
# Markdown structure a page may have in all, in units of what it costs to render: a
# paragraph 8 or more, a list item 4 more, a heading 20 more (its id is made unique by a
# search among all the others), a footnote 8 more, a markup character 1. A 4,000-word article
# with fifty sources spends about 4,000; past the budget, the rest of the text is shown
# as plain text. The sources (footnote definitions) have a budget of their own.
RENDER_BUDGET = 12_000
SOURCES_BUDGET = 6_000
MAX_FENCES = 100
MAX_REFERENCES_PER_NOTE = 20

# A fence as Python-Markdown's fenced_code reads one: at the start of the line, an optional
# {attributes} or language, closed by the very same fence. Anything else is Markdown text
# to it, and so is defused here.
_FENCE = re.compile(
    r"(`{3,}|~{3,})[ ]*(?:\{[^\n]*\}|(?:\.?[\w#.+-]*[ ]*)?(?:hl_lines=([\"']).*?\2[ ]*)?)"
)
# Each footnote definition is rendered on its own, so it is a block of its own here.
_DEFINITION_START = re.compile(r"^ {0,3}\[\^[^\]\s]+\]:")
_BACKTICKS = re.compile(r"`+")
_FOOTNOTE_REFERENCE = re.compile(r"\[\^([^\]\s]+)\](?!:)")

# The placeholder paragraph for a plain-text block. Noncharacters: no text has them, and
# they are removed from the author's text first, so a placeholder cannot be forged.
_OPEN, _CLOSE = "\ufdd0", "\ufdd1"
_SENTINELS = re.compile(f"[{_OPEN}{_CLOSE}]")
_PLACEHOLDER = re.compile(f"<p>{_OPEN}(\\d+){_CLOSE}</p>")
_BARE_PLACEHOLDER = re.compile(f"{_OPEN}\\d*{_CLOSE}?")
# What the sanitiser would drop or replace in text: C0 controls but tab and newline, DEL.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


@dataclass
class Defused:
    """Markdown that is safe to render in linear time, and the plain-text blocks set aside."""

    text: str
    plain: list[list[str]] = field(default_factory=list)


class _Defuser:
    def __init__(self) -> None:
        self.out: list[str] = []
        self.plain: list[list[str]] = []
        self.spent = 0
        self.spent_on_sources = 0
        self.fences = 0
        # Whether nothing but blank lines came after the last placeholder.
        self.placeholder_is_last = False

    def plain_text(self, lines: list[str]) -> None:
        text = _CONTROL.sub("", " ".join(line.strip() for line in lines))
        paragraph = "<p>" + html.escape(text, quote=False) + "</p>"
        if self.placeholder_is_last:
            # Next to the previous plain block: one placeholder, so a page of thousands
            # of plain blocks is still one Markdown paragraph.
            self.plain[-1].append(paragraph)
            return
        self.out.extend(["", f"{_OPEN}{len(self.plain)}{_CLOSE}", ""])
        self.plain.append([paragraph])
        self.placeholder_is_last = True

    def block(self, lines: list[str]) -> None:
        if not lines:
            return
        text = "\n".join(lines)
        markup = len(_MARKUP.findall(text))
        cost = (
            8
            + 2 * len(lines)
            + markup
            + 2 * text.count("|")
            + 8 * text.count("[^")
            + sum(20 if line.lstrip().startswith("#") else 4 for line in lines if _ITEM.match(line))
        )
        if _DEFINITION_START.match(lines[0]):
            # The sources come last and are budgeted apart, so that a long page whose
            # text goes over budget keeps them.
            self.spent_on_sources += cost
            over = self.spent_on_sources > SOURCES_BUDGET
        else:
            self.spent += cost
            over = self.spent > RENDER_BUDGET
        if (
            over
            or markup > MAX_MARKUP_PER_BLOCK
            or len(lines) > MAX_LINES_PER_BLOCK
            or any(_NESTED_MARKERS.match(line) for line in lines)
        ):
            self.plain_text(lines)
        else:
            self.out.append(_defuse_block(text))
            self.placeholder_is_last = False

    def fenced(self, lines: list[str]) -> None:
        self.fences += 1
        self.spent += 8 + len(lines)
        if self.spent > RENDER_BUDGET or self.fences > MAX_FENCES:
            self.plain_text(lines)
        else:
            self.out.extend(lines)
            self.placeholder_is_last = False


def _fences(lines: list[str]) -> tuple[list[str | None], list[frozenset[str]]]:
    """Each line's opening fence ("```", "~~~~"...) or None, and the closing fences found
    after each line: one pass each way, so no fence needs a search for its closing line."""
    fences = [(found.group(1) if (found := _FENCE.fullmatch(line)) else None) for line in lines]
    closings_after: list[frozenset[str]] = [frozenset()] * len(lines)
    closings: frozenset[str] = frozenset()
    for i in range(len(lines) - 1, -1, -1):
        closings_after[i] = closings
        closing = lines[i].rstrip(" ")
        if fences[i] == closing and closing not in closings:
            closings = closings | {closing}
    return fences, closings_after


def defuse(text: str) -> Defused:
    defuser = _Defuser()
    lines = _SENTINELS.sub("", text).split("\n")
    fences, closings_after = _fences(lines)
    block: list[str] = []
    i = 0
    while i < len(lines):
        line, fence = lines[i], fences[i]
        if fence is not None:
            if fence not in closings_after[i]:
                # Never closed: Markdown shows the opening line as text.
                block.append(line)
                i += 1
                continue
            stop = i + 1
            while lines[stop].rstrip(" ") != fence:
                stop += 1
            defuser.block(block)
            block = []
            defuser.fenced(lines[i : stop + 1])
            i = stop + 1
            continue
        if not line.strip() or _DEFINITION_START.match(line):
            defuser.block(block)
            block = []
            if line.strip():
                block.append(line)
            else:
                defuser.out.append(line)
        else:
            block.append(line)
        i += 1
    defuser.block(block)
    return Defused(_limit_footnote_references("\n".join(defuser.out)), defuser.plain)


def restore(html_text: str, plain: list[list[str]]) -> str:
    """Put the plain-text blocks back in sanitised HTML, in place of their placeholders.

    Only a placeholder that Markdown made a paragraph of is replaced: that is text, where
    escaped text is inert (the sanitiser escapes "<" inside attribute values, so "<p>" is
    never in one). One that an unclosed raw HTML block swallowed could be inside an
    attribute, even a link's address, so it is removed, and its text with it.
    """
    if not plain:
        return html_text
    html_text = _PLACEHOLDER.sub(lambda match: "\n".join(plain[int(match.group(1))]), html_text)
    return _BARE_PLACEHOLDER.sub("", html_text)


def _code_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each inline code span: a backtick run and the next run of its length."""
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(text)]
    by_length: dict[int, list[int]] = defaultdict(list)
    for index, (start, end) in enumerate(runs):
        by_length[end - start].append(index)
    cursor: dict[int, int] = defaultdict(int)
    spans, used = [], set()
    for index, (start, end) in enumerate(runs):
        if index in used:
            continue
        candidates = by_length[end - start]
        while cursor[end - start] < len(candidates) and candidates[cursor[end - start]] <= index:
            cursor[end - start] += 1
        if cursor[end - start] < len(candidates):
            partner = candidates[cursor[end - start]]
            cursor[end - start] += 1
            used.add(partner)
            spans.append((start, runs[partner][1]))
    return spans


def _defuse_block(text: str) -> str:
    in_code = bytearray(len(text))
    for start, end in _code_spans(text):
        in_code[start:end] = b"\x01" * (end - start)

    escape: set[int] = set()
    brackets: list[int] = []
    parens: list[int] = []
    for i, char in enumerate(text):
        if in_code[i] or (i and text[i - 1] == "\\"):
            continue
        if char == "[":
            brackets.append(i)
        elif char == "]" and brackets:
            opener = brackets.pop()
            if len(brackets) >= MAX_BRACKET_DEPTH:
                escape.update((opener, i))
        elif char == "(":
            parens.append(i)
        elif char == ")" and parens:
            parens.pop()
    escape.update(brackets)  # never closed
    escape.update(i for i in parens if i and text[i - 1] == "]")  # "](" that never closes

    # A "<" only starts a tag or autolink if a ">" comes before the next "<".
    next_close = len(text)
    unclosed_tags: set[int] = set()
    for i in range(len(text) - 1, -1, -1):
        if text[i] == ">":
            next_close = i
        elif text[i] == "<" and not in_code[i]:
            following_open = text.find("<", i + 1, next_close)
            if next_close == len(text) or following_open != -1:
                unclosed_tags.add(i)
    if not escape and not unclosed_tags:
        return text

    out = []
    for i, char in enumerate(text):
        if i in escape:
            out.append("\\" + char)
        elif i in unclosed_tags:
            out.append("&lt;")
        else:
            out.append(char)
    return "".join(out)


def _limit_footnote_references(text: str) -> str:
    seen: Counter[str] = Counter()

    def keep_or_escape(match: re.Match) -> str:
        seen[match.group(1)] += 1
        if seen[match.group(1)] > MAX_REFERENCES_PER_NOTE:
            return "\\" + match.group(0)
        return match.group(0)

    return _FOOTNOTE_REFERENCE.sub(keep_or_escape, text)
