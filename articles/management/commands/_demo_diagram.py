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


def _arrow(pen, start, end) -> None:
    (x1, y1), (x2, y2) = start, end
    pen.line((x1, y1, x2, y2), fill=INK, width=8)
    if x1 == x2:  # downwards
        pen.polygon([(x2, y2 + 22), (x2 - 18, y2 - 2), (x2 + 18, y2 - 2)], fill=INK)
    else:
        tip = 22 if x2 > x1 else -22
        pen.polygon([(x2 + tip, y2), (x2, y2 - 18), (x2, y2 + 18)], fill=INK)


def draw() -> bytes:
    """Two rows read as a loop (1 → 2, down to 3, back to 4), so that on a phone, where the
    figure is about 350 px wide, the words stay large enough to read."""
    width, height = 1400, 1060
    picture = Image.new("RGB", (width, height), PAPER)
    pen = ImageDraw.Draw(picture)
    heading = ImageFont.load_default(size=52)
    label = ImageFont.load_default(size=50)
    body = ImageFont.load_default(size=42)
    pen.text((50, 40), TITLE, font=heading, fill=INK)
    box_w, box_h = 560, 390
    corners = [(50, 140), (790, 140), (790, 620), (50, 620)]  # 1, 2 on top; 4, 3 below
    for (left, top), (name, words) in zip(corners, STEPS, strict=True):
        pen.rounded_rectangle(
            (left, top, left + box_w, top + box_h), radius=28, fill=TINT, outline=BRAND, width=5
        )
        pen.text((left + 30, top + 28), name, font=label, fill=BRAND)
        pen.multiline_text((left + 30, top + 110), words, font=body, fill=INK, spacing=14)
    _arrow(pen, (50 + box_w + 20, 335), (790 - 42, 335))  # 1 → 2
    _arrow(pen, (790 + box_w // 2, 140 + box_h + 12), (790 + box_w // 2, 620 - 36))  # 2 ↓ 3
    _arrow(pen, (790 - 20, 815), (50 + box_w + 42, 815))  # 3 → 4
    out = io.BytesIO()
    picture.save(out, "PNG", optimize=True)
    return out.getvalue()
