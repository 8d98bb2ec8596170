#!/usr/bin/env python3
"""Writes test/fixtures/timm-preprocess/index.json: timm's eval transform (resolve_data_config +
create_transform, torchvision 0.14, Pillow 9.4) on the real photos of test/fixtures/preprocess-photos (the 38 of
at most 4 megapixels: the two larger ones cost seconds to decode and test nothing timm-specific), opened as
timm's loaders do (Image.open(path).convert("RGB")), for configs the shared timm fixtures do not cover: crop
offsets that round half to even at 224, a non-square size whose `interpolation` timm ignores, crop_pct > 1
(padding), squash and border with other filters. Per config and image: the sha256 of the uint8 HxWx3 array
after the geometric steps and of the float32 pixel_values (C-contiguous), and their shapes.

  PYTHONPATH=/path/to/timm /usr/bin/python3 tools/timm_preprocess.py
"""
import hashlib, json, os
import numpy as np, PIL, torch, torchvision, timm
from PIL import Image
from timm.data import create_transform, resolve_data_config

HERE = os.path.dirname(__file__)
IMAGES = os.path.join(HERE, "..", "test", "fixtures", "images")
PHOTOS = json.load(open(os.path.join(HERE, "..", "test", "fixtures", "preprocess-photos", "config-224-bicubic", "index.json")))
CONFIGS = {
    "center-224-0.95-bicubic": dict(input_size=(3, 224, 224), crop_pct=0.95, interpolation="bicubic", crop_mode="center"),
    "center-160x128-0.9-lanczos": dict(input_size=(3, 160, 128), crop_pct=0.9, interpolation="lanczos", crop_mode="center"),
    "center-96-1.15-hamming": dict(input_size=(3, 96, 96), crop_pct=1.15, interpolation="hamming", crop_mode="center"),
    "squash-64x80-0.8-box": dict(input_size=(3, 64, 80), crop_pct=0.8, interpolation="box", crop_mode="squash"),
    "border-72x56-0.9-nearest-clip": dict(input_size=(3, 72, 56), crop_pct=0.9, interpolation="nearest", crop_mode="border",
                                          mean=(0.48145466, 0.4578275, 0.40821073), std=(0.26862954, 0.26130258, 0.27577711)),
}
sha = lambda a: hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()
out = {"producer": f"tools/timm_preprocess.py: timm {timm.__version__}, torchvision {torchvision.__version__}, "
                   f"Pillow {PIL.__version__}", "configs": {}}
for name, cfg in CONFIGS.items():
    data = resolve_data_config(pretrained_cfg=cfg)
    transform = create_transform(**data)
    geometric = torchvision.transforms.Compose(transform.transforms[:-2])  # before MaybeToTensor, Normalize
    entry = {"pretrained_cfg": {k: list(v) if isinstance(v, tuple) else v for k, v in cfg.items()},
             "transform": repr(transform).splitlines(), "images": []}
    for image in PHOTOS["images"]:
        if image["size_wh"][0] * image["size_wh"][1] > 4_000_000:
            continue
        img = Image.open(os.path.join(IMAGES, image["path"])).convert("RGB")
        try:
            crop = np.asarray(geometric(img))
            pv = transform(img).numpy()
        except ValueError as e:  # e.g. a 1x1000 image squashed or kept in ratio to a 0-pixel side
            entry["images"].append({"path": image["path"], "size": list(img.size), "error": str(e)})
            continue
        entry["images"].append({"path": image["path"], "uint8_shape": list(crop.shape), "uint8_sha256": sha(crop),
                                "pixel_values_shape": list(pv.shape), "pixel_values_sha256": sha(pv)})
    out["configs"][name] = entry
    print(name, repr(transform).splitlines()[1])
os.makedirs(os.path.join(HERE, "..", "test", "fixtures", "timm-preprocess"), exist_ok=True)
with open(os.path.join(HERE, "..", "test", "fixtures", "timm-preprocess", "index.json"), "w") as f:
    json.dump(out, f, indent=1)
