"""The image library: safe uploads, renditions, images in articles, privacy until used."""

import io
import json
import struct
import zlib

import pytest
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image as PILImage

from articles import images
from articles.models import Consent, Image, ImageUse
from articles.writing_checks import check
from tests.articles.desk_helpers import form_data
from tests.articles.image_helpers import jpeg_bytes, make_image, png_bytes
from tests.articles.topic_review_helpers import press_step
from tests.articles.workflow_helpers import topic_form
from tests.factories import ArticleFactory, PublishedArticleFactory
from tests.html import parse

pytestmark = pytest.mark.django_db


def stored_files() -> list[str]:
    names = []
    for folder in default_storage.listdir("images")[0] if default_storage.exists("images") else []:
        names += default_storage.listdir(f"images/{folder}")[1]
    return names


def upload(client, data: bytes, name: str, **fields):
    post = {
        "upload": SimpleUploadedFile(name, data, content_type="image/jpeg"),
        "title": "Device",
        "alt_text": "A nasal spray device held upright",
        "caption": "",
        "credit": "",
        "licence": "",
        "consent": Consent.NO_PEOPLE,
        "skin_tones": "",
        "tags": "",
    }
    post.update(fields)
    return client.post(reverse("admin:articles_image_add"), post)


def field_errors(response, field="upload") -> list[str]:
    return [str(e) for e in response.context["adminform"].form.errors.get(field, [])]


# --- bad files: a clear message, nothing stored -----------------------------------------------


def _truncated_jpeg() -> bytes:
    data = jpeg_bytes(800, 600)
    return data[: len(data) // 2]


def _huge_png_header() -> bytes:
    """A real PNG header saying 30,000 x 30,000 pixels (the pixels never exist)."""

    def chunk(kind, payload):
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", 30_000, 30_000, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 100)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _gif_polyglot() -> bytes:
    out = io.BytesIO()
    PILImage.new("P", (40, 40)).save(out, "GIF", comment=b"*/=alert(document.domain);/*")
    return out.getvalue() + b"<script>alert(1)</script>"


BAD_FILES = {
    "text renamed .jpg": (b"Just some notes about the clinic.\n" * 20, "photo.jpg", "not an image"),
    "truncated JPEG": (_truncated_jpeg(), "cut.jpg", "damaged or incomplete"),
    "30,000 x 30,000 PNG": (_huge_png_header(), "big.png", "million"),
    "PNG with script in a text chunk": (
        png_bytes(text={"Comment": "<script>alert(1)</script>"}),
        "chunk.png",
        "web page code",
    ),
    "SVG with script": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "diagram.jpg",
        "SVG",
    ),
    "GIF polyglot": (_gif_polyglot(), "anim.jpg", "GIF"),
}


@pytest.mark.parametrize("kind", BAD_FILES)
def test_bad_file_is_refused_with_a_reason_when_uploaded(client, clinician, kind):
    data, name, reason = BAD_FILES[kind]
    client.force_login(clinician)
    response = upload(client, data, name)
    assert response.status_code == 200
    errors = field_errors(response)
    assert errors and reason.lower() in errors[0].lower(), errors
    assert not Image.objects.exists()
    assert stored_files() == []


def test_upload_over_the_size_limit_is_refused_before_decoding(tmp_path):
    big = tmp_path / "huge.jpg"
    with open(big, "wb") as out:  # 100 MB, sparse: cheap to make
        out.truncate(100 * 1024 * 1024)
    with open(big, "rb") as handle, pytest.raises(images.BadImage, match="100 MB"):
        images.inspect(File(handle))


def test_missing_alt_text_is_refused_when_not_decorative(client, clinician):
    client.force_login(clinician)
    response = upload(client, jpeg_bytes(), "a.jpg", alt_text="   ")
    assert "Describe the image" in " ".join(field_errors(response, "alt_text"))
    assert not Image.objects.exists()


def test_consent_must_be_answered(client, clinician):
    client.force_login(clinician)
    response = upload(client, jpeg_bytes(), "a.jpg", consent="")
    assert field_errors(response, "consent")
    assert not Image.objects.exists()


# --- a good upload -----------------------------------------------------------------------------


def test_upload_stores_renditions_without_camera_or_location_data(client, clinician):
    client.force_login(clinician)
    response = upload(client, jpeg_bytes(2000, 1000, gps=True), "IMG_2041.jpg")
    assert response.status_code == 302
    image = Image.objects.get()
    assert image.uploaded_by == clinician
    assert (image.width, image.height) == (1600, 800)
    assert sorted({(w, ext) for w, _h, ext in image.renditions}) == [
        (480, "jpg"), (480, "webp"), (960, "jpg"), (960, "webp"), (1600, "jpg"), (1600, "webp"),
    ]  # fmt: skip
    for width, _height, ext in image.renditions:
        with default_storage.open(Image.file_name(image.key, width, ext)) as stored:
            data = stored.read()
        assert b"SecretPhone" not in data and b"CameraMaker" not in data
        assert not PILImage.open(io.BytesIO(data)).getexif()
    # The file's name says nothing: a random key, then the width.
    assert "IMG_2041" not in " ".join(stored_files())


def test_decorative_image_needs_no_alt_text(client, clinician):
    client.force_login(clinician)
    response = upload(client, png_bytes(alpha=True), "a.png", alt_text="", decorative="on")
    assert response.status_code == 302
    image = Image.objects.get()
    assert image.decorative
    assert {ext for _w, _h, ext in image.renditions} == {"webp", "png"}  # keeps transparency


# --- images in articles -----------------------------------------------------------------


def test_library_image_renders_as_a_captioned_figure(clinician):
    image = make_image(clinician, caption="How to hold the spray.", credit="Dr <b>A</b>")
    article = ArticleFactory(author=clinician, body=f"Text.\n\n![](image:{image.pk})\n\nMore.")
    page = parse(article.body_html)
    figure = page.one("figure")
    img = figure.one("img")
    assert img.get("alt") == "A nasal spray device held upright"
    assert (img.get("width"), img.get("height")) == ("1200", "800")
    assert img.get("loading") == "lazy" and img.get("decoding") == "async"
    assert " 480w" in img.get("srcset") and " 960w" in img.get("srcset")
    assert figure.one("source").get("type") == "image/webp"
    caption = figure.one("figcaption").text
    assert "How to hold the spray." in caption and "Credit: Dr <b>A</b>" in caption
    assert "<b>" not in article.body_html.replace("&lt;b&gt;", "")


def test_alt_written_in_the_text_replaces_the_librarys(clinician):
    image = make_image(clinician)
    article = ArticleFactory(author=clinician, body=f'![Spray "<i>x"]({"image:"}{image.pk})')
    assert parse(article.body_html).one("img").get("alt") == 'Spray "<i>x"'
    assert "<i>" not in article.body_html


def test_decorative_image_renders_with_empty_alt(clinician):
    image = make_image(clinician, alt_text="", decorative=True)
    article = ArticleFactory(author=clinician, body=f"![Words](image:{image.pk})")
    assert parse(article.body_html).one("img").get("alt") == ""


def test_external_image_is_refused_at_save_with_what_to_do(client, clinician):
    article = ArticleFactory(author=clinician)
    client.force_login(clinician)
    body = article.body + "\n\n![A chart](https://example.org/chart.png)"
    response = client.post(
        reverse("admin:articles_article_change", args=[article.pk]),
        form_data(article, body=body),
    )
    assert response.status_code == 200
    errors = " ".join(str(e) for e in response.context["adminform"].form.errors["body"])
    assert "Images from other sites are not shown" in errors and "image:12" in errors
    article.refresh_from_db()
    assert "chart.png" not in article.body


@pytest.mark.parametrize("whose", ["nobody's", "another clinician's"])
def test_image_the_author_may_not_use_is_refused_at_save(client, clinician, other_clinician, whose):
    pk = 999_999 if whose == "nobody's" else make_image(other_clinician).pk
    article = ArticleFactory(author=clinician)
    client.force_login(clinician)
    response = client.post(
        reverse("admin:articles_article_change", args=[article.pk]),
        form_data(article, body=article.body + f"\n\n![](image:{pk})"),
    )
    assert response.status_code == 200
    errors = " ".join(str(e) for e in response.context["adminform"].form.errors["body"])
    assert f"There is no image {pk} in the library that this page may use" in errors


def test_shared_image_of_another_clinician_may_be_used(clinician, other_clinician):
    image = make_image(other_clinician, shared=True)
    article = ArticleFactory(author=clinician, body=f"![](image:{image.pk})")
    assert "<figure" in article.body_html


def test_external_image_is_a_blocking_writing_check():
    findings = check(title="T", summary="S", body="![x](http://example.org/a.png)\n\n<img src=x>")
    codes = [(f.code, f.blocking) for f in findings if "image" in f.code]
    assert codes == [("external_image", True), ("raw_image", False)]


def test_alt_text_advice_for_file_names_and_image_of():
    findings = check(
        title="T", summary="S", body="![IMG_2041.jpg](image:1)\n\n![Image of a spray](image:2)"
    )
    codes = {f.code for f in findings}
    assert {"image_alt_file_name", "image_alt_redundant"} <= codes


# --- private until a published page uses it ---------------------------------------------


def rendition_url(image):
    width, _height, ext = image.renditions[0]
    return image.rendition_url(width, ext)


def test_rendition_is_private_while_only_a_draft_uses_it(client, clinician):
    image = make_image(clinician)
    ArticleFactory(author=clinician, body=f"![](image:{image.pk})")
    assert client.get(rendition_url(image)).status_code == 404
    client.force_login(clinician)  # the author's preview shows it
    response = client.get(rendition_url(image))
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"


def test_rendition_is_public_while_a_published_article_uses_it(client, clinician):
    image = make_image(clinician)
    article = PublishedArticleFactory(author=clinician, body=f"![](image:{image.pk})")
    response = client.get(rendition_url(image))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"].startswith("public")
    # The article is archived: the image is private again.
    article.live, article.status = False, "archived"
    article.save()
    assert client.get(rendition_url(image)).status_code == 404


def test_unknown_key_or_size_is_a_404(client, clinician):
    image = make_image(clinician)
    PublishedArticleFactory(author=clinician, body=f"![](image:{image.pk})")
    assert client.get(f"/images/{'x' * 32}/480.jpg").status_code == 404
    assert client.get(f"/images/{image.key}/481.jpg").status_code == 404
    assert client.get(f"/images/{image.key}/480.gif").status_code == 404


def test_withdrawing_consent_takes_the_image_off_public_pages_at_once(client, clinician, editor):
    image = make_image(clinician, consent=Consent.GIVEN)
    article = PublishedArticleFactory(author=clinician, body=f"Before.\n\n![](image:{image.pk})")
    page = client.get(article.get_absolute_url()).content.decode()
    assert "<figure" in page
    client.force_login(editor)
    data = {
        "title": image.title,
        "alt_text": image.alt_text,
        "caption": "",
        "credit": "",
        "licence": "",
        "consent": Consent.NOT_GIVEN,
        "skin_tones": "",
        "tags": "",
    }
    response = client.post(reverse("admin:articles_image_change", args=[image.pk]), data)
    assert response.status_code == 302
    client.logout()
    page = client.get(article.get_absolute_url()).content.decode()
    assert "<figure" not in page and image.key not in page
    assert client.get(rendition_url(image)).status_code == 404


def test_uses_are_listed_for_editors(client, clinician, editor):
    image = make_image(clinician)
    article = PublishedArticleFactory(author=clinician, body=f"![](image:{image.pk})")
    client.force_login(editor)
    page = client.get(reverse("admin:articles_image_change", args=[image.pk])).content.decode()
    assert article.title in page and "(public)" in page
    assert ImageUse.objects.filter(image=image, article=article).exists()


def test_clinician_cannot_change_another_clinicians_image(client, clinician, other_clinician):
    image = make_image(other_clinician, shared=True)
    client.force_login(clinician)
    url = reverse("admin:articles_image_change", args=[image.pk])
    response = client.post(url, {"title": "Mine now", "alt_text": "x", "consent": "no_people"})
    assert response.status_code == 403
    image.refresh_from_db()
    assert image.title != "Mine now"


# --- renditions made once ---------------------------------------------------------------


def test_serving_a_rendition_does_no_image_work(client, clinician, monkeypatch):
    image = make_image(clinician)
    PublishedArticleFactory(author=clinician, body=f"![](image:{image.pk})")

    def refuse(*args, **kwargs):
        raise AssertionError("image work while serving")

    monkeypatch.setattr(PILImage, "open", refuse)
    monkeypatch.setattr(PILImage.Image, "resize", refuse)
    for _ in range(2):
        response = client.get(rendition_url(image))
        assert response.status_code == 200
        assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"


def test_a_new_file_gets_new_addresses_and_the_old_files_go(client, clinician, on_commit):
    image = make_image(clinician)
    old_key = image.key
    client.force_login(clinician)
    data = {
        "upload": SimpleUploadedFile("b.png", png_bytes(), content_type="image/png"),
        "title": image.title,
        "alt_text": image.alt_text,
        "consent": Consent.NO_PEOPLE,
    }
    with on_commit():
        response = client.post(reverse("admin:articles_image_change", args=[image.pk]), data)
    assert response.status_code == 302
    image.refresh_from_db()
    assert image.key != old_key
    assert not default_storage.exists(f"images/{old_key}/480.jpg")
    assert default_storage.exists(Image.file_name(image.key, 480, "webp"))


def test_large_photo_is_decoded_in_draft_mode(clinician):
    data = jpeg_bytes(6000, 4000)
    upload_file = io.BytesIO(data)
    upload_file.size = len(data)
    prepared = images.prepare(upload_file)
    assert (prepared.inspected.width, prepared.inspected.height) == (6000, 4000)
    assert max(r.width for r in prepared.renditions) == 1600


def test_query_count_of_article_page_is_unchanged_by_three_images(client, clinician, trd):
    ids = [make_image(clinician, title=f"Image {n}").pk for n in range(3)]
    body = "Text.[^1]\n\n" + "\n\n".join(f"![](image:{pk})" for pk in ids)
    plain = PublishedArticleFactory(author=clinician, topics=[trd])
    illustrated = PublishedArticleFactory(
        author=clinician, topics=[trd], body=body + "\n\n[^1]: A source."
    )
    counts = []
    for article in (plain, illustrated):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(article.get_absolute_url())
        counts.append(len(queries))
    # The article page's four queries (test_query_budgets), images or not: the figures
    # are in the stored HTML.
    assert counts == [4, 4]
    assert response.content.decode().count("<figure") == 3


def test_lead_image_is_in_json_ld_and_open_graph(client, clinician):
    first = make_image(clinician, title="First")
    second = make_image(clinician, title="Second")
    body = f"Text.\n\n![](image:{first.pk})\n\n![](image:{second.pk})"
    article = PublishedArticleFactory(author=clinician, body=body)
    page = parse(client.get(article.get_absolute_url()).content.decode())
    og = {m.get("property"): m.get("content") for m in page.select("meta[property]")}
    expected = f"http://testserver{first.rendition_url(1200, 'jpg')}"
    assert og["og:image"] == expected
    assert (og["og:image:width"], og["og:image:height"]) == ("1200", "800")
    assert og["og:image:alt"] == first.alt_text
    data = json.loads(page.one('script[type="application/ld+json"]').text)
    assert data["image"] == {"@type": "ImageObject", "url": expected, "width": 1200, "height": 800}


def test_article_without_images_has_no_og_image(client, clinician):
    article = PublishedArticleFactory(author=clinician)
    page = client.get(article.get_absolute_url()).content.decode()
    assert "og:image" not in page and '"image"' not in page


def test_representation_report_counts_skin_tones_per_topic(client, clinician, editor, trd):
    light = make_image(clinician, title="Light", skin_tones="light")
    dark = make_image(clinician, title="Dark", skin_tones="dark")
    unrecorded = make_image(clinician, title="Unrecorded")
    body = f"![](image:{light.pk})\n\n![](image:{dark.pk})\n\n![](image:{unrecorded.pk})"
    PublishedArticleFactory(author=clinician, body=body, topics=[trd])
    ArticleFactory(author=clinician, body=f"![](image:{dark.pk})", topics=[trd])  # a draft
    client.force_login(editor)
    page = parse(client.get(reverse("admin:articles_image_representation")).content.decode())
    row = next(r for r in page.select("tbody tr") if r.one("th").text == trd.name)
    # Not recorded, light, medium, dark, several.
    assert [cell.text for cell in row.select("td")] == ["1", "1", "0", "1", "0"]


def test_representation_report_is_for_editors(client, clinician):
    client.force_login(clinician)
    assert client.get(reverse("admin:articles_image_representation")).status_code == 404


def test_shared_image_in_a_topic_intro_is_shown_to_readers(
    client, clinician, editor, medical_editor, trd
):
    image = make_image(clinician, shared=True, caption="The device, held upright.")
    client.force_login(editor)
    intro = f"How the spray is held:\n\n![](image:{image.pk})"
    url = reverse("admin:articles_topic_change", args=[trd.pk])
    assert client.post(url, topic_form(trd, intro=intro)).status_code == 302
    assert "<figure" not in client.get(trd.get_absolute_url()).content.decode()  # pending
    client.force_login(medical_editor)  # a second person approves it
    assert press_step(client, trd, "approve_topic", comment="").status_code == 302
    client.logout()
    page = parse(client.get(trd.get_absolute_url()))
    figure = page.select("figure")[0]
    assert figure.one("img").get("alt") == "A nasal spray device held upright"
    assert "The device, held upright." in figure.text
    # A topic page is public: the image's files are served to anyone.
    assert client.get(rendition_url(image)).status_code == 200


def test_unshared_image_in_a_topic_intro_is_refused_with_a_reason(client, clinician, editor, trd):
    image = make_image(clinician)  # the clinician's own, not shared
    client.force_login(editor)
    url = reverse("admin:articles_topic_change", args=[trd.pk])
    response = client.post(url, topic_form(trd, intro=f"![](image:{image.pk})"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["intro"]
    assert f"There is no image {image.pk} in the library that this page may use" in errors[0]
    assert not ImageUse.objects.exists()


def test_withdrawn_consent_takes_the_image_off_topic_pages_too(client, clinician, trd):
    image = make_image(clinician, shared=True, consent=Consent.GIVEN)
    trd.intro = f"Before.\n\n![](image:{image.pk})"
    trd.save()
    assert "<figure" in client.get(trd.get_absolute_url()).content.decode()
    image.consent = Consent.NOT_GIVEN
    image.save()
    page = client.get(trd.get_absolute_url()).content.decode()
    assert "<figure" not in page and image.key not in page
    assert client.get(rendition_url(image)).status_code == 404


def test_phone_photo_saved_as_mpo_is_accepted_as_jpeg():
    first, second = PILImage.new("RGB", (800, 600), "navy"), PILImage.new("RGB", (800, 600))
    out = io.BytesIO()
    first.save(out, "MPO", save_all=True, append_images=[second])
    out.size = len(out.getvalue())
    prepared = images.prepare(out)
    assert prepared.inspected.width == 800
    assert {r.ext for r in prepared.renditions} == {"webp", "jpg"}
