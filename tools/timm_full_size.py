#!/usr/bin/env python3
"""Writes test/fixtures/timm-full-size/<arch>.safetensors: the real timm's logits, features and pre_logits of a
full-size model with make_timm_weights.mjs's weights on a 1x3x224x224 input drawn with mulberry32 (seed 19,
U(-2, 2), test/helpers/helpers.ts randomArray), so test/cli/timm-full-size.test.ts regenerates both exactly.

  node tools/make_timm_weights.mjs --arch convnext_atto --out /tmp/w/convnext_atto   (likewise the others)
  PYTHONPATH=/path/to/timm /usr/bin/python3 tools/timm_full_size.py /tmp/w/convnext_atto /tmp/w/convnextv2_atto ...
"""
import json, os, sys
import numpy as np, torch, timm
from safetensors.torch import load_file, save_file


def mulberry32(seed, n):
    a = seed & 0xFFFFFFFF
    out = np.empty(n, dtype=np.float64)
    imul = lambda x, y: (x * y) & 0xFFFFFFFF
    for i in range(n):
        a = (a + 0x6D2B79F5) & 0xFFFFFFFF
        t = a
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF
        out[i] = ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296
    return out


shape = (1, 3, 224, 224)
x = torch.from_numpy((-2 + 4 * mulberry32(19, int(np.prod(shape)))).astype(np.float32).reshape(shape))
out_dir = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "timm-full-size")
os.makedirs(out_dir, exist_ok=True)
torch.set_num_threads(2)
for d in sys.argv[1:]:
    cfg = json.load(open(os.path.join(d, "config.json")))
    model = timm.create_model(cfg["architecture"], pretrained=False, num_classes=cfg["num_classes"]).eval()
    model.load_state_dict(load_file(os.path.join(d, "model.safetensors")))
    with torch.no_grad():
        f = model.forward_features(x)
        out = {"logits": model.forward_head(f), "features": f, "pre_logits": model.forward_head(f, pre_logits=True)}
    save_file({k: v.contiguous() for k, v in out.items()}, os.path.join(out_dir, cfg["architecture"] + ".safetensors"),
              metadata={"producer": f"tools/timm_full_size.py, timm {timm.__version__}, torch {torch.__version__}"})
    print(cfg["architecture"], {k: list(v.shape) for k, v in out.items()})
