"""Wording that suicide-reporting guidance advises against, flagged for the approving editor.

Drawn from the Samaritans' media guidelines and WHO's "Preventing suicide: a resource for
media professionals": avoid language that presents suicide as a crime, a success or a
solution, and avoid detail of methods. The editor must acknowledge each flag to approve.
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Flag:
    code: str
    found: str
    advice: str


_RULES = [
    (
        "committed",
        r"\bcommit(?:s|ted|ting)?\s+suicide\b",
        'Say "died by suicide" or "took their own life": "committed" suggests a crime.',
    ),
    (
        "success",
        r"\b(?:successful|succeeded\s+in|unsuccessful|failed)\s+(?:suicide\s+)?attempt",
        'Avoid "successful" or "failed" attempts; say "attempted suicide" or "survived".',
    ),
    (
        "epidemic",
        r"\bsuicide\s+(?:epidemic|wave|craze|hotspot)\b",
        "Avoid sensational terms that can normalise suicide.",
    ),
    (
        "solution",
        r"\b(?:way\s+out|only\s+option|escape\s+(?:from\s+)?(?:the\s+)?pain)\b",
        "Do not present suicide as a solution or a way out.",
    ),
    (
        "method",
        r"\b(?:hang(?:ed|ing)\s+(?:himself|herself|themselves)|overdos(?:e|ed)\s+on\s+\w+|"
        r"lethal\s+dose|how\s+many\s+(?:pills|tablets)|jump(?:ed|ing)\s+(?:from|off))\b",
        "Remove detail of methods or means: it can lead vulnerable readers to copy them.",
    ),
]
_COMPILED = [(code, re.compile(pattern, re.I), advice) for code, pattern, advice in _RULES]


def find_flags(*texts: str) -> list[Flag]:
    """Each rule broken in the texts, once, with the first wording that broke it."""
    flags = []
    joined = "\n".join(t or "" for t in texts)
    for code, pattern, advice in _COMPILED:
        match = pattern.search(joined)
        if match:
            flags.append(Flag(code=code, found=match.group(0), advice=advice))
    return flags


def locate_flags(text: str) -> list[tuple[int, Flag]]:
    """Every wording in `text` that breaks a rule, as (offset, flag), in reading order."""
    located = [
        (match.start(), Flag(code=code, found=match.group(0), advice=advice))
        for code, pattern, advice in _COMPILED
        for match in pattern.finditer(text or "")
    ]
    return sorted(located, key=lambda item: item[0])


# Words that make a text about suicide or self-harm. Such a text reaches readers only with
# a crisis notice beside it: a topic's safety notice, or a topic classified as mental
# health (whose readers are shown where to get help now). Maintained like _RULES above.
CRISIS_TERMS = [
    r"suicid\w*",
    r"self[-\s]?harm\w*",
    r"self[-\s]?injur\w*",
    r"kill(?:s|ed|ing)?\s+(?:myself|yourself|himself|herself|themselves|oneself)",
    r"take\s+(?:my|your|their|his|her)\s+own\s+life",
    r"took\s+(?:my|your|their|his|her)\s+own\s+life",
    r"end(?:s|ed|ing)?\s+(?:my|your|their|his|her)\s+(?:own\s+)?life",
    r"cutting\s+(?:myself|yourself|themselves)",
]
_CRISIS = re.compile(r"\b(?:" + "|".join(CRISIS_TERMS) + r")\b", re.I)


def crisis_mention(*texts: str) -> str | None:
    """The first wording about suicide or self-harm in the texts, or None."""
    match = _CRISIS.search("\n".join(t or "" for t in texts))
    return match.group(0) if match else None
