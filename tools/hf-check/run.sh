#!/usr/bin/env bash
# Checks that a checkpoint written by `convnext train` loads in the real transformers v4.37.2 strictly and
# gives our logits. Needs Debian's python3-torch, python3-numpy (and python3-packaging, -filelock, -yaml,
# -regex, -requests, -tqdm, which transformers checks at import) and transformers' source:
#   git --git-dir=<a clone of huggingface/transformers> archive v4.37.2 src/transformers | tar -x -C "$HF_SRC/.."
# transformers also imports huggingface_hub and safetensors, which Debian does not package: stubs/ stands in
# for them (huggingface_hub: names only, never called when loading from a local directory; safetensors: a
# 60-line reader of the format). Usage: run.sh MODEL_DIR IMG... (HF_SRC: the directory holding transformers/)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
dir="$1"
shift
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
node "$root/dist/cli/main.js" preprocess --model "$dir" "$@" --output "$tmp/pixels.safetensors"
node "$root/dist/cli/main.js" forward --model "$dir" --input "$tmp/pixels.safetensors" --output "$tmp/ours.safetensors"
PYTHONPATH="${HF_SRC:-/tmp/hf4372/src}:$here/stubs" /usr/bin/python3 "$here/check_checkpoint.py" "$dir" \
  "$tmp/pixels.safetensors" "$tmp/ours.safetensors"
