"""An image from upload to reader, in a real browser: a clinician uploads a diagram and
inserts it with the picker, the preview shows it, an editor publishes, and a reader on a
phone sees a captioned figure with its credit."""

import pytest
from playwright.sync_api import expect

from articles.models import Article, Image
from articles.workflow import CHECKLIST
from tests.articles.image_helpers import jpeg_bytes
from tests.browser.helpers import BROWSER_TEST, SCREENSHOTS, log_in
from tests.factories import ClinicianFactory, EditorFactory

pytestmark = BROWSER_TEST

TITLE = "Using a nasal spray well"
BODY = "Hold the spray upright and breathe in gently.[^1]\n\n"
SOURCE = "\n[^1]: NHS. How to use nasal sprays. 2024."
ALT = "A nasal spray held upright, nozzle in the left nostril"
CAPTION = "Tilt the head forward a little."
CREDIT = "Dr Nadia Ahmed"


@pytest.fixture
def people(transactional_db):
    clinician = ClinicianFactory(username="dr-ahmed", first_name="Nadia", last_name="Ahmed")
    editor = EditorFactory(username="ed-jones", first_name="Rhys", last_name="Jones")
    return clinician, editor


def test_a_diagram_goes_from_upload_to_a_phone_reader(new_context, people, console, tmp_path):
    clinician, editor = people
    author = new_context().new_page()

    # Upload, with the required description and consent; a missing description is refused.
    photo = tmp_path / "IMG_2041.jpg"
    photo.write_bytes(jpeg_bytes(2400, 1600, gps=True))
    log_in(author, clinician)
    author.goto("/admin/articles/image/add/")
    author.get_by_label("Image file:").set_input_files(str(photo))
    author.get_by_label("Title:").fill("Nasal spray technique")
    author.get_by_label("No identifiable person is shown").check()
    author.get_by_role("button", name="Save", exact=True).click()
    expect(author.locator(".errorlist")).to_contain_text("Describe the image")
    assert not Image.objects.exists()
    author.get_by_label("Image file:").set_input_files(str(photo))
    author.get_by_label("Alt text:").fill(ALT)
    author.get_by_label("Caption:").fill(CAPTION)
    author.get_by_label("Credit:").fill(CREDIT)
    author.get_by_role("button", name="Save", exact=True).click()
    expect(author.locator("ul.messagelist")).to_contain_text("was added successfully")
    image = Image.objects.get()

    # Write the article, inserting the image with the picker; the preview shows it.
    author.goto("/admin/articles/article/add/")
    author.get_by_label("Title:").fill(TITLE)
    author.get_by_label("Summary:").fill("How to get the dose where it works.")
    body = author.get_by_label("Body:")
    body.fill(BODY + SOURCE)
    body.evaluate(
        "(el) => el.setSelectionRange(el.value.indexOf('\\n[^1]:'), el.value.indexOf('\\n[^1]:'))"
    )
    author.get_by_text("Insert an image from the library").click()
    author.get_by_role("button", name="Insert “Nasal spray technique”").click()
    assert f"![](image:{image.pk})" in body.input_value()
    frame = author.frame_locator("iframe.preview-frame")
    expect(frame.locator("figure img")).to_have_attribute("alt", ALT, timeout=8000)
    SCREENSHOTS.mkdir(exist_ok=True)
    author.screenshot(path=SCREENSHOTS / "images-desk-1280.png", full_page=False)
    author.get_by_role("button", name="Save draft").click()
    expect(author.locator("ul.messagelist")).to_contain_text("was added successfully")
    author.get_by_role("button", name="Submit for review").click()
    expect(author.locator("ul.messagelist")).to_contain_text("is now: in review")
    article = Article.objects.get(title=TITLE)

    # Before publication nobody else can fetch the files.
    reader = new_context(viewport={"width": 375, "height": 800}, device_scale_factor=2).new_page()
    width, _height, ext = image.renditions[0]
    assert reader.request.get(image.rendition_url(width, ext)).status == 404

    # The editor publishes.
    reviewer = new_context().new_page()
    log_in(reviewer, editor)
    reviewer.goto(f"/admin/articles/article/{article.pk}/change/")
    for label in CHECKLIST.values():
        reviewer.get_by_label(label).check()
    reviewer.get_by_role("button", name="Approve and publish").click()
    expect(reviewer.locator("ul.messagelist")).to_contain_text("is now: published")

    # A reader on a phone sees the figure, sharp and light, with caption and credit.
    reader.goto(article.get_absolute_url())
    figure = reader.locator("article figure")
    img = figure.locator("img")
    img.scroll_into_view_if_needed()
    expect(img).to_have_attribute("alt", ALT)
    expect(figure.locator("figcaption")).to_contain_text(CAPTION)
    expect(figure.locator("figcaption")).to_contain_text(f"Credit: {CREDIT}")
    reader.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=img.element_handle()
    )
    chosen = img.evaluate("(img) => img.currentSrc")
    # A 375 px phone at 2x picks the 960 px WebP, not the 1600 px one.
    assert chosen.endswith("/960.webp"), chosen
    shown = img.bounding_box()
    assert shown["width"] <= 375 - 30
    reader.screenshot(path=SCREENSHOTS / "images-article-375.png", full_page=True)
    desktop = new_context().new_page()
    desktop.goto(article.get_absolute_url())
    desktop.locator("article figure img").scroll_into_view_if_needed()
    desktop.screenshot(path=SCREENSHOTS / "images-article-1280.png", full_page=True)
    # Every image on the public page has a text alternative (or alt="" by choice).
    assert reader.locator("img:not([alt])").count() == 0
    assert not console.csp_violations(), "\n".join(console.csp_violations())
