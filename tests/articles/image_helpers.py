"""Image files for the library's tests, made by Pillow here (nothing downloaded)."""

import io

from PIL import Image as PILImage
from PIL import PngImagePlugin

from articles import images, library
from articles.models import Consent, Image


def jpeg_bytes(width=1200, height=800, *, gps=False, color=(30, 120, 200)) -> bytes:
    picture = PILImage.new("RGB", (width, height), color)
    exif = PILImage.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    exif[0x0110] = "SecretPhone 9"  # Model
    if gps:
        # GPSInfo: latitude 51° 30' N, longitude 0° 7' W (London).
        exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}
    out = io.BytesIO()
    picture.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def png_bytes(width=600, height=400, *, text: dict | None = None, alpha=False) -> bytes:
    picture = PILImage.new("RGBA" if alpha else "RGB", (width, height), (200, 40, 40))
    info = PngImagePlugin.PngInfo()
    for key, value in (text or {}).items():
        info.add_text(key, value)
    out = io.BytesIO()
    picture.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def make_image(owner, *, data: bytes | None = None, **fields) -> Image:
    """A library image stored as an upload through the admin would be."""
    upload = io.BytesIO(data or jpeg_bytes())
    upload.size = len(upload.getvalue())
    image = Image(
        uploaded_by=owner,
        title=fields.pop("title", "Nasal spray device"),
        alt_text=fields.pop("alt_text", "A nasal spray device held upright"),
        consent=fields.pop("consent", Consent.NO_PEOPLE),
        **fields,
    )
    library.set_file(image=image, prepared=images.prepare(upload))
    image.save()
    return image
