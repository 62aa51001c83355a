"""The Content-Security-Policy forbids inline script and style: no page may need them."""

from playwright.sync_api import expect

from articles.models import Status
from tests.articles.workflow_helpers import article_in_state
from tests.browser.helpers import BROWSER_TEST, PUBLIC_PAGES, log_in
from tests.factories import ClinicianFactory, EditorFactory, TopicFactory

pytestmark = BROWSER_TEST


def assert_strict_policy(response) -> None:
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "style-src 'self'" in policy, policy


def test_public_pages_log_no_csp_violations(page, console, public_site):
    for name in PUBLIC_PAGES:
        # The public pages run no script: every violation would show while loading.
        assert_strict_policy(page.goto(public_site.pages[name]))
    assert not console.csp_violations(), "\n".join(console.csp_violations())


def test_admin_pages_of_the_journey_log_no_csp_violations(new_context, console):
    clinician = ClinicianFactory(username="dr-ahmed")
    editor = EditorFactory(username="ed-jones")
    TopicFactory(name="Tinnitus")
    in_review = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
    author, reviewer = new_context().new_page(), new_context().new_page()

    assert_strict_policy(author.goto("/admin/login/"))
    log_in(author, clinician)
    author.goto("/admin/articles/article/add/")
    # Select2 builds its widgets and dropdown with script: open it and pick a topic.
    author.locator(".field-topics .select2-selection").click()
    author.locator(".select2-results__option", has_text="Tinnitus").click()
    author.get_by_role("link", name="Articles", exact=True).first.hover()
    log_in(reviewer, editor)
    reviewer.get_by_role("link", name="Review queue").click()
    reviewer.get_by_role("link", name=in_review.title).click()
    expect(reviewer.get_by_role("button", name="Approve and publish")).to_be_visible()
    reviewer.goto(f"/admin/articles/article/{in_review.pk}/preview/")
    for page in (author, reviewer):
        page.wait_for_load_state("networkidle")

    assert not console.csp_violations(), "\n".join(console.csp_violations())
