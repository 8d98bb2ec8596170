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
# model_args variants whose parameters differ from the registered ones
VARIANTS = {
    "convnext_atto+conv_bias=False": ("convnext_atto", {"conv_bias": False}),  # the 1x1-conv MLP keeps its bias
    "convnext_tiny+patch_size=2": ("convnext_tiny", {"patch_size": 2}),  # stage 0 gets a downsampling layer
    "convnextv2_atto+ls_init_value": ("convnextv2_atto", {"ls_init_value": 1e-6}),  # GRN and layer scale
}
out["variants"] = {}
for label, (n, kwargs) in VARIANTS.items():
    m = timm.create_model(n, pretrained=False, device="meta", **kwargs)
    out["variants"][label] = {"architecture": n, "model_args": kwargs,
                              "keys": [[k, list(v.shape)] for k, v in m.state_dict().items()]}
path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "timm-registry.json")
with open(path, "w") as f:
    json.dump(out, f, separators=(",", ":"))
print(len(names), "models ->", path)
