"""Issue 18: an editor changes the ketamine topic's intro, a medical reviewer approves it,
and only then does the reader see the new intro, with who reviewed it and when."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import BROWSER_TEST, SCREENSHOTS, log_in
from tests.factories import EditorFactory, LayEditorFactory, TopicFactory

pytestmark = BROWSER_TEST

OLD_INTRO = "Ketamine is an anaesthetic that can also ease severe depression."
NEW_INTRO = "Ketamine, given in clinic under supervision, can ease severe depression within hours."


@pytest.fixture
def ketamine(transactional_db):
    return TopicFactory(name="Ketamine", intro=OLD_INTRO)


def test_a_topic_change_reaches_readers_only_once_a_medical_reviewer_approves(
    new_context, live_server, ketamine
):
    writer = LayEditorFactory(username="copy-ed", first_name="Sam", last_name="Hill")
    reviewer = EditorFactory(username="dr-okafor", first_name="Ada", last_name="Okafor")
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

    review_page = new_context().new_page()
    log_in(review_page, reviewer)
    review_page.goto(f"/admin/articles/topic/{ketamine.pk}/change/")
    review_page.get_by_role("link", name="Review and approve it").click()
    expect(review_page.locator(".article-diff__inline ins").first).to_contain_text("clinic")
    review_page.screenshot(path=SCREENSHOTS / "topic-review-desktop.png", full_page=True)
    review_page.get_by_role("button", name="Approve this version").click()
    expect(review_page.locator("ul.messagelist")).to_contain_text("Approved")

    reader.reload()
    expect(reader.locator(".prose")).to_contain_text(NEW_INTRO)
    expect(reader.locator("[data-trust]")).to_contain_text("Medically reviewed by Ada Okafor")
    expect(reader.locator("[data-trust] time")).to_be_visible()
    reader.screenshot(path=SCREENSHOTS / "topic-reviewed-desktop.png", full_page=True)
    phone = new_context(viewport={"width": 375, "height": 800}).new_page()
    phone.goto(ketamine.get_absolute_url())
    expect(phone.locator("[data-trust]")).to_contain_text(
        re.compile(r"Medically reviewed by Ada Okafor, MBBS, FRCP on \d+ \w+ \d{4}")
    )
    phone.screenshot(path=SCREENSHOTS / "topic-reviewed-phone.png", full_page=True)
