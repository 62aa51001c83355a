"""Small text helpers shared by models and forms."""

import functools
import re
import unicodedata

from confusable_homoglyphs.confusables import confusables_data
from django.utils.text import slugify

# Bidirectional overrides and isolates can make a label read differently from what it is.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_SPACE = re.compile(r"\s+")


def normalise_label(value: str) -> str:
    """NFC-normalise a one-line label, drop control and bidi characters, fold spaces."""
    value = unicodedata.normalize("NFC", value or "")
    value = _INVISIBLE.sub("", value)
    value = "".join(ch for ch in value if unicodedata.category(ch) != "Cc" or ch in " \t\n")
    return _SPACE.sub(" ", value).strip()


def normalise_name(value: str) -> str:
    """A topic's name or alias as stored: NFKC (fullwidth and mathematical letters become
    plain ones, ligatures letters), with no format characters (soft hyphen, zero-width
    space, BOM, bidi controls: category Cf), then as normalise_label()."""
    value = unicodedata.normalize("NFKC", value or "")
    return normalise_label("".join(ch for ch in value if unicodedata.category(ch) != "Cf"))


def has_letters_or_digits(value: str) -> bool:
    """Whether a name says anything: "$", ".." and U+FFFD (the replacement character) do not."""
    return any(ch.isalnum() for ch in value)


@functools.cache
def _prototypes() -> dict[str, str]:
    """Each character in Unicode's confusables table, and the one its look-alikes share.

    The table pairs characters with their look-alikes; characters that can be mistaken for
    one another, directly or through others, are given one prototype (the lowest code
    point of the group), so that the skeleton does not depend on which was typed.
    """
    parent: dict[str, str] = {}

    def root(ch: str) -> str:
        while parent.setdefault(ch, ch) != ch:
            parent[ch] = parent[parent[ch]]
            ch = parent[ch]
        return ch

    for char, entries in confusables_data.items():
        for entry in entries:
            if len(entry["c"]) == 1:
                a, b = root(char), root(entry["c"])
                if a != b:
                    parent[max(a, b)] = min(a, b)
    return {ch: root(ch) for ch in parent}


def skeleton(value: str) -> str:
    """What a name looks like (after Unicode's UTS #39 skeleton): two names with the same
    skeleton can be mistaken for each other, as Cyrillic "Cаncer" for "Cancer"."""
    prototypes = _prototypes()

    def look(text: str) -> str:
        return "".join(prototypes.get(ch, ch) for ch in unicodedata.normalize("NFD", text))

    # Before and after folding case: "0" looks like "O", and "O" is "o" to a reader.
    return look(look(normalise_name(value)).casefold())


def unique_slug(model, text: str, *, max_length: int, fallback: str, exclude_pk=None) -> str:
    """A slug for `text` not yet used by `model`, with -2, -3... on collision."""
    base = slugify(text)[: max_length - 8].strip("-") or fallback
    taken = set(
        model._default_manager.filter(slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        slug = f"{base}-{n}"
        n += 1
    return slug
