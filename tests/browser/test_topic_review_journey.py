"""Issue 18: an editor changes the ketamine topic's intro; a medical reviewer who is not an
editor signs it off clinically; another editor approves it; only then does the reader see
the new intro, with who reviewed it and when."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import BROWSER_TEST, SCREENSHOTS, log_in
from tests.factories import LayEditorFactory, MedicalReviewerFactory, TopicFactory

pytestmark = BROWSER_TEST

OLD_INTRO = "Ketamine is an anaesthetic that can also ease severe depression."
NEW_INTRO = "Ketamine is a drug. A doctor can give it in a clinic to ease low mood within hours."


@pytest.fixture
def ketamine(transactional_db):
    return TopicFactory(name="Ketamine", intro=OLD_INTRO)


def test_a_topic_change_reaches_readers_after_a_clinical_sign_off_and_an_approval(
    new_context, live_server, ketamine
):
    writer = LayEditorFactory(username="copy-ed", first_name="Sam", last_name="Hill")
    signer = MedicalReviewerFactory(username="dr-okafor", first_name="Ada", last_name="Okafor")
    approver = LayEditorFactory(username="desk-ed", first_name="Lee", last_name="Park")
    reader = new_context().new_page()

    editor_page = new_context().new_page()
    log_in(editor_page, writer)
    editor_page.goto(f"/admin/articles/topic/{ketamine.pk}/change/")
    editor_page.get_by_label("Intro").fill(NEW_INTRO)
    editor_page.get_by_role("button", name="Save", exact=True).click()
    expect(editor_page.locator("ul.messagelist")).to_contain_text("Saved as a new version")

    reader.goto(ketamine.get_absolute_url())
    expect(reader.locator(".prose")).to_contain_text(OLD_INTRO)
    expect(reader.locator("[data-trust]")).to_contain_text("not been medically reviewed")

    # The medical reviewer (not an editor) finds the change, previews the page, signs it off.
    md_page = new_context().new_page()
    log_in(md_page, signer)
    md_page.goto(f"/admin/articles/topic/{ketamine.pk}/change/")
    md_page.get_by_role("link", name="Review and approve it").click()
    expect(md_page.locator(".article-diff__inline ins").first).to_contain_text("clinic")
    expect(md_page.locator("[data-refusal=approve_topic]")).to_contain_text("Only an editor")
    with md_page.expect_popup() as opened:
        md_page.get_by_role("link", name="Preview the whole page as readers would see it").click()
    preview = opened.value
    expect(preview.locator(".preview-banner")).to_contain_text("Preview — not yet published")
    expect(preview.locator(".prose")).to_contain_text(NEW_INTRO)
    preview.close()
    md_page.get_by_label("Comment (optional)").first.fill("Onset and setting checked.")
    md_page.get_by_role("button", name="Sign off clinically").click()
    expect(md_page.locator("ul.messagelist")).to_contain_text("Signed off clinically")
    expect(md_page.locator("[data-sign-off]")).to_contain_text("Signed off clinically by Ada")
    md_page.screenshot(path=SCREENSHOTS / "topic-signed-off-desktop.png", full_page=True)

    reader.reload()
    expect(reader.locator(".prose")).to_contain_text(OLD_INTRO)

    # Another editor, who is not a medical reviewer, approves the signed-off version.
    desk = new_context().new_page()
    log_in(desk, approver)
    desk.goto(f"/admin/articles/topic/{ketamine.pk}/review/")
    expect(desk.locator("[data-grade]")).to_contain_text("Reading grade of the intro")
    desk.get_by_role("button", name="Approve this version").click()
    expect(desk.locator("ul.messagelist")).to_contain_text("Approved")

    reader.reload()
    expect(reader.locator(".prose")).to_contain_text(NEW_INTRO)
    expect(reader.locator("[data-trust]")).to_contain_text("Medically reviewed by Ada Okafor")
    reader.screenshot(path=SCREENSHOTS / "topic-reviewed-desktop.png", full_page=True)
    phone = new_context(viewport={"width": 375, "height": 800}).new_page()
    phone.goto(ketamine.get_absolute_url())
    expect(phone.locator("[data-trust]")).to_contain_text(
        re.compile(r"Medically reviewed by Ada Okafor, MD, MRCP on \d+ \w+ \d{4}")
    )
    phone.screenshot(path=SCREENSHOTS / "topic-reviewed-phone.png", full_page=True)

    desk.goto(f"/admin/articles/topic/{ketamine.pk}/review/")
    history = desk.locator(".workflow-history")
    expect(history).to_contain_text("signed off clinically")
    expect(history).to_contain_text("Onset and setting checked.")
