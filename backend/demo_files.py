"""Stand-in scans for the demo's applications: a PNG photo and a one-page PDF, drawn in plain
Python so the demo needs no imaging library. Both are real files a browser shows inline."""

from __future__ import annotations

import struct
import zlib

PAPER, INK, RULE = (244, 241, 234), (11, 61, 145), (177, 180, 182)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def _pixel(x: int, y: int, width: int, height: int) -> tuple[int, int, int]:
    """A document photographed on a desk: a framed sheet with ruled lines and a photo box."""
    if min(x, y, width - 1 - x, height - 1 - y) < 6:
        return INK
    if 24 <= x < 120 and 28 <= y < 148:
        return (205, 214, 228)  # where the photo on an ID card would be
    if x > 140 and y > 40 and (y - 40) % 28 < 2 and x < width - 24:
        return RULE
    return PAPER


def sample_png(width: int = 420, height: int = 260) -> bytes:
    """A small RGB PNG that looks like a photographed paper document."""
    rows = b"".join(
        b"\x00" + b"".join(bytes(_pixel(x, y, width, height)) for x in range(width))
        for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(rows, 9)) + _png_chunk(b"IEND", b""))


def sample_pdf(title: str) -> bytes:
    """A one-page A4 PDF with a title (ASCII: the standard fonts have no Chinese) and rules."""
    lines = "".join(f"72 {700 - 28 * n} m 523 {700 - 28 * n} l S\n" for n in range(12))
    content = (f"0.04 0.24 0.57 RG 4 w 36 36 523 770 re S\n0.7 0.7 0.7 RG 1 w\n{lines}"
               f"BT /F1 22 Tf 72 760 Td ({title}) Tj ET\n").encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)
