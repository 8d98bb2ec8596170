#!/usr/bin/env python3
"""Expected image-classification pipeline outputs for test/pipelines/classify.test.ts.

transformers v4.37.2's ImageClassificationPipeline.postprocess, restated with numpy (float32, as the pipeline
runs it on `model_outputs["logits"][0].numpy()`): sigmoid = 1 / (1 + exp(-x)); softmax = exp(x - max) / sum;
none = the logits; then every label sorted by score, descending, with Python's stable sort (ties keep the
lower class index), cut to top_k (clamped to num_labels). The logits are transformers' own, from
test/fixtures/tiny-classifier/expected.safetensors. Run: /usr/bin/python3 tools/pipeline_scores.py
"""
import json
import struct
import numpy as np

FIXTURE = "test/fixtures/tiny-classifier"


def read_safetensors(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        dtype = {"F32": np.float32, "I64": np.int64}[entry["dtype"]]
        out[name] = np.frombuffer(data[8 + n + begin : 8 + n + end], dtype=dtype).reshape(entry["shape"])
    return out


def scores(logits, function):
    if function == "sigmoid":
        return 1.0 / (1.0 + np.exp(-logits))
    if function == "softmax":
        shifted = np.exp(logits - np.max(logits, axis=-1, keepdims=True))
        return shifted / shifted.sum(axis=-1, keepdims=True)
    return logits


config = json.load(open(f"{FIXTURE}/config.json"))
id2label = {int(k): v for k, v in config["id2label"].items()}
logits = read_safetensors(f"{FIXTURE}/expected.safetensors")["logits"]
cases = []
for function in ["softmax", "sigmoid", "none"]:
    for top_k in [3, 10]:
        images = []
        for row in logits:
            s = scores(row, function)
            assert s.dtype == np.float32
            ranked = sorted(
                [{"label": id2label[i], "score": s[i].item()} for i in range(len(s))],
                key=lambda d: d["score"],
                reverse=True,
            )
            images.append(ranked[: min(top_k, len(id2label))])
        cases.append({"function_to_apply": function, "top_k": top_k, "images": images})
json.dump(
    {"source": "tools/pipeline_scores.py on the logits of tiny-classifier/expected.safetensors", "cases": cases},
    open("test/fixtures/pipelines/tiny-classifier-scores.json", "w"),
    indent=1,
)
