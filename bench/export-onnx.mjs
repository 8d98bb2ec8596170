// node bench/export-onnx.mjs DIR OUT.onnx SIZE: the model in DIR (config.json + weights) as ONNX.
import { ConvNextForImageClassification } from "../dist/index.js";
import { writeOnnx } from "./onnx-export.mjs";

const [dir, out, size] = process.argv.slice(2);
const model = await ConvNextForImageClassification.fromPretrained(dir);
writeOnnx(model, Number(size), out);
console.error(`wrote ${out}`);
