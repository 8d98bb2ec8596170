#!/usr/bin/env python3
"""BMP and GIF test files and what Pillow 9.4 makes of them (test/preprocess/bmp-gif.test.ts).

1. `make`: writes test/fixtures/images/generated/ from two real photos of the corpus (hopper, chelsea):
   BMP and GIF variants written by ImageMagick 6.9 and Pillow 9.4 (Debian 12), and a few GIFs whose
   structure is rewritten here (a local palette on the first frame, a frame smaller than the screen).
2. `expect`: for every .bmp/.gif under test/fixtures/images (bmp/, gif/, generated/), what
   transformers' load_image gives with Pillow 9.4: Image.open, ImageOps.exif_transpose, convert("RGB");
   its mode and size before the conversion and the sha256 of the RGB array, or the error Pillow raises.
   -> test/fixtures/images/bmp-gif-pil.json

Run with Debian's python3-pil and imagemagick: /usr/bin/python3 tools/bmp_gif_fixtures.py make expect
"""
import hashlib
import io
import json
import os
import subprocess
import sys

import numpy as np
from PIL import Image, ImageOps

ROOT = "test/fixtures/images"
OUT = f"{ROOT}/generated"
HOPPER = f"{ROOT}/photos/pillow/hopper.png"
CHELSEA = f"{ROOT}/photos/scikit-image/chelsea.png"


def magick(src, args, dest):
    """convert SRC ARGS DEST; a last argument "BMP3:" (a format prefix) goes in front of DEST."""
    if args and args[-1].endswith(":"):
        args, dest = args[:-1], args[-1] + dest
    subprocess.run(["convert", src, *args, dest], check=True)


def rewrite_gif(data, *, local_palette=False, keep_global=None, local_table=None, screen=None, offset=None):
    """Moves a one-frame GIF's global palette into the frame (local_palette; its colours replaced by
    `local_table` when given), optionally keeps another global palette (keep_global: bytes), and places the
    frame at `offset` on a `screen` (w, h)."""
    head, rest = bytearray(data[:13]), data[13:]
    flags = head[10]
    table = b""
    if flags & 0x80:
        size = 3 << ((flags & 7) + 1)
        table, rest = rest[:size], rest[size:]
    pos = rest.index(b",")  # the image descriptor (after any extensions)
    exts, desc, body = rest[:pos], bytearray(rest[pos : pos + 10]), rest[pos + 10 :]
    if desc[9] & 0x80:
        raise ValueError("frame already has a local palette")
    if local_palette:
        desc[9] |= 0x80 | (flags & 7)
        body = (local_table or table) + body
        if keep_global is None:
            head[10] &= 0x7F
            table = b""
        else:
            table = keep_global
    if screen:
        head[6:10] = screen[0].to_bytes(2, "little") + screen[1].to_bytes(2, "little")
    if offset:
        desc[1:5] = offset[0].to_bytes(2, "little") + offset[1].to_bytes(2, "little")
    return bytes(head) + table + exts + bytes(desc) + body


def make():
    os.makedirs(f"{OUT}/bmp", exist_ok=True)
    os.makedirs(f"{OUT}/gif", exist_ok=True)
    small = "97x61!"  # odd sizes: row padding and nibble/bit packing end mid-byte
    # ImageMagick BMPs
    for name, args in {
        "im-rgb24.bmp": ["-resize", small, "BMP3:"],
        "im-pal8.bmp": ["-resize", small, "-colors", "200", "-type", "Palette", "BMP3:"],
        "im-pal8-rle.bmp": ["-resize", small, "-colors", "200", "-type", "Palette", "-compress", "RLE", "BMP3:"],
        "im-pal4.bmp": ["-resize", small, "-colors", "16", "-type", "Palette", "BMP3:"],
        "im-pal4-rle.bmp": ["-resize", small, "-colors", "16", "-type", "Palette", "-compress", "RLE", "BMP3:"],
        "im-pal1.bmp": ["-resize", small, "-colors", "2", "-type", "Palette", "BMP3:"],
        "im-grey8.bmp": ["-resize", small, "-colorspace", "Gray", "-type", "Grayscale", "BMP3:"],
        "im-rgb565.bmp": ["-resize", small, "-define", "bmp:subtype=RGB565", "BMP:"],
        "im-rgb555.bmp": ["-resize", small, "-define", "bmp:subtype=RGB555", "BMP:"],
        "im-argb4444.bmp": ["-resize", small, "-alpha", "set", "-define", "bmp:subtype=ARGB4444", "BMP:"],
        "im-bgra32.bmp": ["-resize", small, "-alpha", "set", "-channel", "A", "-evaluate", "set", "60%", "+channel", "BMP:"],
        "im-rgb24-v5.bmp": ["-resize", small, "BMP:"],
        "im-rgb24-os2.bmp": ["-resize", small, "BMP2:"],
    }.items():
        magick(CHELSEA, args, f"{OUT}/bmp/{name}")
    # Pillow's own BMPs, one per mode it writes
    base = Image.open(CHELSEA).resize((97, 61))
    for mode in ["1", "L", "P", "RGB", "RGBA"]:
        im = base.convert(mode) if mode != "P" else base.quantize(77)
        if mode == "RGBA":
            im.putalpha(Image.linear_gradient("L").resize(im.size))
        im.save(f"{OUT}/bmp/pil-{mode.lower()}.bmp")
    # ImageMagick GIFs
    for name, args in {
        "im-interlaced.gif": ["-resize", "151x97!", "-interlace", "GIF"],
        "im-colors2.gif": ["-resize", small, "-colors", "2"],
        "im-colors4-interlaced.gif": ["-resize", small, "-colors", "4", "-interlace", "GIF"],
        "im-colors32.gif": ["-resize", small, "-colors", "32"],
        "im-photo-320.gif": ["-resize", "320x213!"],
    }.items():
        magick(CHELSEA, args, f"{OUT}/gif/{name}")
    # transparency: a hole in the middle, interlaced
    magick(
        HOPPER,
        ["-resize", "61x77!", "-alpha", "set", "-region", "20x30+10+20", "-alpha", "transparent", "+region", "-interlace", "GIF"],
        f"{OUT}/gif/im-transparent-interlaced.gif",
    )
    # an animated GIF whose later frames carry local palettes (the first frame is what load_image reads)
    subprocess.run(
        ["convert", "-delay", "10", HOPPER, "-resize", "64x64!", CHELSEA, "-resize", "64x64!", "+map", f"{OUT}/gif/im-animated-local-palettes.gif"],
        check=True,
    )
    # Pillow GIFs: greyscale (its palette is the identity ramp: Pillow reads it back as mode L), palette
    grey = io.BytesIO()
    base.convert("L").save(grey, "GIF")
    open(f"{OUT}/gif/pil-grey.gif", "wb").write(grey.getvalue())
    pal = io.BytesIO()
    base.quantize(50).save(pal, "GIF", interlace=True, transparency=3)
    open(f"{OUT}/gif/pil-p-transparency.gif", "wb").write(pal.getvalue())
    # structure rewritten: the first frame's palette local (without, and under another, global palette);
    # a frame smaller than the screen, at an offset, with and without transparency (the rest of the screen
    # is index 0, or the transparent index)
    plain = io.BytesIO()
    base.quantize(40).save(plain, "GIF")
    data = plain.getvalue()
    open(f"{OUT}/gif/local-palette-only.gif", "wb").write(rewrite_gif(data, local_palette=True))
    other = bytes(range(256))[::-1] * 3
    open(f"{OUT}/gif/local-palette-over-global.gif", "wb").write(
        rewrite_gif(data, local_palette=True, keep_global=other[: 3 << ((data[10] & 7) + 1)])
    )
    # a local palette that is the identity grey ramp under a global one: Pillow reports mode L, yet its
    # Image.load() puts the global palette on the image, and convert("RGB") looks the pixels up in it
    size = 3 << ((data[10] & 7) + 1)
    open(f"{OUT}/gif/local-grey-ramp-under-global.gif", "wb").write(
        rewrite_gif(
            data,
            local_palette=True,
            keep_global=other[:size],
            local_table=bytes(v for i in range(size // 3) for v in (i, i, i)),
        )
    )
    open(f"{OUT}/gif/frame-offset.gif", "wb").write(rewrite_gif(data, screen=(120, 80), offset=(13, 9)))
    open(f"{OUT}/gif/frame-offset-transparency.gif", "wb").write(
        rewrite_gif(pal.getvalue(), screen=(110, 70), offset=(5, 4))
    )
    # a frame that runs past the screen: Pillow grows the image to hold it
    open(f"{OUT}/gif/frame-past-screen.gif", "wb").write(rewrite_gif(data, screen=(50, 30), offset=(7, 3)))


def expect():
    entries = []
    for folder in ["bmp", "gif", "generated"]:
        for dirpath, _, files in os.walk(f"{ROOT}/{folder}"):
            for f in sorted(files):
                if not f.lower().endswith((".bmp", ".gif")):
                    continue
                path = os.path.join(dirpath, f)
                rel = os.path.relpath(path, ROOT)
                try:
                    im = Image.open(path)
                    mode, size = im.mode, im.size
                    rgb = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
                    entries.append(
                        {
                            "path": rel,
                            "mode": mode,
                            "size": list(size),
                            "shape": list(rgb.shape),
                            "sha256": hashlib.sha256(np.ascontiguousarray(rgb).tobytes()).hexdigest(),
                        }
                    )
                except Exception as e:  # noqa: BLE001 - every failure is an expected outcome to record
                    entries.append({"path": rel, "error": f"{type(e).__name__}: {e}"})
    entries.sort(key=lambda e: e["path"])
    json.dump(
        {
            "what": "load_image (Image.open, exif_transpose, convert('RGB')) of every BMP and GIF test file",
            "producer": "tools/bmp_gif_fixtures.py expect",
            "pillow": Image.__version__,
            "numpy": np.__version__,
            "files": entries,
        },
        open(f"{ROOT}/bmp-gif-pil.json", "w"),
        indent=1,
    )
    print(f"{len(entries)} files, {sum('error' in e for e in entries)} refused by Pillow")


if __name__ == "__main__":
    for step in sys.argv[1:]:
        {"make": make, "expect": expect}[step]()
