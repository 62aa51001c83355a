"""Issue 21: the admin's home says what to do next. An editor sees the submission waiting,
assigns it to a medical reviewer from the desk; the reviewer finds it first in "Awaiting your
review"; the author sees with whom it is, and what came back with changes requested."""

import pytest
from playwright.sync_api import expect

from articles import workflow
from articles.models import ProblemReport, Status
from tests.articles.workflow_helpers import article_in_state
from tests.browser.helpers import BROWSER_TEST, SCREENSHOTS, log_in
from tests.factories import ClinicianFactory, EditorFactory, MedicalReviewerFactory

pytestmark = BROWSER_TEST


@pytest.fixture
def people(transactional_db):
    return {
        "author": ClinicianFactory(username="writer", first_name="Rae", last_name="Lund"),
        "editor": EditorFactory(username="ed", first_name="Ed", last_name="Itor"),
        "reviewer": MedicalReviewerFactory(username="dr-ng", first_name="Mia", last_name="Ng"),
    }


def test_the_dashboard_leads_an_editor_a_reviewer_and_an_author(new_context, people):
    author, editor = people["author"], people["editor"]
    article_in_state(Status.IN_REVIEW, author=author, title="Lithium and your kidneys")
    returned = article_in_state(Status.IN_REVIEW, author=author, title="Sleep after a night shift")
    workflow.request_changes(article=returned, by=editor, comment="Add the 2023 NICE guidance.")
    ProblemReport.objects.create(message="The phone number is out of date.")

    page = new_context().new_page()
    log_in(page, editor)
    awaiting = page.locator("[data-panel=awaiting]")
    expect(awaiting).to_contain_text("Awaiting your review")
    expect(awaiting).to_contain_text("Lithium and your kidneys")
    expect(awaiting).to_contain_text("Nobody yet")
    expect(page.locator("[data-panel=reports]")).to_contain_text("The phone number is out of date.")
    expect(page.locator("[data-panel=activity]")).to_contain_text("changes requested")
    expect(page.locator("#nav-sidebar, #content-main")).to_contain_text("Review queue (1)")
    page.screenshot(path=SCREENSHOTS / "dashboard-editor.png", full_page=True)

    # Assign it from the desk, to the medical reviewer.
    awaiting.get_by_role("link", name="Lithium and your kidneys").click()
    page.locator(".action-inputs--assign summary").click()
    page.get_by_label("Reviewer").select_option(label=str(people["reviewer"]))
    page.get_by_role("button", name="Assign the review").click()
    expect(page.locator("ul.messagelist")).to_contain_text("Lithium and your kidneys")
    expect(page.locator(".workflow-assignee")).to_contain_text("Assigned to Mia Ng")

    reviewer_page = new_context().new_page()
    log_in(reviewer_page, people["reviewer"])
    first = reviewer_page.locator("[data-panel=awaiting] tbody tr").first
    expect(first).to_contain_text("Lithium and your kidneys")
    expect(first).to_contain_text("You")

    author_page = new_context().new_page()
    log_in(author_page, author)
    expect(author_page.locator("[data-panel=in-review]")).to_contain_text(
        "Lithium and your kidneys — with Mia Ng"
    )
    returned_panel = author_page.locator("[data-panel=changes-requested]")
    expect(returned_panel).to_contain_text("Sleep after a night shift")
    expect(returned_panel).to_contain_text("Add the 2023 NICE guidance.")
    expect(author_page.locator("[data-panel=awaiting]")).to_have_count(0)
    author_page.screenshot(path=SCREENSHOTS / "dashboard-clinician.png", full_page=True)
