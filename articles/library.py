"""The image library's writes: an upload becomes stored renditions (articles/images.py).

Files are stored under a new random key each time an image's file is set, so a changed
image never shares an address with its old renditions: browsers and CDNs holding the old
ones cannot show them in its place, and nothing needs purging. The old files are deleted
once the new ones are committed (upkeep.image_changed re-renders the pages using it).
"""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from . import images
from .models import Image, new_image_key


def set_file(*, image: Image, prepared: images.Prepared) -> None:
    """Store the renditions of an upload (images.prepare()) under a new key and point
    `image` at them; the caller saves it."""
    inspected, made = prepared.inspected, prepared.renditions
    old_key, old_renditions = image.key, list(image.renditions)
    key = new_image_key()
    for rendition in made:
        default_storage.save(
            Image.file_name(key, rendition.width, rendition.ext), ContentFile(rendition.data)
        )
    largest = max(made, key=lambda r: r.width)
    image.key = key
    image.format = inspected.format
    image.width, image.height = largest.width, largest.height
    image.renditions = [[r.width, r.height, r.ext] for r in made]
    if old_renditions:
        old = Image(key=old_key, renditions=old_renditions)
        transaction.on_commit(old.delete_files)


def delete_image(*, image: Image) -> None:
    """Delete an image no article uses (ImageUse protects used ones) and its files."""
    with transaction.atomic():
        image.delete()
        transaction.on_commit(image.delete_files)
