#!/usr/bin/env bash
# The main job on the bundled example: a real photo through the whole pipeline (decode, Pillow-exact
# resize and crop, normalize, ConvNeXT forward) to top-k labels, then two parity checks against
# outputs of the real transformers v4.37.2:
#   1. the photo's pixel_values vs ConvNextImageProcessor's (examples/model/hf-pixel-values-cats.safetensors)
#   2. the model's outputs vs ConvNextForImageClassification's (examples/model/hf-expected.safetensors)
# The model (examples/model) has generated weights (test/fixtures/tiny-classifier: 4 stages, hidden
# sizes [8,16,32,64], 5 labels) and the convnext-tiny-224 preprocessing, so its labels mean nothing:
# the point is the pipeline and the numbers.
set -euo pipefail
cd "$(dirname "$0")/.."
convnext() { node dist/cli/main.js "$@"; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== convnext classify --model examples/model examples/cats.png --top-k 3"
convnext classify --model examples/model examples/cats.png --top-k 3

echo
echo "== parity 1: pixel_values of the photo vs transformers' ConvNextImageProcessor (tolerance 1e-6)"
convnext preprocess --model examples/model examples/cats.png --output "$out/pixel_values.safetensors"
convnext compare "$out/pixel_values.safetensors" examples/model/hf-pixel-values-cats.safetensors --atol 1e-6 --rtol 0

echo
echo "== parity 2: every model output vs transformers' ConvNextForImageClassification (1e-5 + 1e-5 max|e|)"
convnext forward --model examples/model --input examples/model/hf-expected.safetensors \
  --output "$out/outputs.safetensors" --hidden-states
convnext compare "$out/outputs.safetensors" examples/model/hf-expected.safetensors
