"""Keep hostile Markdown from costing quadratic time, in one linear pass before rendering.

Python-Markdown scans forward from every "[", "](", "<" and footnote reference for its
partner, and rebuilds a paragraph's text for every inline match; with thousands of either
in one paragraph, a single save can hold a worker for minutes. Real articles close what
they open and have a few dozen links a paragraph, so:
- openers with no partner (and brackets nested unreasonably deep) are escaped: the
  characters still show, as text;
- a paragraph with more markup characters than any prose has is shown as plain text.
Code spans and fenced code blocks are left alone.
"""

import html
import re
from collections import Counter, defaultdict

MAX_BRACKET_DEPTH = 3
# Markup characters in one paragraph beyond which it is treated as text, not Markdown.
MAX_MARKUP_PER_BLOCK = 1_000
_MARKUP = re.compile(r"[\[\]()<>`\\&*_!]")
MAX_REFERENCES_PER_NOTE = 20

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# Each footnote definition is rendered on its own, so it is a block of its own here.
_DEFINITION_START = re.compile(r"^ {0,3}\[\^[^\]\s]+\]:")
_BACKTICKS = re.compile(r"`+")
_FOOTNOTE_REFERENCE = re.compile(r"\[\^([^\]\s]+)\](?!:)")


def defuse(text: str) -> str:
    lines, block, fence = [], [], None
    for line in text.split("\n"):
        opening = _FENCE.match(line)
        if fence is not None:
            lines.append(line)
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
            continue
        if opening or not line.strip() or _DEFINITION_START.match(line):
            if block:
                lines.append(_defuse_block("\n".join(block)))
                block = []
            if _DEFINITION_START.match(line):
                block.append(line)
                continue
            lines.append(line)
            fence = opening.group(1) if opening else None
            continue
        block.append(line)
    if block:
        lines.append(_defuse_block("\n".join(block)))
    return _limit_footnote_references("\n".join(lines))


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
    if len(_MARKUP.findall(text)) > MAX_MARKUP_PER_BLOCK:
        # A raw HTML block is passed through whole, never scanned for inline Markdown.
        return "<p>" + html.escape(" ".join(text.split("\n")), quote=False) + "</p>"
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
