#!/usr/bin/python3
"""Pillow 9.4 resize expectations for src/preprocess/resize.ts.

Run with Debian 12's Pillow (apt-get install python3-pil python3-numpy):
    /usr/bin/python3 scripts/pil_resize_expectations.py > test/fixtures/resize/pillow-resize.json

Inputs are generated deterministically (xorshift32 noise and a 2x2 checkerboard whose hard edges make
BICUBIC/LANCZOS overshoot and clip); test/preprocess-resize.test.ts regenerates the same inputs, resizes them
with our code and compares the sha256 of the output bytes. Each case is resized exactly as the HF processor
does: Image.fromarray(uint8 array) -> img.resize((w, h), resample, reducing_gap=None) -> np.array.
"""

import hashlib
import json
import random
import sys

import numpy as np
import PIL
from PIL import Image

FILTERS = {"NEAREST": 0, "LANCZOS": 1, "BILINEAR": 2, "BICUBIC": 3, "BOX": 4, "HAMMING": 5}

# (in_w, in_h, out_w, out_h): up, down, odd sizes, 1-pixel images, extreme aspect ratios,
# one-axis-only resizes (Pillow skips the other pass), and the sizes the ConvNeXT processor produces.
FIXED_SIZES = [
    (1, 1, 1, 1),
    (1, 1, 5, 7),
    (7, 5, 1, 1),
    (5, 3, 13, 11),
    (3, 5, 36, 60),
    (97, 61, 32, 20),
    (61, 97, 36, 57),
    (160, 120, 48, 36),
    (1, 50, 7, 3),
    (50, 1, 3, 9),
    (200, 3, 17, 40),
    (3, 200, 40, 17),
    (1000, 2, 5, 1),
    (2, 1000, 1, 7),
    (33, 45, 33, 20),
    (33, 45, 20, 45),
    (33, 45, 33, 91),
    (100, 100, 99, 101),
    (41, 23, 64, 36),
    (640, 480, 341, 256),
    (480, 640, 256, 341),
    (300, 200, 384, 384),
    (10, 10, 256, 256),
]


def xorshift_bytes(seed, n):
    """xorshift32 stream, low byte of each state: the test reimplements the same generator."""
    s = seed & 0xFFFFFFFF or 1
    out = bytearray(n)
    for i in range(n):
        s ^= (s << 13) & 0xFFFFFFFF
        s ^= s >> 17
        s ^= (s << 5) & 0xFFFFFFFF
        out[i] = s & 0xFF
    return np.frombuffer(bytes(out), dtype=np.uint8)


def make_input(pattern, w, h, channels, seed):
    if pattern == "noise":
        return xorshift_bytes(seed, w * h * channels).reshape(h, w, channels)
    y, x, c = np.meshgrid(np.arange(h), np.arange(w), np.arange(channels), indexing="ij")
    return np.where((((x >> 1) ^ (y >> 1)) + c) & 1, 255, 0).astype(np.uint8)


def resize(arr, out_w, out_h, resample):
    img = Image.fromarray(arr[:, :, 0] if arr.shape[2] == 1 else arr)
    assert img.mode == ("L" if arr.shape[2] == 1 else "RGB")
    return np.ascontiguousarray(np.array(img.resize((out_w, out_h), resample, reducing_gap=None)))


def main():
    rng = random.Random(20240214)
    sizes = [(s, "fixed") for s in FIXED_SIZES]
    for _ in range(60):
        in_w, in_h = rng.randint(1, 120), rng.randint(1, 120)
        sizes.append(((in_w, in_h, rng.randint(1, 120), rng.randint(1, 120)), "random"))
    cases = []
    seed = 1
    for (in_w, in_h, out_w, out_h), kind in sizes:
        for channels in (1, 3):
            for pattern in ("noise", "checker"):
                arr = make_input(pattern, in_w, in_h, channels, seed)
                for name, resample in FILTERS.items():
                    out = resize(arr, out_w, out_h, resample)
                    cases.append(
                        {
                            "in": [in_w, in_h],
                            "out": [out_w, out_h],
                            "channels": channels,
                            "pattern": pattern,
                            "seed": seed,
                            "filter": name,
                            "resample": resample,
                            "kind": kind,
                            "sha256": hashlib.sha256(out.tobytes()).hexdigest(),
                            # Small outputs in full, so a failing test can say which pixel differs.
                            "bytes": out.reshape(-1).tolist() if out.size <= 48 else None,
                        }
                    )
                seed += 1
    json.dump(
        {
            "what": "sha256 of Pillow's resize of deterministic uint8 images (HxWxC bytes, C-contiguous)",
            "producer": "scripts/pil_resize_expectations.py",
            "pillow": PIL.__version__,
            "numpy": np.__version__,
            "inputs": "noise: xorshift32(seed) low bytes; checker: ((x>>1 ^ y>>1) + c) & 1 ? 255 : 0",
            "count": len(cases),
            "cases": cases,
        },
        sys.stdout,
        separators=(",", ":"),
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
