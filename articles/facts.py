"""The facts about an article that its page's JSON-LD and the API both state: its dates,
its medical reviewer, and the hash of its approved version. One function builds them, so
the two can never disagree (tests/api/test_facts.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable


def version_hash(*, title: str, summary: str, body: str, audience: str) -> str:
    """A stable SHA-256 of an article's approved content: what readers are shown (the
    Markdown it is rendered from, not the HTML, which re-rendering may change without
    any change of content). Partners compare it to know whether they hold the current
    approved text."""
    content = {"audience": audience, "body": body, "summary": summary, "title": title}
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def person(user, absolute: Callable[[str], str]) -> dict:
    """A public author or reviewer: name, credentials, role and profile address."""
    return {
        "name": user.display_name,
        "credentials": user.credentials,
        "job_title": user.professional_title,
        "url": absolute(user.get_absolute_url()),
    }


def article_facts(article, absolute: Callable[[str], str]) -> dict:
    """What the API and the JSON-LD say alike about an approved article (its row holds the
    approved version; a version under review waits in a Revision). `absolute` makes an
    address absolute (request.build_absolute_uri)."""
    reviewer = article.medical_reviewer
    return {
        "date_published": article.published_at,
        "date_modified": article.updated_at,
        "last_reviewed": article.last_reviewed,
        "next_review_due": article.next_review_due,
        "medical_reviewer": person(reviewer, absolute) if reviewer else None,
        "version_hash": version_hash(
            title=article.title,
            summary=article.summary,
            body=article.body,
            audience=article.audience,
        ),
    }
