"""Plain-language measures of a text, for editors (grade) and readers (reading time)."""

import re
from dataclasses import dataclass

import textstat

# Health-literacy guidance asks for patient material at or below this US school grade.
TARGET_GRADE = 8
WORDS_PER_MINUTE = 200

# A footnote definition with its indented continuation lines, and a reference like [^1].
_FOOTNOTE_DEFINITION = re.compile(r"^\[\^[^\]]+\]:.*(?:\n(?: {4}|\t).*)*", re.M)
_FOOTNOTE_REFERENCE = re.compile(r"\[\^[^\]]+\]")


@dataclass(frozen=True)
class Readability:
    grade: float
    words: int
    minutes: int

    @property
    def too_hard(self) -> bool:
        return self.grade > TARGET_GRADE


_MARKUP = re.compile(r"[#*_>`|\[\]()^]+|https?://\S+")


def measure(markdown_text: str) -> Readability:
    """Grade, words and reading time of a Markdown body's prose (its sources left out)."""
    text = _FOOTNOTE_DEFINITION.sub("", markdown_text or "")
    text = _MARKUP.sub(" ", _FOOTNOTE_REFERENCE.sub("", text))
    words = textstat.lexicon_count(text) if text.strip() else 0
    # The formula goes below zero for very simple text; a grade below 0 means nothing.
    grade = max(0.0, round(textstat.flesch_kincaid_grade(text), 1)) if words else 0.0
    return Readability(grade=grade, words=words, minutes=max(1, round(words / WORDS_PER_MINUTE)))
