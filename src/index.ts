// The Node entry point: the core plus file-system model references (`fromPretrained("path/to/dir")`).
import { directoryFiles } from "./io/local-files.js";
import { setModelResolver } from "./io/model-files.js";

export * from "./core.js";
export { directoryFiles } from "./io/local-files.js";

setModelResolver(async (ref) => directoryFiles(ref));
