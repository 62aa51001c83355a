"""Plain-language measures of a text, for editors (grade) and readers (reading time)."""

import heapq
import re
from dataclasses import dataclass

import textstat

# Health-literacy guidance asks for patient material at or below this US school grade.
TARGET_GRADE = 8
WORDS_PER_MINUTE = 200

# A footnote definition with its indented continuation lines, and a reference like [^1].
# A label stops at "[" and at a line break, so hostile "[^[^[^…" costs one pass, not one
# scan to the end of the text per "[^".
_FOOTNOTE_DEFINITION = re.compile(r"^\[\^[^\]\[\n]+\]:.*(?:\n(?: {4}|\t).*)*", re.M)
_FOOTNOTE_REFERENCE = re.compile(r"\[\^[^\]\[\n]+\]")


@dataclass(frozen=True)
class Readability:
    grade: float
    words: int
    minutes: int

    @property
    def too_hard(self) -> bool:
        return self.grade > TARGET_GRADE


@dataclass(frozen=True)
class Sentence:
    text: str
    grade: float
    line: int  # 1-based, in the Markdown text given


_MARKUP = re.compile(r"[#*_>`|\[\]()^]+|https?://\S+")


def _keep_line_breaks(match: re.Match) -> str:
    return "\n" * match.group(0).count("\n")


def _prose(markdown_text: str) -> str:
    """The words a reader reads: sources and markup left out, every line where it was."""
    text = _FOOTNOTE_DEFINITION.sub(_keep_line_breaks, markdown_text or "")
    return _MARKUP.sub(" ", _FOOTNOTE_REFERENCE.sub("", text))


def _grade(text: str) -> float:
    # The formula goes below zero for very simple text; a grade below 0 means nothing.
    return max(0.0, round(textstat.flesch_kincaid_grade(text), 1))


def measure(markdown_text: str) -> Readability:
    """Grade, words and reading time of a Markdown body's prose (its sources left out)."""
    text = _prose(markdown_text)
    words = textstat.lexicon_count(text) if text.strip() else 0
    grade = _grade(text) if words else 0.0
    return Readability(grade=grade, words=words, minutes=max(1, round(words / WORDS_PER_MINUTE)))


# Headings, their underlines and table rows are not sentences; a list item starts a unit
# of its own, and a quote's lines read on like a paragraph's.
_HEADING_OR_ROW = re.compile(r" {0,3}[#|]|[=-]+[ \t]*$")
_NEW_UNIT = re.compile(r" {0,3}(?:[-*+]\s|\d{1,9}[.)]\s)")
_LIST_MARKER = re.compile(r"^ {0,3}(?:[-*+>]|\d{1,9}[.)])\s+")
# A sentence ends at ".", "!" or "?", after any closing quotes, brackets, emphasis and
# footnote markers ("…weeks.[^2] Next"), before a space; or where its unit ends.
_SENTENCE = re.compile(r"\S.*?(?:[.!?][\"'”’)*_]*(?:\[\^[^\]\[\s]+\])*(?=\s|$)|$)")
# The formula's syllables-per-word term makes a two-word list item look like grade 15;
# what makes a sentence hard to read only shows from a few words up.
_MIN_WORDS = 5


def hardest_sentences(markdown_text: str, n: int = 3) -> list[Sentence]:
    """The `n` sentences with the highest grade, hardest first, as typed, each with its line.

    Headings, table rows and sources are not sentences; list items and quotes are. A
    sentence ends at ".", "!" or "?" before a space, and at the end of a paragraph or a
    list item. The grade of each is the one `measure` gives its prose.
    """
    raw_lines = (markdown_text or "").split("\n")
    prose_lines = _prose(markdown_text).split("\n")
    units: list[list[tuple[int, str]]] = []  # runs of (line number, line) read as one text
    joinable = False
    for number, (raw, prose) in enumerate(zip(raw_lines, prose_lines, strict=True), start=1):
        if not prose.strip() or _HEADING_OR_ROW.match(raw) or raw.count("|") >= 2:
            joinable = False
            continue
        if joinable and not _NEW_UNIT.match(raw):
            units[-1].append((number, raw))
        else:
            units.append([(number, raw)])
        joinable = True
    return heapq.nlargest(n, _sentences(units), key=lambda sentence: sentence.grade)


def _sentences(units: list[list[tuple[int, str]]]):
    for unit in units:
        parts, starts, offset = [], [], 0
        for number, line in unit:
            starts.append((offset, number))
            parts.append(_LIST_MARKER.sub("", line, count=1).strip())
            offset += len(parts[-1]) + 1
        text = " ".join(parts)
        line_index = 0
        for match in _SENTENCE.finditer(text):
            while line_index + 1 < len(starts) and starts[line_index + 1][0] <= match.start():
                line_index += 1
            prose = _prose(match.group(0))
            if len(prose.split()) >= _MIN_WORDS:
                yield Sentence(
                    text=" ".join(match.group(0).split()),
                    grade=_grade(prose),
                    line=starts[line_index][1],
                )
