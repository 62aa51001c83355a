"""The editorial journey end to end, in a real browser: write, review, publish, read.

Users and topics come from factories; every step of the workflow is a click or a keystroke.
"""

import pytest
from playwright.sync_api import expect

from articles.models import Article, Status
from articles.workflow import CHECKLIST
from tests.browser.helpers import BROWSER_TEST, log_in
from tests.factories import ClinicianFactory, EditorFactory, TopicFactory

pytestmark = BROWSER_TEST

TITLE = "Living with tinnitus day to day"
SUMMARY = "Practical ways to cope with ringing in the ears."
NEW_SUMMARY = "Practical, evidence-based ways to cope with ringing in the ears at home and work."
BODY = """\
Tinnitus is a sound in the ears that nobody else can hear.[^1]

## What helps

Sound therapy and talking therapies help many people.[^1]

[^1]: NICE. Tinnitus: assessment and management (NG155). 2020. \
https://www.nice.org.uk/guidance/ng155
"""
COMMENT = "Please add who to contact if the tinnitus starts suddenly."


@pytest.fixture
def people(transactional_db):
    clinician = ClinicianFactory(username="dr-ahmed", first_name="Nadia", last_name="Ahmed")
    editor = EditorFactory(username="ed-jones", first_name="Rhys", last_name="Jones")
    topic = TopicFactory(name="Tinnitus", definition="A sound in the ears with no outside source.")
    return clinician, editor, topic


def open_from_review_queue(page, title: str) -> None:
    page.goto("/admin/")
    page.get_by_role("link", name="Review queue").click()
    page.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name="Review", exact=True)).to_be_visible()


def click_and_expect_message(page, button: str, message: str) -> None:
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.locator("ul.messagelist")).to_contain_text(message)


def force_publish(page) -> None:
    """Press an approval button the page does not offer, checklist and all, as a
    determined author might: the one form posted with `_workflow=publish`."""
    with page.expect_navigation():
        page.evaluate(
            """(checklist) => {
                const form = document.getElementById("article_form");
                const add = (name, value) => {
                    const input = document.createElement("input");
                    input.type = "hidden";
                    input.name = name;
                    input.value = value;
                    form.append(input);
                };
                add("_workflow", "publish");
                checklist.forEach((key) => add("publish-checklist", key));
                form.submit();
            }""",
            list(CHECKLIST),
        )


def test_article_goes_from_draft_to_readers_when_clinician_and_editor_work_in_the_browser(
    new_context, people, console
):
    clinician, editor, topic = people
    author = new_context().new_page()
    reviewer = new_context().new_page()
    reader = new_context().new_page()

    # The clinician writes a draft.
    log_in(author, clinician)
    author.locator("tr.model-article").get_by_role("link", name="Add").click()
    author.get_by_label("Title:").press_sequentially(TITLE)
    author.get_by_label("Summary:").press_sequentially(SUMMARY)
    author.get_by_label("Body:").press_sequentially(BODY)
    author.locator(".field-topics .select2-selection").click()
    author.locator(".field-topics .select2-search__field").press_sequentially("tinn")
    author.locator(".select2-results__option", has_text="Tinnitus").click()
    expect(author.locator(".field-topics .select2-selection__choice")).to_contain_text("Tinnitus")
    author.get_by_role("button", name="Save draft").click()
    expect(author.locator("ul.messagelist")).to_contain_text("was added successfully")
    article = Article.objects.get(title=TITLE)
    assert list(article.topics.all()) == [topic]

    author.get_by_role("link", name="Preview saved version").click()
    expect(author.locator(".preview-banner")).to_have_text("Preview – this version is not public.")
    expect(author.get_by_role("heading", level=1)).to_have_text(TITLE)
    author.go_back()
    expect(author.get_by_role("button", name="Approve and publish")).to_have_count(0)
    click_and_expect_message(author, "Submit for review", "is now: in review")
    expect(author.get_by_role("button", name="Approve and publish")).to_have_count(0)

    # Forcing the approval anyway is refused, and nothing changes.
    force_publish(author)
    expect(author.locator(".errornote")).to_contain_text("Only an editor can")
    assert Article.objects.get(pk=article.pk).status == Status.IN_REVIEW

    # The editor asks for a change.
    log_in(reviewer, editor)
    open_from_review_queue(reviewer, TITLE)
    reviewer.get_by_label("What needs to change?").press_sequentially(COMMENT)
    click_and_expect_message(reviewer, "Request changes", "is now: changes requested")

    # The clinician sees the comment, edits the summary and submits again. (Not a reload:
    # the page is the answer to the refused POST above, which a reload would send again.)
    author.goto(f"/admin/articles/article/{article.pk}/change/")
    expect(author.locator(".workflow-comment")).to_contain_text(COMMENT)
    expect(author.get_by_role("button", name="Approve and publish")).to_have_count(0)
    summary = author.get_by_label("Summary:")
    summary.select_text()
    summary.press("Backspace")
    summary.press_sequentially(NEW_SUMMARY)
    author.get_by_role("button", name="Save draft").click()
    expect(author.locator("ul.messagelist")).to_contain_text("was changed successfully")
    click_and_expect_message(author, "Submit for review", "is now: in review")

    # The editor sees what changed, completes the checklist and publishes.
    open_from_review_queue(reviewer, TITLE)
    expect(reviewer.locator("#article-diff-heading")).to_contain_text("Changes since version 1")
    diff = reviewer.locator(".article-diff")
    expect(diff.locator(".article-diff__inline ins").first).to_have_text(
        "Practical, evidence-based"
    )
    diff.get_by_text("Side by side: before and after").click()
    expect(diff.locator(".article-diff__column").nth(1)).to_contain_text(NEW_SUMMARY)
    for label in CHECKLIST.values():
        reviewer.get_by_label(label).check()
    click_and_expect_message(reviewer, "Approve and publish", "is now: published")
    assert Article.objects.get(pk=article.pk).status == Status.PUBLISHED

    # A reader finds it on the topic page...
    reader.goto("/")
    reader.get_by_role("navigation", name="Main").get_by_role("link", name="Topics A–Z").click()
    reader.get_by_role("link", name="Tinnitus", exact=True).click()
    expect(reader.get_by_role("heading", level=1)).to_contain_text("Tinnitus")
    reader.get_by_role("link", name=TITLE).click()
    expect(reader.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(reader.locator(".lead")).to_have_text(NEW_SUMMARY)

    # ...and by searching for the words of its title.
    reader.get_by_role("link", name="Health Hub").click()
    search = reader.get_by_role("searchbox", name="Search for a condition or treatment")
    search.press_sequentially("tinnitus day")
    search.press("Enter")
    expect(reader.get_by_role("heading", level=1)).to_contain_text("Search results")
    reader.get_by_role("link", name=TITLE).click()

    # The trust block: who reviewed it, when, when next, and the sources.
    footer = reader.locator(".article__footer")
    expect(reader.locator(".byline")).to_contain_text("Medically reviewed by Rhys Jones")
    expect(footer).to_contain_text("Page last reviewed")
    expect(footer).to_contain_text("Next review due")
    sources = reader.locator("section.sources")
    expect(sources.get_by_role("heading", name="Sources")).to_be_visible()
    expect(sources).to_contain_text("Tinnitus: assessment and management")

    # Nothing on the way needed inline script or style, which the CSP forbids.
    assert not console.csp_violations(), "\n".join(console.csp_violations())
