"""Draw the site's icons (favicon.ico, PNGs for phones' home screens) without Pillow.

The design is static/img/favicon.svg: a white "H" on the site's blue, in a rounded square.
This draws the same shapes, with 4×4 samples a pixel for smooth edges, and writes them to
static/img/. Run it again after changing the design: `python docs/make_icons.py`.
"""

import struct
import zlib
from pathlib import Path

BLUE = (0, 94, 184)
WHITE = (255, 255, 255)
OUT = Path(__file__).resolve().parent.parent / "static" / "img"
# The shapes on a 64-unit square, as in favicon.svg.
RADIUS = 12
BARS = [(14, 12, 26, 52), (38, 12, 50, 52), (14, 27, 50, 37)]  # x0, y0, x1, y1


def _inside_square(x: float, y: float, rounded: bool) -> bool:
    if not rounded:
        return True
    cx = min(max(x, RADIUS), 64 - RADIUS)
    cy = min(max(y, RADIUS), 64 - RADIUS)
    return (x - cx) ** 2 + (y - cy) ** 2 <= RADIUS**2


def _in_h(x: float, y: float) -> bool:
    return any(x0 <= x <= x1 and y0 <= y <= y1 for x0, y0, x1, y1 in BARS)


def draw(size: int, *, rounded: bool = True) -> bytes:
    """RGBA rows of the icon at `size` pixels (rounded corners off for iOS, which rounds)."""
    samples = 4
    rows = bytearray()
    for py in range(size):
        rows.append(0)  # PNG filter: none
        for px in range(size):
            cover = h = 0
            for sy in range(samples):
                for sx in range(samples):
                    x = (px + (sx + 0.5) / samples) * 64 / size
                    y = (py + (sy + 0.5) / samples) * 64 / size
                    if _inside_square(x, y, rounded):
                        cover += 1
                        h += _in_h(x, y)
            n = samples * samples
            mix = h / cover if cover else 0
            rgb = [round(b * (1 - mix) + w * mix) for b, w in zip(BLUE, WHITE, strict=True)]
            rows.extend([*rgb, round(255 * cover / n)])
    return bytes(rows)


def png(size: int, *, rounded: bool = True) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    idat = zlib.compress(draw(size, rounded=rounded), 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def ico(sizes: list[int]) -> bytes:
    """An .ico holding PNG images (read by every browser since 2010)."""
    images = [png(size) for size in sizes]
    out = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    for size, image in zip(sizes, images, strict=True):
        out += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(image), offset)
        offset += len(image)
    return out + b"".join(images)


if __name__ == "__main__":
    (OUT / "favicon.ico").write_bytes(ico([16, 32, 48]))
    (OUT / "icon-192.png").write_bytes(png(192))
    (OUT / "icon-512.png").write_bytes(png(512))
    (OUT / "apple-touch-icon.png").write_bytes(png(180, rounded=False))
    print("icons written to", OUT)
