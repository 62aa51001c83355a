"""Small text helpers shared by models and forms."""

import re
import unicodedata

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
