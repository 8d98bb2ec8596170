#!/usr/bin/env python3
"""Writes test/fixtures/timm-<name>/: timm checkpoints exercising the options the shared timm fixtures do not
(overlap stems, head_norm_first, head_hidden_size, kernel_sizes, conv_bias=False, patch_size 2, RmsNorm2d /
SimpleNorm2d, GRN with layer scale, other activations and eps, num_classes 0, features_only), with the outputs
of the real timm on them. Needs torch (Debian python3-torch 1.13) and timm on PYTHONPATH; the tests do not.

  PYTHONPATH=/path/to/timm /usr/bin/python3 tools/timm_fixtures.py [--check-shared ../shared/fixtures]

--check-shared first re-runs the shared fixtures (made with timm 1.0.28) on their own weights and reports the
largest difference, to show that the timm used here computes the same numbers.

Per fixture: config.json (as timm's push_to_hub writes it: architecture, num_classes, num_features,
model_args, pretrained_cfg), model.safetensors (timm state_dict), expected.safetensors (pixel_values, logits =
model(x), features = forward_features(x), pre_logits = forward_head(features, pre_logits=True), and
feature_maps.<i> of timm.create_model(..., features_only=True, out_indices=...) with the same weights),
fixture.json (the recipe, versions). Weights are seeded and realistic in scale, not timm's init (which makes
layer scale 1e-6, i.e. every block nearly an identity).
"""
import argparse, hashlib, json, os, re

import numpy as np
import torch
import timm
from safetensors.torch import load_file, save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures")

FIXTURES = [
    dict(name="timm-overlap-hnf", arch="convnext_atto_ols", num_classes=6,
         model_args=dict(depths=[1, 1, 1, 1], dims=[16, 24, 32, 40], head_norm_first=True),
         description="overlap_tiered stem (conv 3x3 s2 -> conv 3x3 s2, first conv 8 channels), conv_mlp, "
                     "head_norm_first (norm_pre before pooling, ClassifierHead); odd input 70x54",
         shape=[2, 3, 70, 54], out_indices=[0, 3]),
    dict(name="timm-zepto-rms-ols", arch="convnext_zepto_rms_ols", num_classes=5,
         model_args=dict(depths=[1, 1, 2, 1], dims=[8, 16, 24, 32]),
         description="registry defaults of convnext_zepto_rms_ols: SimpleNorm2d everywhere (unbiased variance, no "
                     "centring, no bias), overlap_act stem (GELU between the stem convs); input 61x47",
         shape=[1, 3, 61, 47], out_indices=None),
    dict(name="timm-mlp-head-k5-nobias", arch="convnext_large_mlp", num_classes=4,
         model_args=dict(depths=[1, 1, 1, 1], dims=[8, 16, 24, 32], head_hidden_size=20,
                         kernel_sizes=[7, 5, 3, 3], conv_bias=False, patch_size=2),
         description="head_hidden_size 20 (head.pre_logits.fc + GELU), per-stage kernel_sizes 7/5/3/3, "
                     "conv_bias=False, patch_size 2 (stage 0 gets a stride-2 downsample)",
         shape=[2, 3, 64, 40], out_indices=[0, 1, 2, 3]),
    dict(name="timm-v2-ls-rms-silu", arch="convnextv2_atto", num_classes=0,
         model_args=dict(depths=[1, 1, 1, 1], dims=[8, 16, 24, 32], ls_init_value=1e-6, norm_layer="rmsnorm2d",
                         act_layer="silu", norm_eps=1e-5),
         description="GRN with layer scale, RmsNorm2d, SiLU, norm_eps 1e-5, num_classes 0 (logits = pre_logits)",
         shape=[2, 3, 40, 72], out_indices=[-1]),
    dict(name="timm-test-convnext3", arch="test_convnext3", num_classes=3, model_args=dict(dims=[8, 16, 24, 32]),
         description="registry defaults of test_convnext3 (dims overridden): kernel_sizes (7, 5, 5, 3), SiLU, norm_eps 1e-5",
         shape=[1, 3, 64, 64], out_indices=None),
]

PRETRAINED_CFG = {
    "tag": "synthetic", "custom_load": False, "input_size": [3, 64, 64], "fixed_input_size": False,
    "interpolation": "bicubic", "crop_pct": 0.875, "crop_mode": "center",
    "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225], "pool_size": [2, 2],
    "first_conv": "stem.0", "classifier": "head.fc", "license": "apache-2.0",
}


def set_weights(model, seed):
    """Uniform weights by role: conv/linear U(-b, b), b = sqrt(3 / fan_in); biases U(-.1, .1); norm weights
    U(.8, 1.2); layer scale U(.1, 1); GRN weight U(-.5, .5)."""
    g = torch.Generator().manual_seed(seed)
    u = lambda shape, lo, hi: lo + (hi - lo) * torch.rand(shape, generator=g)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("gamma"):
                p.copy_(u(p.shape, 0.1, 1.0))
            elif ".grn." in name:
                p.copy_(u(p.shape, -0.5, 0.5) if name.endswith("weight") else u(p.shape, -0.1, 0.1))
            elif name.endswith("bias"):
                p.copy_(u(p.shape, -0.1, 0.1))
            elif p.ndim == 1:
                p.copy_(u(p.shape, 0.8, 1.2))
            else:
                b = (3.0 / (p[0].numel())) ** 0.5
                p.copy_(u(p.shape, -b, b))


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def make(spec, seed):
    kwargs = dict(spec["model_args"])
    model = timm.create_model(spec["arch"], pretrained=False, num_classes=spec["num_classes"], **kwargs).eval()
    set_weights(model, seed)
    d = os.path.join(OUT, spec["name"])
    os.makedirs(d, exist_ok=True)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(state, os.path.join(d, "model.safetensors"), metadata={"format": "pt"})
    config = {"architecture": spec["arch"], "num_classes": spec["num_classes"], "num_features": model.num_features}
    if kwargs:
        config["model_args"] = kwargs
    config["pretrained_cfg"] = dict(PRETRAINED_CFG, num_classes=spec["num_classes"])
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config, f, indent=2)

    x = torch.from_numpy(np.random.default_rng(seed).standard_normal(spec["shape"]).astype(np.float32))
    torch.set_num_threads(2)
    with torch.no_grad():
        out = {"pixel_values": x, "logits": model(x)}
        out["features"] = model.forward_features(x)
        out["pre_logits"] = model.forward_head(out["features"], pre_logits=True)
        if spec["out_indices"] is not None:
            features = timm.create_model(spec["arch"], pretrained=False, num_classes=spec["num_classes"],
                                         features_only=True, out_indices=tuple(spec["out_indices"]), **kwargs)
            # FeatureListNet flattens the top-level Sequentials: stem.0 -> stem_0, stages.1 -> stages_1
            flat = {re.sub(r"^(stem|stages)\.(\d+)", r"\1_\2", k): v for k, v in state.items()}
            missing = features.load_state_dict(flat, strict=False)
            assert not missing.missing_keys, missing.missing_keys
            for i, fm in enumerate(features.eval()(x)):
                out[f"feature_maps.{i}"] = fm
    out = {k: v.contiguous() for k, v in out.items()}
    save_file(out, os.path.join(d, "expected.safetensors"))
    create = f"timm.create_model({spec['arch']!r}, num_classes={spec['num_classes']}" + "".join(
        f", {k}={v!r}" for k, v in kwargs.items()) + ")"
    meta = {
        "name": spec["name"], "description": spec["description"], "producer": "tools/timm_fixtures.py",
        "versions": {"timm": timm.__version__, "torch": torch.__version__},
        "create_model": create, "seed": seed, "out_indices": spec["out_indices"],
        "input": {"generator": "numpy.random.default_rng(seed).standard_normal(shape).astype(float32)",
                  "shape": spec["shape"]},
        "params": sum(p.numel() for p in model.parameters()),
        "expected": {k: list(v.shape) for k, v in out.items()},
        "files": {f: sha(os.path.join(d, f)) for f in ("config.json", "model.safetensors", "expected.safetensors")},
    }
    with open(os.path.join(d, "fixture.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(spec["name"], meta["params"], "params", {k: list(v.shape) for k, v in out.items()})


def check_shared(root):
    """The shared fixtures' outputs, recomputed here from their config.json and weights."""
    for name in sorted(n for n in os.listdir(root) if n.startswith("timm-")):
        d = os.path.join(root, name)
        cfg = json.load(open(os.path.join(d, "config.json")))
        model = timm.create_model(cfg["architecture"], pretrained=False, num_classes=cfg["num_classes"],
                                  **cfg.get("model_args", {})).eval()
        model.load_state_dict(load_file(os.path.join(d, "model.safetensors")))
        e = load_file(os.path.join(d, "expected.safetensors"))
        with torch.no_grad():
            worst = (model(e["pixel_values"]) - e["logits"]).abs().max().item()
        print(f"{name}: max|logits - shared| = {worst:.3g}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--check-shared")
    a = ap.parse_args()
    if a.check_shared:
        check_shared(a.check_shared)
    for i, spec in enumerate(FIXTURES):
        make(spec, 100 + i)
