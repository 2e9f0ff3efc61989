"""The demo's stand-in scans are real files: a PNG any decoder reads, a PDF with a sound xref."""

from __future__ import annotations

import io
import re

import filetype
from PIL import Image

from backend import demo_files


def test_the_sample_png_decodes_to_its_size() -> None:
    content = demo_files.sample_png(60, 40)
    assert filetype.guess(content).mime == "image/png"
    with Image.open(io.BytesIO(content)) as image:
        image.load()
        assert image.size == (60, 40) and image.getpixel((0, 0)) == demo_files.INK


def test_the_sample_pdf_points_its_xref_at_every_object() -> None:
    content = demo_files.sample_pdf("Sample")
    assert filetype.guess(content).mime == "application/pdf"
    start = int(re.search(rb"startxref\n(\d+)", content).group(1))
    assert content[start:].startswith(b"xref\n0 6\n")
    offsets = [int(n) for n in re.findall(rb"(\d{10}) 00000 n", content)]
    assert [content[o:].split(b" ", 1)[0] for o in offsets] == [b"1", b"2", b"3", b"4", b"5"]
