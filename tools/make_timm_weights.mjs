#!/usr/bin/env node
// make_timm_weights.mjs — a timm checkpoint directory with deterministic synthetic weights, for measuring the
// full-size timm models without downloading them.
//
// Usage:
//   node tools/make_timm_weights.mjs --arch convnext_atto --out DIR [--seed N] [--num-classes N]
//
// Writes DIR/config.json as timm's push_to_hub does (architecture, num_classes, num_features, pretrained_cfg:
// timm's default for the model: 224 x 224, crop_pct 0.875, bicubic, ImageNet mean/std) and DIR/model.safetensors
// with timm's state_dict keys and shapes: the registered model's, listed by the real timm in
// test/fixtures/timm-registry.json (tools/timm_registry.py), so they do not depend on this project's key mapping.
// Values: make_weights.mjs's scheme by role (conv/linear U(-b, b) with b = sqrt(3 / fan_in), norms U(.8, 1.2),
// biases U(-.1, .1), layer scale U(.1, 1), GRN weight U(-.5, .5)).

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSafetensors } from './make_weights.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []),
);
if (!args.arch || !args.out) {
  console.error('usage: node tools/make_timm_weights.mjs --arch NAME --out DIR [--seed N] [--num-classes N]');
  process.exit(2);
}
const registry = JSON.parse(readFileSync(new URL('../test/fixtures/timm-registry.json', import.meta.url), 'utf8'));
const entries = registry.models[args.arch];
if (!entries) throw new Error(`${args.arch} is not in timm's ConvNeXt registry (${Object.keys(registry.models).join(', ')})`);
const seed = Number(args.seed ?? 0);
const numClasses = Number(args['num-classes'] ?? 1000);

const kind = (key, shape) => {
  if (key.endsWith('.gamma')) return 'ls';
  if (key.includes('.grn.')) return key.endsWith('weight') ? 'grnw' : 'grnb';
  if (shape.length > 1) return 'w';
  if (/(^stem\.\d+|downsample\.0|\.norm|norm_pre|head\.norm)\.(weight|bias)$/.test(key) && !/stem\.0\./.test(key)) {
    return key.endsWith('weight') ? 'lnw' : 'lnb';
  }
  return 'b';
};
const specs = [];
let features = 0;
for (const [key, shape0] of entries) {
  let shape = shape0;
  if (key === 'head.fc.weight') [features, shape] = [shape0[1], [numClasses, shape0[1]]];
  if (key === 'head.fc.bias') shape = [numClasses];
  if (key.startsWith('head.fc.') && numClasses === 0) continue;
  const k = kind(key, shape);
  specs.push({ key, shape, kind: k, fanIn: shape.slice(1).reduce((a, b) => a * b, 1) });
}
// a conv's bias among the stem's entries: stem.0 (and the overlap stems' other convs) are 4-D weights
for (const s of specs) {
  const weight = specs.find((w) => w.key === s.key.replace(/bias$/, 'weight'));
  if (s.key.endsWith('.bias') && weight?.shape.length > 1) s.kind = 'b';
}

mkdirSync(args.out, { recursive: true });
const pretrainedCfg = {
  tag: 'synthetic', custom_load: false, input_size: [3, 224, 224], fixed_input_size: false,
  interpolation: 'bicubic', crop_pct: 0.875, crop_mode: 'center', mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225], num_classes: numClasses, pool_size: [7, 7], first_conv: 'stem.0', classifier: 'head.fc',
};
const config = { architecture: args.arch, num_classes: numClasses, num_features: features, pretrained_cfg: pretrainedCfg };
writeFileSync(join(args.out, 'config.json'), JSON.stringify(config, null, 2) + '\n');
const buf = buildSafetensors(specs, seed, 'f32', { generator: 'make_timm_weights.mjs', arch: args.arch });
const tmp = join(args.out, `model.safetensors.tmp-${process.pid}`);
writeFileSync(tmp, buf);
renameSync(tmp, join(args.out, 'model.safetensors'));
const n = specs.reduce((t, s) => t + s.shape.reduce((x, y) => x * y, 1), 0);
console.error(`wrote ${args.out}: ${args.arch}, ${specs.length} tensors, ${n} params (seed ${seed})`);
