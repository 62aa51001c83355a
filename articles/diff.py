"""What changed between two versions of an article, as lines for a template to escape."""

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "added", "removed", "context" or "gap"
    text: str


@dataclass(frozen=True)
class FieldDiff:
    label: str
    lines: list[DiffLine]


def _lines(old: str, new: str) -> list[DiffLine]:
    out: list[DiffLine] = []
    diff = difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=2)
    for line in diff:
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            out.append(DiffLine("gap", "…"))
        elif line.startswith("+"):
            out.append(DiffLine("added", line[1:]))
        elif line.startswith("-"):
            out.append(DiffLine("removed", line[1:]))
        else:
            out.append(DiffLine("context", line[1:]))
    return out


def compare(old, new) -> list[FieldDiff]:
    """Field-by-field differences between two versions (objects with title, summary, body,
    topic_names); `old` may be None for a first version. Unchanged fields are left out."""
    fields = [
        ("Title", "title"),
        ("Summary", "summary"),
        ("Body", "body"),
    ]
    changes = []
    for label, attr in fields:
        before = getattr(old, attr, "") if old is not None else ""
        after = getattr(new, attr, "")
        if before != after:
            changes.append(FieldDiff(label, _lines(before, after)))
    before_topics = "\n".join(sorted(getattr(old, "topic_names", []) or [])) if old else ""
    after_topics = "\n".join(sorted(getattr(new, "topic_names", []) or []))
    if before_topics != after_topics:
        changes.append(FieldDiff("Topics", _lines(before_topics, after_topics)))
    return changes
