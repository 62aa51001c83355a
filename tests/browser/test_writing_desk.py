"""The writing desk in a real browser: nobody loses a keystroke, and the preview and checks
beside the text follow the typing."""

import re

import pytest
from playwright.sync_api import expect

from articles import workflow
from articles.models import Article, Autosave, Status
from tests.articles.workflow_helpers import article_in_state
from tests.browser.helpers import BROWSER_TEST, SCREENSHOTS, log_in
from tests.browser.test_accessibility import axe, describe
from tests.factories import ArticleFactory, ClinicianFactory, EditorFactory, EsketamineFactory

pytestmark = BROWSER_TEST

UNSOURCED = "Esketamine is a nasal spray for depression that has not improved."
SOURCE_LINE = "[^1]: Smith J. Esketamine trial. BMJ. 2020."


@pytest.fixture
def people(transactional_db):
    clinician = ClinicianFactory(username="dr-ahmed", first_name="Nadia", last_name="Ahmed")
    editor = EditorFactory(username="ed-jones", first_name="Rhys", last_name="Jones")
    return clinician, editor


def change(page, article):
    page.goto(f"/admin/articles/article/{article.pk}/change/")


def replace_text(page, label, text):
    box = page.get_by_label(label, exact=True)
    box.fill(text)
    return box


def test_editor_corrects_the_summary_and_approves_in_one_press(new_context, people):
    clinician, editor = people
    article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
    page = new_context().new_page()
    log_in(page, editor)
    change(page, article)
    replace_text(page, "Summary:", "What esketamine is, who it helps and how it is given.")
    for label in workflow.CHECKLIST.values():
        page.get_by_label(label).check()
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.locator("ul.messagelist")).to_contain_text("is now: published")
    reader = new_context().new_page()
    reader.goto(Article.objects.get(pk=article.pk).get_absolute_url())
    expect(reader.locator(".lead")).to_have_text(
        "What esketamine is, who it helps and how it is given."
    )


def test_clinician_adds_the_source_line_and_submits(new_context, people):
    clinician, _ = people
    article = ArticleFactory(author=clinician, body=UNSOURCED)
    page = new_context().new_page()
    log_in(page, clinician)
    change(page, article)
    replace_text(page, "Body:", f"{UNSOURCED}[^1]\n\n{SOURCE_LINE}")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("ul.messagelist")).to_contain_text("is now: in review")
    assert Article.objects.get(pk=article.pk).body.endswith(SOURCE_LINE)


def test_refused_approval_keeps_ticks_comment_and_text(new_context, people):
    clinician, editor = people
    article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
    page = new_context().new_page()
    log_in(page, editor)
    change(page, article)
    replace_text(page, "Summary:", "A corrected summary.")
    ticked = list(workflow.CHECKLIST.values())[:2]
    for label in ticked:
        page.get_by_label(label).check()
    page.locator("#id_publish-comment").fill("Nearly there.")
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.locator(".errornote").first).to_be_visible()
    expect(page.locator(".decision")).to_contain_text("Complete the editorial checklist")
    for label in ticked:
        expect(page.get_by_label(label)).to_be_checked()
    expect(page.locator("#id_publish-comment")).to_have_value("Nearly there.")
    expect(page.get_by_label("Summary:", exact=True)).to_have_value("A corrected summary.")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "desk-refused-approval.png", full_page=True)
    assert Article.objects.get(pk=article.pk).status == Status.IN_REVIEW


def test_leaving_with_unsaved_edits_asks_first(new_context, people):
    clinician, _ = people
    article = ArticleFactory(author=clinician)
    page = new_context().new_page()
    log_in(page, clinician)
    change(page, article)
    page.get_by_label("Title:").press_sequentially(" (edited)")
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", answer)
    page.get_by_role("link", name="Articles", exact=True).first.click()
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    assert page.url.endswith(f"/{article.pk}/change/")
    expect(page.get_by_label("Title:")).to_have_value(re.compile(r"\(edited\)"))


def test_autosave_brings_the_text_back_after_the_tab_is_closed(new_context, people, settings):
    settings.ARTICLE_AUTOSAVE_SECONDS = 1
    clinician, _ = people
    article = ArticleFactory(author=clinician)
    context = new_context()
    page = context.new_page()
    log_in(page, clinician)
    change(page, article)
    body = page.get_by_label("Body:")
    body.press("Control+End")
    body.press_sequentially("\n\nA paragraph nobody saved.")
    expect(page.locator("#desk-note")).to_contain_text("Unsaved text kept at", timeout=5000)
    page.close(run_before_unload=False)
    assert Article.objects.get(pk=article.pk).body == article.body
    again = context.new_page()
    change(again, article)
    expect(again.get_by_role("heading", name=re.compile("^Unsaved text from"))).to_be_visible()
    again.get_by_role("button", name="Restore it").click()
    expect(again.get_by_label("Body:")).to_have_value(re.compile("A paragraph nobody saved.$"))
    again.get_by_role("button", name="Save draft").click()
    expect(again.locator("ul.messagelist")).to_contain_text("was changed successfully")
    assert Article.objects.get(pk=article.pk).body.endswith("A paragraph nobody saved.")
    assert not Autosave.objects.exists()


def test_live_preview_shows_a_linked_term_and_a_source_within_two_seconds(new_context, people):
    clinician, _ = people
    EsketamineFactory()
    article = ArticleFactory(author=clinician, body="Start.")
    page = new_context().new_page()
    log_in(page, clinician)
    change(page, article)
    replace_text(page, "Body:", "")
    page.get_by_label("Body:").press_sequentially(f"{UNSOURCED}[^1]\n\n{SOURCE_LINE}")
    frame = page.frame_locator("iframe.preview-frame")
    expect(frame.locator(".prose a.term__link")).to_contain_text("Esketamine", timeout=2000)
    expect(frame.locator("section.sources")).to_contain_text("Esketamine trial", timeout=2000)
    page.get_by_role("button", name="Phone").click()
    expect(page.locator("iframe.preview-frame")).to_have_class(re.compile("preview-frame--phone"))
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "desk-live-preview.png", full_page=False)


def test_a_check_fires_as_the_author_types_and_clears_when_fixed(new_context, people):
    clinician, _ = people
    article = ArticleFactory(author=clinician)
    page = new_context().new_page()
    log_in(page, clinician)
    change(page, article)
    checks = page.locator("#desk-checks")
    replace_text(page, "Body:", "A claim.[^2]\n\n[^1]: A source.")
    expect(checks.locator(".finding--blocking").first).to_be_visible(timeout=2000)
    replace_text(page, "Body:", "A claim.[^1]\n\n[^1]: A source.")
    expect(checks.locator(".finding--blocking")).to_have_count(0, timeout=2000)


def test_the_diff_highlights_a_changed_word_beside_the_buttons(new_context, people):
    clinician, editor = people
    article = article_in_state(
        Status.PUBLISHED,
        author=clinician,
        approver=editor,
        body="Most people feel dizzy for an hour.[^1]\n\n[^1]: Source.",
    )
    workflow.edit_article(
        article=article,
        by=clinician,
        content=workflow.Content(
            article.title,
            article.summary,
            "Most people feel sleepy for an hour.[^1]\n\n[^1]: Source.",
            [],
        ),
        expected_version=Article.objects.get(pk=article.pk).version,
    )
    workflow.submit_for_review(article=article, by=clinician)
    page = new_context().new_page()
    log_in(page, editor)
    change(page, article)
    diff = page.locator(".decision__diff .article-diff__inline")
    expect(diff.locator("ins").first).to_contain_text("sleepy")
    expect(diff.locator("del").first).to_contain_text("dizzy")
    # The decision is in view with the diff, above the text fields.
    button = page.get_by_role("button", name="Approve and publish")
    expect(button).to_be_in_viewport()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "desk-review-diff.png", full_page=False)


def test_without_javascript_submit_and_approve_keep_the_typed_text(new_context, people):
    clinician, editor = people
    article = ArticleFactory(author=clinician, body=UNSOURCED)
    author = new_context(java_script_enabled=False).new_page()
    log_in(author, clinician)
    change(author, article)
    replace_text(author, "Body:", f"{UNSOURCED}[^1]\n\n{SOURCE_LINE}")
    author.get_by_role("button", name="Submit for review").click()
    expect(author.locator("ul.messagelist")).to_contain_text("is now: in review")
    reviewer = new_context(java_script_enabled=False).new_page()
    log_in(reviewer, editor)
    change(reviewer, article)
    replace_text(reviewer, "Summary:", "Typed with scripts off.")
    for label in workflow.CHECKLIST.values():
        reviewer.get_by_label(label).check()
    reviewer.get_by_role("button", name="Approve and publish").click()
    expect(reviewer.locator("ul.messagelist")).to_contain_text("is now: published")
    published = Article.objects.get(pk=article.pk)
    assert (published.status, published.summary) == (Status.PUBLISHED, "Typed with scripts off.")


@pytest.mark.parametrize("width", [1280, 375])
def test_change_page_has_no_serious_axe_violations(new_context, people, width):
    clinician, editor = people
    article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
    found = []
    for person in (editor, clinician):
        page = new_context(viewport={"width": width, "height": 900}).new_page()
        log_in(page, person)
        change(page, article)
        page.wait_for_timeout(800)  # the preview and checks have filled in
        found += describe(axe(page)["violations"], f"change page ({person.username}, {width}px)")
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"desk-{person.username}-{width}.png", full_page=True)
    serious = [line for line in found if re.search(r": \[(serious|critical)", line)]
    assert not serious, "\n".join(serious)


def test_typing_sends_one_preview_per_pause_and_no_early_autosave(new_context, people):
    clinician, _ = people
    article = ArticleFactory(author=clinician)
    page = new_context().new_page()
    log_in(page, clinician)
    change(page, article)
    page.wait_for_timeout(1000)  # the first preview, of the text as loaded
    sent = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    body = page.get_by_label("Body:")
    body.press("Control+End")
    body.press_sequentially(" Another sentence typed without a pause.", delay=20)
    page.wait_for_timeout(1500)
    previews = [url for url in sent if url.endswith("/live-preview/")]
    autosaves = [url for url in sent if url.endswith("/autosave/")]
    assert len(previews) == 1, sent
    assert autosaves == []  # the first copy is kept 30 s after the page opened


def test_a_double_clicked_approval_is_one_transition(new_context, people):
    clinician, editor = people
    article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
    page = new_context().new_page()
    log_in(page, editor)
    change(page, article)
    for label in workflow.CHECKLIST.values():
        page.get_by_label(label).check()
    page.get_by_role("button", name="Approve and publish").dblclick()
    expect(page.locator("ul.messagelist")).to_contain_text("is now: published")
    assert article.events.filter(to_status=Status.PUBLISHED).count() == 1


def test_checks_follow_the_typing_while_the_preview_frame_has_not_loaded(new_context, people):
    clinician, _ = people
    page = new_context(viewport={"width": 375, "height": 800}).new_page()
    log_in(page, clinician)
    # On a phone the frame loads lazily, far below: the checks must not wait for it.
    page.route("**/preview-frame/", lambda route: route.abort())
    page.goto("/admin/articles/article/add/")
    page.get_by_label("Body:").fill("A claim.[^2]\n\n[^1]: A source.")
    checks = page.locator("#desk-checks")
    # Not a speed test (that is the live preview's, above): the first check in a new server
    # process also loads the grader's dictionary.
    expect(checks).to_contain_text("The marker [^2] has no source", timeout=10_000)


def test_closing_the_tab_right_after_typing_still_keeps_the_text(new_context, people):
    clinician, _ = people
    article = ArticleFactory(author=clinician)
    context = new_context()
    page = context.new_page()
    log_in(page, clinician)
    change(page, article)
    body = page.get_by_label("Body:")
    body.press("Control+End")
    body.press_sequentially(" Typed just before closing.")
    page.close()  # long before the 30-second copy: the beacon as the tab goes keeps it
    again = context.new_page()
    for _ in range(20):
        if Autosave.objects.filter(body__endswith="Typed just before closing.").exists():
            break
        again.wait_for_timeout(100)
    change(again, article)
    expect(again.get_by_role("heading", name=re.compile("^Unsaved text from"))).to_be_visible()
