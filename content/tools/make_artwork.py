#!/usr/bin/env python3
"""Generate content/artwork.png (1400x1400) for the Load Path example show.

Standard library only: the image is drawn row by row into a bytearray and
written as a PNG with zlib + struct. Flat colours keep the file small.

    python3 content/tools/make_artwork.py            # writes content/artwork.png
    python3 content/tools/make_artwork.py out.png    # or somewhere else
"""
import math
import struct
import sys
import zlib
from pathlib import Path

SIZE = 1400

BACKGROUND = (24, 44, 66)     # deep blue
SUN = (242, 170, 76)          # amber
ARCH = (236, 232, 220)        # off-white stone
DECK = (236, 232, 220)
WATER = (38, 92, 118)         # lighter blue
POSTS = (200, 196, 186)


def chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def pixel(x: int, y: int) -> tuple:
    """Colour of one pixel: later shapes are painted over earlier ones."""
    colour = BACKGROUND
    # sun, partly behind the bridge
    if (x - 980) ** 2 + (y - 470) ** 2 <= 190 ** 2:
        colour = SUN
    # water below the deck line
    if y >= 1000:
        colour = WATER
        # a few flat horizontal ripples
        if y in range(1080, 1090) and 260 <= x <= 620 or y in range(1160, 1170) and 760 <= x <= 1180:
            colour = BACKGROUND
    # arch: a half ring centred on (700, 1000)
    r = math.hypot(x - 700, y - 1000)
    if y <= 1000 and 470 <= r <= 540:
        colour = ARCH
    # vertical members between arch and deck: hangers where the arch rises
    # above the deck, struts where it runs below it (a through-arch bridge)
    for px in range(250, 1151, 90):
        if abs(x - px) <= 7:
            arch_y = 1000 - math.sqrt(max(0.0, 505 ** 2 - (px - 700) ** 2))
            if min(arch_y, 620) <= y <= max(arch_y, 620) and colour != ARCH:
                colour = POSTS
    # deck
    if 600 <= y < 640 and 120 <= x < 1280:
        colour = DECK
    # abutments at both ends of the arch
    if 1000 <= y < 1040 and (140 <= x < 260 or 1140 <= x < 1260):
        colour = ARCH
    return colour


def render() -> bytes:
    raw = bytearray()
    for y in range(SIZE):
        raw.append(0)  # filter type 0 (None) for every row
        for x in range(SIZE):
            raw.extend(pixel(x, y))
    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b""))


def main() -> None:
    default = Path(__file__).resolve().parent.parent / "artwork.png"
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    out.write_bytes(render())
    print(f"wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
