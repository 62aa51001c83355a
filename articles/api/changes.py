"""`GET /api/v1/changes?cursor=`: the changes log (articles/changelog.py), oldest first.

A partner starts with no cursor, then asks again with each answer's `next_cursor`; an
answer with `has_more` false means they are up to date, and the same `next_cursor` asked
later brings what changed since. Every row is a change readers could already see, so the
feed needs no visibility filter: drafts and pending versions are never logged.
"""

import base64
import binascii
import re

from ninja import Router, Schema

from ..models import ContentChange
from .errors import Problem

PAGE_SIZE = 100
_CURSOR = re.compile(r"c(\d{1,18})\Z")

router = Router(tags=["changes"])


class Change(Schema):
    id: int
    kind: str
    at: str
    type: str
    slug: str
    title: str
    url: str
    api_url: str
    revision: int | None
    note: str
    reason: str
    sent_to: str | None


class ChangesPage(Schema):
    items: list[Change]
    next_cursor: str
    has_more: bool


class BadCursor(ValueError):
    pass


def encode_cursor(last_id: int) -> str:
    """Opaque to partners, so that its form may change; the id of the last item seen."""
    return base64.urlsafe_b64encode(f"c{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    if len(cursor) > 40:
        raise BadCursor("The cursor is too long: use a next_cursor this feed gave you.")
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        text = ""
    found = _CURSOR.match(text)
    if found is None:
        raise BadCursor("The cursor is not one this feed gave out: use a next_cursor from it.")
    return int(found[1])


@router.get("", response={200: ChangesPage}, summary="What changed, oldest first")
def changes(request, cursor: str = ""):
    try:
        after = decode_cursor(cursor) if cursor else 0
    except BadCursor as exc:
        raise Problem(400, "Bad cursor", str(exc)) from exc
    rows = list(ContentChange.objects.filter(pk__gt=after).order_by("pk")[: PAGE_SIZE + 1])
    items = [row.as_item() for row in rows[:PAGE_SIZE]]
    last = items[-1]["id"] if items else after
    return {"items": items, "next_cursor": encode_cursor(last), "has_more": len(rows) > PAGE_SIZE}
