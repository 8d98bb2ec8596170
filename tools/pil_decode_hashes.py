#!/usr/bin/env python3
"""Regenerate test/fixtures/jpeg-expected.json: what Pillow decodes from every JPEG in test/fixtures/images.

Run with Debian 12's Pillow 9.4 / libjpeg-turbo 2.1.5 (the reference of the JPEG decoder):
    apt-get install -y python3-pil python3-numpy
    /usr/bin/python3 tools/pil_decode_hashes.py

For each file: {mode, shape, sha256} of np.array(Image.open(f)) after load(), or {error} when Pillow refuses it.
"truncated" holds the same for the first half of a few files, decoded with ImageFile.LOAD_TRUNCATED_IMAGES.
CI does not need Python: the generated JSON is committed.
"""

import hashlib
import io
import json
import os
import sys

import numpy as np
import PIL
from PIL import Image, ImageFile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures")
IMAGES = os.path.join(ROOT, "images")
OUT = os.path.join(ROOT, "jpeg-expected.json")
TRUNCATED = [
    "photos/opencv/baboon.jpg",
    "jpeg/jpeg-js/skater-progressive.jpg",
    "jpeg/libjpeg-turbo/testorig.jpg",
    "jpeg/libjpeg-turbo/testimgint.jpg",
]


def is_jpeg(path, data):
    return path.lower().endswith((".jpg", ".jpeg")) or data[:3] == b"\xff\xd8\xff"


def decode(data, allow_truncated=False):
    ImageFile.LOAD_TRUNCATED_IMAGES = allow_truncated
    try:
        with Image.open(io.BytesIO(data)) as im:
            if im.format != "JPEG":
                return {"error": f"not a JPEG ({im.format})"}
            im.load()
            a = np.ascontiguousarray(np.array(im))
            return {"mode": im.mode, "shape": list(a.shape), "sha256": hashlib.sha256(a.tobytes()).hexdigest()}
    except Exception as e:  # Pillow's refusal is the expectation
        return {"error": f"{type(e).__name__}: {e}"}
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = False


def main():
    files = {}
    for dirpath, _, names in os.walk(IMAGES):
        for name in names:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, IMAGES).replace(os.sep, "/")
            with open(full, "rb") as f:
                data = f.read()
            if is_jpeg(rel, data):
                files[rel] = decode(data)
    truncated = {}
    for rel in TRUNCATED:
        with open(os.path.join(IMAGES, rel), "rb") as f:
            data = f.read()
        truncated[rel] = decode(data[: len(data) // 2], allow_truncated=True)
    result = {
        "what": "np.array(Image.open(f)) after load() for every JPEG under images/ (by extension or FF D8 FF magic)",
        "producer": "tools/pil_decode_hashes.py",
        "pillow": PIL.__version__,
        "numpy": np.__version__,
        "files": dict(sorted(files.items())),
        "truncated": {
            "what": "first len//2 bytes of the file, ImageFile.LOAD_TRUNCATED_IMAGES = True",
            "files": truncated,
        },
    }
    with open(OUT, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT}: {len(files)} files, {sum('sha256' in v for v in files.values())} decoded", file=sys.stderr)


if __name__ == "__main__":
    main()
