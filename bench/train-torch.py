#!/usr/bin/env python3
"""The same training step in PyTorch (CPU), for `npm run bench -- --train`: transformers v4.37.2's
ConvNextForImageClassification with the same config and weights, one forward + backward + AdamW step
(lr 1e-4, weight decay 0.05) at the given batch, and an inference forward under no_grad for scale.
  python3 bench/train-torch.py DIR THREADS BATCH RUNS  -> one JSON line on stdout
Needs transformers' source and tools/hf-check/stubs on PYTHONPATH (bench/train.mjs sets it from HF_SRC)."""
import json
import resource
import sys
import time

import torch
import transformers

directory, threads, batch, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
model = transformers.ConvNextForImageClassification.from_pretrained(directory)
size = model.config.image_size
g = torch.Generator().manual_seed(0)
x = torch.rand((batch, 3, size, size), generator=g) * 4 - 2
labels = torch.arange(batch) % model.config.num_labels
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.05)


def step():
    optimizer.zero_grad(set_to_none=True)
    loss = model(x, labels=labels).loss
    loss.backward()
    optimizer.step()
    return loss.item()


def forward():
    with torch.no_grad():
        model(x)


def median_ms(fn):
    fn()  # warm-up
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000 / batch)
    times.sort()
    return times[len(times) // 2], times[0]


model.eval()
forward_ms, _ = median_ms(forward)
model.train()
step_ms, step_min = median_ms(step)
print(json.dumps({
    "system": f"PyTorch {torch.__version__} (transformers {transformers.__version__})",
    "backend": "cpu", "threads": threads, "batch": batch,
    "forward_ms_per_image": forward_ms, "step_ms_per_image": step_ms, "step_ms_per_image_min": step_min,
    "step_over_forward": step_ms / forward_ms,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "runs": runs,
}))
