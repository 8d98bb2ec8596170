#!/usr/bin/env python3
"""Loads a checkpoint written by `convnext train` in the real transformers v4.37.2 (strictly: no missing,
unexpected or mis-shaped key) and compares its logits on the same pixel_values with ours.

usage: check_checkpoint.py DIR PIXELS.safetensors OURS.safetensors
  PIXELS: `convnext preprocess --model DIR IMG... --output PIXELS`; OURS: `convnext forward --model DIR
  --input PIXELS --output OURS`. Run with transformers' src/ and tools/hf-check/stubs on PYTHONPATH (run.sh).
"""
import json
import sys

import torch
import transformers
from safetensors.torch import load_file

directory, pixels_file, ours_file = sys.argv[1:4]
config = json.load(open(f"{directory}/config.json"))
cls = getattr(transformers, config["architectures"][0])
model, info = cls.from_pretrained(directory, output_loading_info=True)
model.eval()
problems = {k: v for k, v in info.items() if v}
print(f"transformers {transformers.__version__}, torch {torch.__version__}: {cls.__name__}.from_pretrained({directory})")
print(f"  loading info: {json.dumps({k: len(v) for k, v in info.items()})}")
if problems:
    sys.exit(f"FAIL: not a strict load: {problems}")
print(f"  id2label: {model.config.id2label}")
pixel_values = load_file(pixels_file)["pixel_values"]
ours = load_file(ours_file)["logits"]
with torch.no_grad():
    logits = model(pixel_values).logits
diff = (logits - ours).abs().max().item()
scale = logits.abs().max().item()
tolerance = 1e-5 + 1e-5 * scale
print(f"  logits {list(logits.shape)}: max|transformers - ours| = {diff:.3e} (max|logits| {scale:.3e}, tolerance {tolerance:.3e})")
for row_hf, row_ours in zip(logits.tolist(), ours.tolist()):
    print(f"    transformers {[round(v, 6) for v in row_hf]}  ours {[round(v, 6) for v in row_ours]}")
if diff > tolerance:
    sys.exit("FAIL: logits differ")
print("PASS")
