#!/usr/bin/python3
"""Pillow 9.4 resize expectations for src/preprocess/resize.ts.

Run with Debian 12's Pillow (apt-get install python3-pil python3-numpy), from the repository root:
    /usr/bin/python3 tools/pil_resize_expectations.py
It writes test/fixtures/resize/pillow-resize.json and test/fixtures/resize/tiny-3x5-correct.json.

Inputs are generated deterministically (xorshift32 noise and a 2x2 checkerboard whose hard edges make
BICUBIC/LANCZOS overshoot and clip); test/preprocess-resize.test.ts regenerates the same inputs, resizes them
with our code and compares the sha256 of the output bytes. Each case is resized exactly as the HF processor
does: Image.fromarray(uint8 array) -> img.resize((w, h), resample, reducing_gap=None) -> np.array.
"""

import hashlib
import json
import random

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
    with open("test/fixtures/resize/pillow-resize.json", "w") as out:
        write_cases(cases, out)
    with open("test/fixtures/resize/tiny-3x5-correct.json", "w") as out:
        tiny_correct(out)


def tiny_correct(out):
    """test/fixtures/preprocess/images/tiny_3x5.png (5 wide, 3 high) through the processor steps HF intends.

    HF's infer_channel_dimension_format reads a HxWx3 array with H == 3 as channels-first, so the fixture's
    expected arrays for this image are garbage; this is the resize + crop done on the real layout with Pillow:
    shortest_edge 32, crop_pct 0.875 -> short side int(32 / 0.875) = 36, long side int(36 * 5 / 3) = 60,
    bicubic, centre crop 32x32 at top (36 - 32) // 2 = 2, left (60 - 32) // 2 = 14.
    """
    img = Image.open("test/fixtures/preprocess/images/tiny_3x5.png").convert("RGB")
    arr = np.array(img)
    assert arr.shape == (3, 5, 3)
    resized = np.array(Image.fromarray(arr).resize((60, 36), Image.BICUBIC, reducing_gap=None))
    crop = np.ascontiguousarray(resized[2:34, 14:46])
    json.dump(
        {
            "what": "correct resize + centre crop of tiny_3x5.png (HF misreads it as channels-first)",
            "producer": "tools/pil_resize_expectations.py",
            "pillow": PIL.__version__,
            "resized_before_crop_hw": [36, 60],
            "crop_top_left": [2, 14],
            "shape": list(crop.shape),
            "resized": crop.reshape(-1).tolist(),
        },
        out,
        separators=(",", ":"),
    )
    out.write("\n")


def write_cases(cases, out):
    json.dump(
        {
            "what": "sha256 of Pillow's resize of deterministic uint8 images (HxWxC bytes, C-contiguous)",
            "producer": "tools/pil_resize_expectations.py",
            "pillow": PIL.__version__,
            "numpy": np.__version__,
            "inputs": "noise: xorshift32(seed) low bytes; checker: ((x>>1 ^ y>>1) + c) & 1 ? 255 : 0",
            "count": len(cases),
            "cases": cases,
        },
        out,
        separators=(",", ":"),
    )
    out.write("\n")


if __name__ == "__main__":
    main()
