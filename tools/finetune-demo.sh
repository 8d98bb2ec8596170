#!/usr/bin/env bash
# The image-folder fine-tune of docs/TRAINING.md: two classes of real photos from test/fixtures/images/photos
# (animals / no animals), the small tiny-classifier fixture model (4 stages, 8..64 channels, synthetic weights)
# at 224 x 224 (its preprocessor_config.json with shortest_edge 224, so the last stage is 7 x 7 for Grad-CAM),
# AdamW, 10 epochs, a quarter held out. Writes the checkpoint to ${1:-/tmp/finetune-demo}/model.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-/tmp/finetune-demo}"
photos="$here/test/fixtures/images/photos"
data="$out/data"
rm -rf "$out"
mkdir -p "$data/animal" "$data/no_animal"
for f in darknet/dog.jpg darknet/eagle.jpg darknet/giraffe.jpg darknet/horses.jpg scikit-image/chelsea.png \
  opencv/baboon.jpg tuxpaint/tiger_sumatran.png lomiri/Kleiber_by_Lukas_Baubkus.jpg image-rs/progressive-cat.jpg \
  coco/000000039769.png opencv/butterfly.jpg tuxpaint/lion-2.png tuxpaint/dingo.png tuxpaint/dog.png; do
  cp "$photos/$f" "$data/animal/$(echo "$f" | tr / _)"
done
for f in scikit-image/brick.png scikit-image/gravel.png scikit-image/grass.png opencv/building.jpg opencv/home.jpg \
  opencv/aero1.jpg scikit-image/coffee.png scikit-image/rocket.jpg scikit-image/hubble_deep_field.jpg \
  opencv/starry_night.jpg opencv/board.jpg opencv/orange.jpg lomiri/Fossa_by_Jasper_Roks.jpg scikit-image/color.png; do
  cp "$photos/$f" "$data/no_animal/$(echo "$f" | tr / _)"
done
mkdir -p "$out/start"
cp "$here/test/fixtures/tiny-classifier/config.json" "$here/test/fixtures/tiny-classifier/model.safetensors" "$out/start/"
sed 's/"shortest_edge": 64/"shortest_edge": 224/' "$here/test/fixtures/tiny-classifier/preprocessor_config.json" \
  > "$out/start/preprocessor_config.json"
node "$here/dist/cli/main.js" train --model "$out/start" --data "$data" --output "$out/model" \
  --epochs 10 --batch-size 8 --optimizer adamw --lr 1e-3 --weight-decay 0.05 --val-split 0.25 --seed 0
