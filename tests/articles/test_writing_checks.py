"""The checks beside the text: each fires on a crafted body, says what to do, clears when fixed."""

import pytest

from articles import workflow
from articles.management.commands._demo_content import ARTICLES
from articles.readability import hardest_sentences
from articles.writing_checks import (
    EXCERPT_LENGTH,
    MAX_PER_CODE,
    NO_SOURCE_MESSAGE,
    Finding,
    blocking,
    check,
)
from tests.factories import ArticleFactory

SOURCE = "[^1]: Smith J. Ketamine for depression. BMJ. 2020;1:1."
CITED = f"It can help you feel better in a day or two.[^1]\n\n{SOURCE}"
HARD = (
    "Pharmacological augmentation strategies incorporating glutamatergic modulation "
    "demonstrate heterogeneous effectiveness across treatment-refractory populations."
)


def body_check(body: str) -> list[Finding]:
    return check(title="Ketamine for depression", summary="What to expect.", body=body)


def codes(findings: list[Finding]) -> set[str]:
    return {finding.code for finding in findings}


# code, blocking, a body that trips the check, the same body fixed as the message says.
CASES = [
    ("no_source", True, "Ketamine can ease depression within hours.", CITED),
    (
        "marker_without_source",
        True,
        f"One claim.[^1] Another.[^2]\n\n{SOURCE}",
        f"One claim.[^1] Another.[^2]\n\n{SOURCE}\n[^2]: Jones A. A trial. Lancet. 2021.",
    ),
    (
        "source_without_marker",
        True,
        f"{CITED}\n[^2]: Jones A. A trial. Lancet. 2021.",
        f"Another claim.[^2]\n\n{CITED}\n[^2]: Jones A. A trial. Lancet. 2021.",
    ),
    ("empty_source", True, "A claim.[^1]\n\n[^1]:\n", CITED),
    ("duplicate_source", True, f"{CITED}\n{SOURCE}", CITED),
    ("empty_heading", True, f"##\n\n{CITED}", f"## How it works\n\n{CITED}"),
    ("heading_level_one", False, f"# How it works\n\n{CITED}", f"## How it works\n\n{CITED}"),
    (
        "heading_skips_level",
        False,
        f"## Risks\n\n#### Blood pressure\n\n{CITED}",
        f"## Risks\n\n### Blood pressure\n\n{CITED}",
    ),
    (
        "heading_skips_level",  # the page title is the h1: the first heading is ##
        False,
        f"### Risks\n\n{CITED}",
        f"## Risks\n\n{CITED}",
    ),
    (
        "duplicate_heading",
        False,
        f"## Risks\n\nSome.\n\n## Risks!\n\n{CITED}",
        f"## Risks\n\nSome.\n\n## Risks for older people\n\n{CITED}",
    ),
    (
        "duplicate_heading",  # the page adds its own "Sources" heading above the sources
        False,
        f"## Sources\n\n{CITED}",
        f"## Further reading\n\n{CITED}",
    ),
    (
        "duplicate_heading",  # an underlined heading is a heading too
        False,
        f"Risks\n-----\n\nSome.\n\n## Risks\n\n{CITED}",
        f"Risks\n-----\n\nSome.\n\n## Other risks\n\n{CITED}",
    ),
    (
        "vague_link_text",
        False,
        f"For more, [click here](https://www.nhs.uk/).\n\n{CITED}",
        f"See [the NHS page on depression](https://www.nhs.uk/).\n\n{CITED}",
    ),
    (
        "vague_link_text",
        False,
        f"[Read more…](https://www.nhs.uk/)\n\n{CITED}",
        f"[Read the NHS page on depression](https://www.nhs.uk/)\n\n{CITED}",
    ),
    (
        "url_as_link_text",
        False,
        f"See [https://www.nhs.uk/](https://www.nhs.uk/).\n\n{CITED}",
        f"See [the NHS website](https://www.nhs.uk/).\n\n{CITED}",
    ),
    (
        "url_as_link_text",
        False,
        f"See <https://www.nhs.uk/>.\n\n{CITED}",
        f"See [the NHS website](https://www.nhs.uk/).\n\n{CITED}",
    ),
    ("hard_sentence", False, f"{HARD}[^1]\n\n{SOURCE}", CITED),
    (
        "safe_messaging",
        False,
        f"Her brother committed suicide last year.[^1]\n\n{SOURCE}",
        f"Her brother died by suicide last year.[^1]\n\n{SOURCE}",
    ),
]


@pytest.mark.parametrize(("code", "is_blocking", "broken", "fixed"), CASES)
def test_check_fires_when_broken_and_clears_when_fixed(code, is_blocking, broken, fixed):
    found = [finding for finding in body_check(broken) if finding.code == code]
    assert found, f"{code} did not fire"
    assert all(finding.blocking is is_blocking for finding in found)
    assert all(finding.message and "<" not in finding.message for finding in found)
    assert code not in codes(body_check(fixed))


def test_no_finding_when_body_is_cited_plain_text():
    assert body_check(CITED) == []


def test_factory_article_has_no_finding_when_left_as_is():
    assert body_check(ArticleFactory.build().body) == []


@pytest.mark.django_db
def test_no_source_message_is_the_workflows_when_a_draft_has_no_source(clinician):
    article = ArticleFactory(author=clinician, body="Ketamine can ease depression.")
    with pytest.raises(workflow.TransitionNotAllowed) as refusal:
        workflow.submit_for_review(article=article, by=clinician)
    assert str(refusal.value) == NO_SOURCE_MESSAGE
    assert [f.message for f in blocking(body_check(article.body))] == [NO_SOURCE_MESSAGE]


def test_blocking_keeps_only_blocking_findings():
    findings = body_check(f"# Risks\n\nA claim.[^2]\n\n{SOURCE}")
    assert codes(blocking(findings)) == {"marker_without_source", "source_without_marker"}
    assert findings[: len(blocking(findings))] == blocking(findings)  # blocking ones first


def test_marker_without_source_says_which_marker_and_line():
    (finding,) = blocking(body_check(f"One.[^1]\n\nTwo.[^7]\n\n{SOURCE}"))
    assert (finding.excerpt, finding.line, finding.field) == ("[^7]", 3, "body")
    assert '"[^7]: Author, title, journal, year"' in finding.message


def test_finding_says_the_line_of_the_heading_and_of_the_wording():
    findings = body_check(f"Intro.\n\n#### Deep\n\nThey committed suicide.[^1]\n\n{SOURCE}")
    lines = {finding.code: finding.line for finding in findings if finding.line}
    assert lines == {"heading_skips_level": 3, "safe_messaging": 5}


def test_safe_messaging_in_title_and_summary_names_the_field_and_the_alternative():
    findings = check(
        title="After a successful suicide attempt",
        summary="Why people commit suicide",
        body=CITED,
    )
    assert [(f.field, f.line, f.excerpt) for f in findings] == [
        ("title", None, "successful suicide attempt"),
        ("summary", None, "commit suicide"),
    ]
    assert '"died by suicide"' in findings[1].message


def test_each_occurrence_is_a_finding_when_wording_repeats():
    body = f"He committed suicide.[^1]\n\nShe committed\nsuicide.\n\n{SOURCE}"
    assert [f.line for f in body_check(body) if f.code == "safe_messaging"] == [1, 3]


FENCED = f"""\
Use the hub's style.[^1]

```markdown
# A heading inside code
#### Deeper [^9]
[click here](https://example.org) They committed suicide.
[^4]: not a source
```

~~~
##
~~~

Type `[^2]` after a sentence to cite, or ``[click here](x)``.

{SOURCE}
"""


def test_no_finding_from_code_when_body_has_fenced_blocks_and_code_spans():
    assert body_check(FENCED) == []


def test_no_finding_from_code_when_the_browser_sends_crlf_line_endings():
    assert body_check(FENCED.replace("\n", "\r\n")) == []


def test_unclosed_fence_is_read_as_text_as_the_page_shows_it():
    findings = body_check(f"```\n# A heading\n\n{CITED}")
    assert "heading_level_one" in codes(findings)


def test_fence_closes_only_on_the_same_run_of_backticks():
    body = f"````\n```\n# still code\n````\n\n{CITED}"
    assert body_check(body) == []


def test_escaped_marker_is_text_when_preceded_by_a_backslash():
    assert body_check(f"Write \\[^2] to cite.[^1]\n\n{SOURCE}") == []


def test_source_may_be_a_web_address_when_it_is_in_the_sources():
    body = "A claim.[^1]\n\n[^1]: NHS. Depression. <https://www.nhs.uk/> [https://nhs.uk](https://nhs.uk)"
    assert body_check(body) == []


def test_excerpt_is_trimmed_when_the_sentence_is_long():
    long_hard = " ".join([HARD.rstrip(".")] * 4) + "."
    findings = [f for f in body_check(f"{long_hard}[^1]\n\n{SOURCE}") if f.code == "hard_sentence"]
    assert findings and all(len(f.excerpt) <= EXCERPT_LENGTH for f in findings)
    assert findings[0].excerpt.endswith("…")


def test_hard_sentences_are_at_most_three_and_name_the_grade():
    body = "\n\n".join(f"{HARD} Number {n} here.[^1]" for n in range(5)) + f"\n\n{SOURCE}"
    findings = [f for f in body_check(body) if f.code == "hard_sentence"]
    assert len(findings) == 3
    assert "grade" in findings[0].message and "8 or below" in findings[0].message


def test_grade_is_still_a_finding_when_no_sentence_is_long_enough_to_point_at():
    body = f"- Glutamatergic modulation.[^1]\n- Pharmacological augmentation.\n\n{SOURCE}"
    (finding,) = body_check(body)
    assert finding.code == "hard_sentence" and "8 or below" in finding.message


def test_vague_link_message_quotes_the_words_not_the_markup():
    (finding,) = body_check(f"See [**here**](https://x.org).\n\n{CITED}")
    assert finding.code == "vague_link_text" and finding.excerpt == "**here**"
    assert 'The link text "here" does not say' in finding.message


def test_findings_of_one_kind_stop_at_the_cap_when_input_repeats():
    body = " ".join(f"Claim.[^{n}]" for n in range(200)) + f"\n\n{SOURCE}"
    assert len([f for f in body_check(body) if f.code == "marker_without_source"]) == MAX_PER_CODE


class TestHardestSentences:
    TEXT = f"""\
## Not a sentence: headings are left out of the ranking altogether

The cat sat on the warm mat today.
{HARD}[^1] It was fine.

- Consideration of individualised pharmacotherapeutic optimisation is recommended.
- We had tea and cake in the garden.

| Unconventional pharmacological interventions notwithstanding | x |
|---|---|

[^1]: Extraordinarily complicated bibliographical documentation, institutionally authorised.
"""

    def test_ranked_hardest_first_with_their_lines(self):
        found = hardest_sentences(self.TEXT, n=3)
        assert [(s.text[:30], s.line) for s in found] == [
            (HARD[:30], 4),
            ("Consideration of individualise", 6),
            ("The cat sat on the warm mat to", 3),
        ]
        assert found[0].grade > found[1].grade > found[2].grade

    def test_sentence_is_shown_as_typed_when_it_holds_markup(self):
        (sentence,) = hardest_sentences("A *very* [long](https://x.org) sentence with words.", n=1)
        assert sentence.text == "A *very* [long](https://x.org) sentence with words."

    def test_sentence_across_lines_keeps_its_first_line(self):
        text = "Short one here, alright then.\nA sentence that starts here and\ncontinues here."
        lines = {s.text: s.line for s in hardest_sentences(text, n=5)}
        assert lines["A sentence that starts here and continues here."] == 2

    def test_nothing_when_text_is_empty(self):
        assert hardest_sentences("", n=3) == []


HOSTILE = ["[", "#", "[^", "#\n", "[^\n", "`", "` `` ", "[a](", "<http://", "```\n# x\n", "[^1] "]


@pytest.mark.parametrize("unit", HOSTILE)
def test_hostile_input_returns_findings_when_it_is_200000_characters(unit):
    text = unit * (200_000 // len(unit))
    findings = check(title=text[:200], summary=text[:300], body=text)
    assert all(isinstance(finding, Finding) for finding in findings)


@pytest.mark.parametrize("spec", ARTICLES, ids=lambda spec: spec["slug"])
def test_demo_article_has_no_blocking_finding_so_it_can_be_submitted(spec):
    findings = check(title=spec["title"], summary=spec["summary"], body=spec["body"])
    assert blocking(findings) == []
