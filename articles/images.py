"""Uploaded images: what a file really is, and the renditions readers are sent.

No models here (the content layer): `inspect()` decodes an upload and either returns what
it is or raises `BadImage` with a message for the person uploading; `renditions()` makes
the resized, re-encoded files that are stored and served.

Why decoding and re-encoding rather than trusting the file:
- The real type is what Pillow decodes, never the name or the browser's content type: a
  text file named .jpg, an SVG (which can carry script) and a GIF polyglot are refused.
- Pixel limits are read from the header before any pixel is decoded, so a small file that
  would unpack to gigabytes (a decompression bomb) costs nothing.
- Renditions are new files written from the pixels alone: EXIF (GPS position, camera
  serial), XMP, ICC comments and PNG text chunks are not carried over, nor anything
  appended after the image data. The upload itself is not kept: the largest rendition is
  the library's copy, so no stored file carries the camera's metadata.
- JPEGs are decoded in draft mode (the decoder scales by 1/2, 1/4 or 1/8 while reading),
  so a 6,000 x 4,000 photo never needs its full 72 MB of pixels in memory.

Renditions are made once, at upload (the widths are few and known), so serving one is
reading a file; nothing is resized per request.
"""

import io
import re
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError, features

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# 6,000 x 4,000 (24 MP, a good phone or camera) fits with room; 30,000 x 30,000 does not.
MAX_PIXELS = 50_000_000
MIN_SIDE = 16
# The widths readers' browsers choose from (srcset); none is wider than the upload.
WIDTHS = (480, 960, 1600)

# Pillow's format name: what uploaders are told. Phones save many photos as MPO (a JPEG
# with a second, depth or preview picture): the first picture is the photo.
ACCEPTED = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
if features.check("avif"):
    ACCEPTED["AVIF"] = "AVIF"

CONTENT_TYPES = {"webp": "image/webp", "jpg": "image/jpeg", "png": "image/png"}

# Markup in a PNG text chunk or JPEG comment means a file built to be read as something
# else too (a polyglot); no camera or drawing program writes it.
_MARKUP = re.compile(rb"<\s*(script|svg|html|iframe|object|embed|\?php)\b", re.I)

# Pillow's own guard raises for more than twice its limit and warns below; ours is
# checked first, from the header, and decides.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class BadImage(ValueError):
    """The upload is not an image the library takes; str() says why and what to do."""


@dataclass(frozen=True)
class Inspected:
    format: str  # Pillow's name: JPEG, PNG, WEBP, AVIF
    width: int  # as displayed (after the EXIF orientation is applied)
    height: int


@dataclass(frozen=True)
class Rendition:
    width: int
    height: int
    ext: str  # "webp", "jpg" or "png": the served Content-Type follows from it
    data: bytes


def _accepted_list() -> str:
    return ", ".join(dict.fromkeys(ACCEPTED.values()))


def inspect(upload) -> Inspected:
    """Decode `upload` (a file object with .size) fully; raise BadImage if it is not a
    whole, reasonably sized JPEG, PNG, WebP (or AVIF) image."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise BadImage(
            f"This file is {size / 1024 / 1024:.0f} MB; the limit is "
            f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB. Export it at a smaller size "
            "(2,000 to 3,000 pixels wide is plenty) and upload that."
        )
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    if b"<svg" in head.lower() or head.lstrip().startswith(b"<"):
        raise BadImage(
            "SVG and other text files are not accepted: they can carry script. Export the "
            f"diagram as PNG (or {_accepted_list()}) and upload that."
        )
    try:
        with Image.open(upload) as image:
            fmt = image.format
            width, height = image.size
            if fmt not in ACCEPTED:
                raise BadImage(
                    f"This is a {fmt} file. The library takes {_accepted_list()}: save it "
                    "as one of those and upload it again."
                )
            if width * height > MAX_PIXELS:
                raise BadImage(
                    f"This image is {width:,} x {height:,} pixels, more than the "
                    f"{MAX_PIXELS // 1_000_000} million the library takes. Resize it "
                    "(2,000 to 3,000 pixels wide is plenty) and upload it again."
                )
            if min(width, height) < MIN_SIDE:
                raise BadImage(f"This image is too small to show ({width} x {height} pixels).")
            if _has_markup(image):
                raise BadImage(
                    "This file carries web page code in its metadata, which images from "
                    "cameras and drawing programs never do. Open it in an image editor, "
                    "export it again and upload the export."
                )
            if fmt in {"JPEG", "MPO"}:
                # Scaled decoding still reads every byte: truncation is found, at a
                # quarter of the memory and time.
                image.draft("RGB", (WIDTHS[-1], WIDTHS[-1]))
            # The whole image, decoded: a truncated or corrupt file fails here.
            image.load()
            # The size as shown: EXIF may say the camera was turned (the decoded size
            # may be a draft's, so only whether the sides swap is taken from it).
            oriented = ImageOps.exif_transpose(image)
            if oriented.size != image.size:
                width, height = height, width
    except BadImage:
        raise
    except Image.DecompressionBombError:
        raise BadImage(
            f"This image has more than the {MAX_PIXELS // 1_000_000} million pixels the "
            "library takes. Resize it (2,000 to 3,000 pixels wide is plenty) and upload it "
            "again."
        ) from None
    except UnidentifiedImageError:
        raise BadImage(
            f"This file is not an image the library can read. Upload a {_accepted_list()} "
            "file (a file's name ending in .jpg does not make it one)."
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise BadImage(
            "This image is damaged or incomplete (perhaps the upload was cut short). "
            "Open it on your computer to check it, then upload it again."
        ) from None
    finally:
        upload.seek(0)
    return Inspected(format=fmt, width=width, height=height)


def _has_markup(image: Image.Image) -> bool:
    texts = [v for v in image.info.values() if isinstance(v, str | bytes)]
    texts += [v for v in getattr(image, "text", {}).values() if isinstance(v, str)]
    return any(_MARKUP.search(t.encode() if isinstance(t, str) else t) for t in texts)


def renditions(upload) -> list[Rendition]:
    """The files readers get: each width in WIDTHS up to the image's own (and its own
    width when narrower than all), as WebP and as a fallback (JPEG, or PNG when the image
    has transparency), with no metadata. `upload` must have passed inspect()."""
    upload.seek(0)
    with Image.open(upload) as image:
        if image.format in {"JPEG", "MPO"}:
            # Decode at the smallest scale that still covers the widest rendition.
            image.draft("RGB", (WIDTHS[-1], WIDTHS[-1]))
        image = ImageOps.exif_transpose(image)
        alpha = image.mode in ("RGBA", "LA", "PA") or (
            image.mode == "P" and "transparency" in image.info
        )
        image = image.convert("RGBA" if alpha else "RGB")
        widths = [w for w in WIDTHS if w < image.width] + [min(image.width, WIDTHS[-1])]
        made = []
        for width in sorted(set(widths), reverse=True):
            height = max(1, round(image.height * width / image.width))
            # Each smaller size from the previous one: less work than from the original.
            image = image if image.width == width else image.resize((width, height), Image.LANCZOS)
            made.append(Rendition(width, height, "webp", _encode(image, "WEBP", quality=80)))
            if alpha:
                made.append(Rendition(width, height, "png", _encode(image, "PNG", optimize=True)))
            else:
                made.append(
                    Rendition(
                        width,
                        height,
                        "jpg",
                        _encode(image, "JPEG", quality=82, optimize=True, progressive=True),
                    )
                )
    upload.seek(0)
    return sorted(made, key=lambda r: (r.width, r.ext))


@dataclass(frozen=True)
class Prepared:
    inspected: Inspected
    renditions: list[Rendition]


def prepare(upload) -> Prepared:
    """inspect() and renditions() in one: what the library stores for an upload. Raises
    BadImage, with the reason, for any file it cannot make renditions of."""
    inspected = inspect(upload)
    try:
        made = renditions(upload)
    except (OSError, ValueError, EOFError):
        raise BadImage(
            "This image could not be converted for the web. Open it in an image editor, "
            "export it again as JPEG or PNG and upload the export."
        ) from None
    return Prepared(inspected, made)


def _encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    # No exif=, icc_profile= or pnginfo= argument: the new file carries pixels only.
    image.save(out, fmt, **options)
    return out.getvalue()
