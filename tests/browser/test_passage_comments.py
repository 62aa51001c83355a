"""Comments on passages and "Was this page helpful?" in a real browser (issue 21): a
reviewer selects words in the preview and comments; the author sees the comment beside
the text. A reader answers with and without JavaScript."""

import pytest
from playwright.sync_api import expect

from articles import workflow
from articles.models import HelpfulnessVote, PassageComment, Status
from tests.articles.workflow_helpers import article_in_state
from tests.browser.helpers import BROWSER_TEST, SCREENSHOTS, log_in
from tests.browser.test_accessibility import axe, describe
from tests.factories import (
    ClinicianFactory,
    EditorFactory,
    MedicalReviewerFactory,
    PublishedArticleFactory,
)

pytestmark = BROWSER_TEST

BODY = (
    "Ketamine can ease **depression** within hours.[^1] It is given in a clinic.\n\n"
    "You stay for two hours afterwards so staff can check on you.\n\n"
    "[^1]: Smith J. A trial. BMJ. 2020;1:1."
)
PASSAGE = "two hours afterwards"

SELECT_IN_PREVIEW = """(passage) => {
    const doc = document.querySelector("iframe.preview-frame").contentDocument;
    const body = doc.querySelector('[data-preview="body"]');
    const walker = doc.createTreeWalker(body, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
        const at = node.data.indexOf(passage);
        if (at !== -1) {
            const range = doc.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + passage.length);
            const selection = doc.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            doc.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
            return true;
        }
    }
    return false;
}"""


@pytest.fixture
def people(transactional_db):
    clinician = ClinicianFactory(username="dr-ahmed", first_name="Nadia", last_name="Ahmed")
    editor = EditorFactory(username="ed-jones", first_name="Rhys", last_name="Jones")
    return clinician, editor


def test_reviewer_selects_a_passage_in_the_preview_and_the_author_sees_it_beside_the_text(
    new_context, people
):
    clinician, editor = people
    article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor, body=BODY)
    url = f"/admin/articles/article/{article.pk}/change/"

    reviewer = new_context().new_page()
    log_in(reviewer, editor)
    reviewer.goto(url)
    frame = reviewer.frame_locator("iframe.preview-frame")
    expect(frame.locator(".prose")).to_contain_text(PASSAGE)
    assert reviewer.evaluate(SELECT_IN_PREVIEW, PASSAGE)
    expect(reviewer.locator("#comment-quote")).to_have_value(PASSAGE)
    reviewer.get_by_label("Comment", exact=True).fill("Which <b>guideline</b> says two hours?")
    reviewer.get_by_role("button", name="Add comment").click()
    expect(reviewer.locator("ul.messagelist")).to_contain_text("Your comment was added.")
    comment = PassageComment.objects.get()
    assert comment.quote == PASSAGE and comment.before.endswith("You stay for ")

    # The page's own requests (its preview) done before the test writes: on SQLite a
    # read still running in the server would lock the table.
    reviewer.wait_for_load_state("networkidle")
    reviewer.close()
    # The reviewer asks for changes: the text is the author's to edit again.
    workflow.request_changes(article=article, by=editor, comment="See my comment.")

    author = new_context().new_page()
    log_in(author, clinician)
    author.goto(url)
    side = author.locator(".desk__side #comments")
    expect(side.locator(".comment__quote mark")).to_have_text(PASSAGE)
    expect(side.locator(".comment__text")).to_have_text("Which <b>guideline</b> says two hours?")
    # Beside the text: to the right of the body box, level with it, on a desktop screen.
    text_box = author.locator("#id_body").bounding_box()
    side_box = side.bounding_box()
    assert side_box["x"] > text_box["x"] + text_box["width"] - 1
    assert side_box["y"] < text_box["y"] + text_box["height"]
    # And marked in the author's preview.
    expect(
        author.frame_locator("iframe.preview-frame").locator("mark.comment-passage")
    ).to_have_text(PASSAGE)
    SCREENSHOTS.mkdir(exist_ok=True)
    author.screenshot(path=SCREENSHOTS / "desk-passage-comment.png", full_page=False)
    found = describe(axe(author)["violations"], "change page with comments")
    critical = [line for line in found if "[critical]" in line]
    assert not critical, "\n".join(critical)

    # The author replies and resolves, without leaving the page's form behind.
    author.get_by_label("Reply", exact=True).fill("The NICE guideline: added as a source.")
    author.get_by_role("button", name="Reply", exact=True).click()
    expect(author.locator("ul.messagelist")).to_contain_text("Your reply was added.")
    author.get_by_role("button", name="Resolve").click()
    expect(author.locator(".comment--resolved")).to_contain_text("Resolved by")


def test_a_reader_answers_was_this_page_helpful_inline_and_without_javascript(
    new_context, transactional_db
):
    article = PublishedArticleFactory(title="Ketamine explained", slug="ketamine-explained")
    reader = new_context().new_page()
    reader.goto(article.get_absolute_url())
    reader.get_by_label("Tell us more (optional)").fill("Clear, thank you.")
    reader.get_by_role("button", name="Yes", exact=True).click()
    expect(reader.locator("p.message[role=status]")).to_contain_text("Thank you")
    assert reader.url.endswith(article.get_absolute_url())  # answered in place

    plain = new_context(java_script_enabled=False, user_agent="Another browser").new_page()
    plain.goto(article.get_absolute_url())
    plain.get_by_role("button", name="No", exact=True).click()
    expect(plain.locator("[data-helpful-thanks]")).to_contain_text("Thank you")
    assert sorted(HelpfulnessVote.objects.values_list("helpful", "comment")) == [
        (False, ""),
        (True, "Clear, thank you."),
    ]


SELECT_IN_TEXT = """(passage) => {
    const shown = document.querySelector(".desk__text .field-body .readonly");
    const walker = document.createTreeWalker(shown, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
        const at = node.data.indexOf(passage);
        if (at !== -1) {
            const range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + passage.length);
            document.getSelection().removeAllRanges();
            document.getSelection().addRange(range);
            shown.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
            return true;
        }
    }
    return false;
}"""


def test_a_medical_reviewer_who_may_not_edit_quotes_the_read_only_text(new_context, people):
    clinician, editor = people
    reviewer = MedicalReviewerFactory(username="dr-rev")
    article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor, body=BODY)
    page = new_context().new_page()
    log_in(page, reviewer)
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    assert page.evaluate(SELECT_IN_TEXT, PASSAGE)
    expect(page.locator("#comment-quote")).to_have_value(PASSAGE)
    page.get_by_label("Comment", exact=True).fill("Is two hours right?")
    page.get_by_role("button", name="Add comment").click()
    expect(page.locator("ul.messagelist")).to_contain_text("Your comment was added.")
    assert PassageComment.objects.get().author == reviewer
