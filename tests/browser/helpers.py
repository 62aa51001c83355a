"""What the browser tests share: marks, signing in, the public site's content and pages."""

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.factories import (
    PASSWORD,
    EsketamineFactory,
    MedicalEditorFactory,
    PsychiatristFactory,
    PublishedArticleFactory,
    TopicFactory,
    TreatmentResistantDepressionFactory,
)

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "screenshots"

# Every browser test module sets `pytestmark = BROWSER_TEST`: a real browser, and a
# transactional database the live server's thread can see. `serialized_rollback` restores
# what the migrations created (the Clinicians and Editors groups, the policy pages) after
# each test's flush.
BROWSER_TEST = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Each public page, by the name used in test ids and screenshot file names.
PUBLIC_PAGES = [
    "home",
    "topic-index",
    "topic",
    "article",
    "author",
    "search",
    "crisis-search",
    "404",
    "report",
    "contact",
]


def log_in(page, user) -> None:
    """Sign in through the admin's login form, as a person would."""
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")


ARTICLE_BODY = """\
Ketamine can ease the symptoms of treatment-resistant depression within hours,
much faster than other antidepressants.[^1] A nasal spray, esketamine, is licensed
for adults whose depression has not improved after two other medicines.[^2]

## How it is given

| Form | How | Where |
|---|---|---|
| Infusion (racemic ketamine) | Into a vein over 40 minutes | A specialist clinic, with \
monitoring for two hours afterwards |
| Nasal spray (esketamine) | Two or three sprays, twice a week at first | A clinic, with a \
doctor or nurse watching for two hours |

## Side effects

Most people feel dizzy, detached or sleepy for an hour or two.[^1] Your blood pressure
is checked before and after each dose.

## Who should not have it

- people with uncontrolled high blood pressure
- people who have had psychosis

[^1]: McIntyre RS, et al. Synthesizing the evidence for ketamine and esketamine in \
treatment-resistant depression. *Am J Psychiatry*. 2021;178(5):383-399. \
doi:10.1176/appi.ajp.2020.20081251
[^2]: National Institute for Health and Care Excellence. [Esketamine for treating \
treatment-resistant depression (TA854)](https://www.nice.org.uk/guidance/ta854). 2022.
"""


@dataclass
class PublicSite:
    """A small site with every kind of public page, and where each page lives."""

    article: object
    topic: object
    author: object
    reviewer: object
    pages: dict[str, str]


def build_public_site() -> PublicSite:
    """Topics that mention each other, an author, a reviewer and two published articles."""
    trd = TreatmentResistantDepressionFactory()
    esketamine = EsketamineFactory(is_featured=True)
    topic = TopicFactory(
        name="Ketamine for depression",
        headline="Ketamine for Depression: How It Works and What You Need to Know",
        definition="Ketamine, an anaesthetic, can ease severe depression quickly.",
        aliases="ketamine therapy",
        intro=(
            "Ketamine is used for treatment-resistant depression. Esketamine is a "
            "related medicine given as a nasal spray."
        ),
        safety_notice="If you are thinking about suicide, call 116 123 (Samaritans) now.",
        is_featured=True,
    )
    topic.related.set([trd, esketamine])
    author = PsychiatristFactory()
    reviewer = MedicalEditorFactory()
    article = PublishedArticleFactory(
        title="How ketamine treatment for depression works",
        summary="What happens at a ketamine or esketamine appointment, how fast it helps, "
        "and the side effects to expect.",
        body=ARTICLE_BODY,
        author=author,
        medical_reviewer=reviewer,
        topics=[topic, esketamine],
    )
    PublishedArticleFactory(
        title="Esketamine nasal spray: questions to ask your doctor",
        summary="A checklist to take to your appointment.",
        author=author,
        medical_reviewer=reviewer,
        topics=[topic, esketamine],
    )
    pages = {
        "home": "/",
        "topic-index": "/topics/",
        "topic": topic.get_absolute_url(),
        "article": article.get_absolute_url(),
        "author": author.get_absolute_url(),
        "search": "/search/?q=ketamine",
        "crisis-search": "/search/?q=I+want+to+die",
        "404": "/no-such-page/",
        "report": f"/report-a-problem/?article={article.slug}",
        "contact": "/contact/",
    }
    assert list(pages) == PUBLIC_PAGES
    return PublicSite(article, topic, author, reviewer, pages)
