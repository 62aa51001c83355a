"""Searches that signal a reader may be in crisis, so help is shown before any result.

A maintained list, like safe_messaging.py's: add a phrase (in plain lower case) when a
reader's words are missed. Missing someone costs far more than showing help to someone who
did not need it, so the match is generous:

- case, accents, punctuation and spacing are ignored ("Self-Harm", "self  harm", "SELF HARM");
- a doubled letter counts once, so "kil myself" and "kill myself", "suiciide" and
  "suicide" are the same;
- letters from other scripts that look like Latin ones (Cyrillic "і" in "suіcide") are read
  as the Latin letters they imitate (Unicode's confusables, as topic names are checked);
- a phrase typed without its spaces ("killmyself") still matches.

Nothing here stores or logs the words searched for.
"""

import functools
import re
import unicodedata

from .text import skeleton

PHRASES = [
    # Suicide, with the misspellings readers type on a phone.
    "suicide",
    "suicidal",
    "sucide",
    "sucidal",
    "suiside",
    "suicde",
    "sucicide",
    "suiccide",
    "sewercide",
    "kill myself",
    "kill my self",
    "killing myself",
    "kil meself",
    "kms",
    "want to die",
    "wanna die",
    "wish i was dead",
    "wish i were dead",
    "better off dead",
    "end it all",
    "end my life",
    "ending my life",
    "take my own life",
    "take my life",
    "dont want to live",
    "dont want to be alive",
    "no reason to live",
    "not worth living",
    "how to die",
    # Self-harm.
    "self harm",
    "self harming",
    "selfharm",
    "self injury",
    "hurt myself",
    "hurting myself",
    "cut myself",
    "cutting myself",
    "overdose",
    # A few other languages readers of an English site may still search in.
    "suicidio",
    "suicidarme",
    "quiero morir",
    "me quiero morir",
    "selbstmord",
    "me suicider",
]

_SPACE = re.compile(r"\s+")
_NOT_A_LETTER = re.compile(r"[\W_]+")
_DOUBLED = re.compile(r"(.)\1+")
# More than search itself reads of a query (search.MAX_QUERY_CHARS * 4), so the card shows
# for every query whose words were searched for, and a long query costs little.
MAX_READ = 1000


def _fold(text: str) -> str:
    """Lower case, no accents, words split by single spaces, doubled letters single."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("'", "").replace("\u2019", "")  # don't, don’t -> dont
    text = _NOT_A_LETTER.sub(" ", text)
    return _DOUBLED.sub(r"\1", _SPACE.sub(" ", text)).strip()


def _forms(text: str) -> tuple[str, str]:
    """The text as typed and as the Latin letters it looks like, both folded."""
    return _fold(text), _fold(skeleton(text))


@functools.cache
def _patterns() -> tuple[re.Pattern, re.Pattern]:
    """(whole words, without spaces) for every phrase in both its forms."""
    folded = sorted({form for phrase in PHRASES for form in _forms(phrase)}, key=len, reverse=True)
    words = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, folded)) + r")(?!\w)")
    # Only phrases of two or more words: one short word inside another ("kms" in "okms")
    # would match too much.
    joined = [form.replace(" ", "") for form in folded if " " in form]
    squeezed = re.compile("|".join(map(re.escape, joined)))
    return words, squeezed


def signals_crisis(query: str) -> bool:
    """Whether a search says the reader may be thinking of suicide or self-harm."""
    words, squeezed = _patterns()
    for form in _forms((query or "")[:MAX_READ]):
        # Squeezed phrases are looked for inside one typed word, not across two: else
        # "itself harmful" would read as "selfharm".
        if words.search(form) or any(squeezed.search(word) for word in form.split()):
            return True
    return False
