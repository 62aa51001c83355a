"""The demo's diagram, drawn here with Pillow (the project's own work: nothing downloaded).

How a dose of esketamine nasal spray reaches the brain, in four labelled steps.
"""

import io

from PIL import Image, ImageDraw, ImageFont

TITLE = "How esketamine nasal spray reaches the brain"
ALT = (
    "Diagram in four steps: the spray goes into each nostril; the lining of the nose "
    "absorbs it; it travels in the blood; in the brain it blocks NMDA receptors, which "
    "leads to new connections between nerve cells within hours."
)
CAPTION = "Esketamine works differently from older antidepressants, which take weeks."
CREDIT = "Health Hub, drawn for this article"

STEPS = [
    ("1. Spray", "One spray into\neach nostril"),
    ("2. Nose lining", "Absorbs it in\nabout 20 minutes"),
    ("3. Blood", "Carries it to\nthe brain"),
    ("4. Brain", "Blocks NMDA\nreceptors; new\nconnections form\nwithin hours"),
]
INK, BRAND, TINT, PAPER = (11, 12, 12), (0, 94, 184), (232, 241, 250), (255, 255, 255)


def draw() -> bytes:
    width, height = 1600, 560
    picture = Image.new("RGB", (width, height), PAPER)
    pen = ImageDraw.Draw(picture)
    heading = ImageFont.load_default(size=44)
    label = ImageFont.load_default(size=36)
    body = ImageFont.load_default(size=32)
    pen.text((60, 50), TITLE, font=heading, fill=INK)
    box_w, box_h, gap, top = 320, 320, 66, 170
    for index, (name, words) in enumerate(STEPS):
        left = 60 + index * (box_w + gap)
        pen.rounded_rectangle(
            (left, top, left + box_w, top + box_h), radius=24, fill=TINT, outline=BRAND, width=4
        )
        pen.text((left + 24, top + 30), name, font=label, fill=BRAND)
        pen.multiline_text((left + 24, top + 100), words, font=body, fill=INK, spacing=12)
        if index < len(STEPS) - 1:
            y = top + box_h // 2
            start, end = left + box_w + 8, left + box_w + gap - 8
            pen.line((start, y, end - 14, y), fill=INK, width=6)
            pen.polygon([(end, y), (end - 20, y - 14), (end - 20, y + 14)], fill=INK)
    out = io.BytesIO()
    picture.save(out, "PNG", optimize=True)
    return out.getvalue()
