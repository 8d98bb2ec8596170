#!/usr/bin/env python3
"""Writes test/fixtures/timm-registry.json: the state_dict keys and shapes of every ConvNeXt / ConvNeXt V2 model in
timm's registry, as the real timm builds them with their registered defaults (on the meta device: no weights).
test/pretrained/timm-registry.test.ts checks that each builds here with exactly these parameters.

  PYTHONPATH=/path/to/timm /usr/bin/python3 tools/timm_registry.py
"""
import json, os, timm, torch

names = sorted(n for n in timm.list_models() if n.startswith(("convnext", "convnextv2", "test_convnext")))
out = {"producer": f"tools/timm_registry.py, timm {timm.__version__}, torch {torch.__version__}", "models": {}}
for n in names:
    m = timm.create_model(n, pretrained=False, device="meta")
    out["models"][n] = [[k, list(v.shape)] for k, v in m.state_dict().items()]
path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "timm-registry.json")
with open(path, "w") as f:
    json.dump(out, f, separators=(",", ":"))
print(len(names), "models ->", path)
