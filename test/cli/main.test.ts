// The `convnext` command itself (dist/cli/main.js as a child process): --version, the top-level help, unknown
// commands and options, standard input and URLs as inputs.
import { createServer, type Server } from "node:http";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

const MODEL = "test/fixtures/tiny-classifier";
const CAT = "test/fixtures/images/photos/coco/000000039769.png";

describe("convnext", () => {
  it("--version prints package.json's version", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8"));
    expect(runCli(["--version"])).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  it("--help lists every command with one line each", () => {
    const { code, stdout } = runCli(["--help"]);
    expect(code).toBe(0);
    for (const name of [
      "classify",
      "embed",
      "preprocess",
      "decode",
      "forward",
      "compare",
      "convert",
      "info",
      "grad",
      "train",
      "explain",
    ]) {
      // prettier-ignore
      expect(stdout).toMatch(new RegExp(`^  ${name} +\\S.+$`, "m"));
    }
    // and no command without its line
    const commands = stdout.slice(
      stdout.indexOf("commands:\n") + 10,
      stdout.indexOf("\n\n", stdout.indexOf("commands:")),
    );
    for (const line of commands.split("\n")) expect(line).toMatch(/^ {2}\w+ +\S/);
  });

  it("an unknown command or option: a did-you-mean, exit 2, no stack trace", () => {
    const a = runCli(["clasify"]);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/^convnext: unknown command "clasify" \(did you mean "classify"\?\)/);
    const b = runCli(["classify", "--model", MODEL, CAT, "--topk", "3"]);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/^convnext classify: error: unknown option --topk \(did you mean --top-k\?\)/);
    expect(b.stderr).not.toMatch(/ at |ERR_PARSE_ARGS/);
  });

  it("--verbose reports the backend, threads and ms per image", () => {
    const r = runCli(["classify", "--model", MODEL, CAT, "--verbose", "--backend", "js", "--threads", "1"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^backend: js, 1 thread$/m);
    expect(r.stderr).toMatch(
      /^1 images in [\d.]+ s: [\d.]+ ms\/image; forward [\d.]+ ms\/image, decoding [\d.]+ ms\/image/m,
    );
  });

  it("a reader that goes away (convnext ... | head): quiet exit 0, no stack trace", async () => {
    const { spawn } = await import("node:child_process");
    const child = spawn(process.execPath, [
      "dist/cli/main.js",
      "classify",
      "--model",
      MODEL,
      "test/fixtures/images/photos",
      "--batch-size",
      "1",
    ]);
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.once("data", () => child.stdout.destroy());
    const code = await new Promise((r) => child.on("close", r));
    expect(code).toBe(0);
    expect(stderr).toBe("");
  });

  it("- reads one image from standard input", () => {
    const viaStdin = runCli(["classify", "--model", MODEL, "-", "--jsonl"], { input: readFileSync(CAT) });
    const viaPath = runCli(["classify", "--model", MODEL, CAT, "--jsonl"]);
    expect(viaStdin.code).toBe(0);
    expect(JSON.parse(viaStdin.stdout)).toEqual({ ...JSON.parse(viaPath.stdout), file: "-" });
  });

  describe("URLs", () => {
    let server: Server;
    let base = "";
    beforeAll(async () => {
      server = createServer((req, res) => {
        if (req.url === "/cat.png") res.end(readFileSync(CAT));
        else if (req.url === "/moved") res.writeHead(302, { location: "/cat.png" }).end();
        else if (req.url === "/slow")
          res.writeHead(200).write("\x89PNG"); // then nothing
        else res.writeHead(404).end("not here");
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const address = server.address();
      base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    });
    afterAll(() => {
      server.closeAllConnections();
      server.close();
    });

    it("http(s) and file:// URLs give the file's result; HTTP errors and timeouts name the URL", async () => {
      const want = JSON.parse(runCli(["classify", "--model", MODEL, CAT, "--jsonl"]).stdout).predictions;
      const inputs = [
        `${base}/cat.png`,
        `${base}/moved`,
        pathToFileURL(resolve(CAT)).href,
        `${base}/gone.png`,
        `${base}/slow`,
      ];
      // spawnSync would block the server in this process: run the CLI asynchronously
      const { spawn } = await import("node:child_process");
      const child = spawn(process.execPath, [
        "dist/cli/main.js",
        "classify",
        "--model",
        MODEL,
        ...inputs,
        "--jsonl",
        "--batch-size",
        "1",
        "--timeout",
        "0.5",
      ]);
      let stdout = "";
      child.stdout.on("data", (d) => (stdout += d));
      const code = await new Promise((r) => child.on("close", r));
      const lines = stdout
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(code).toBe(1);
      expect(lines.map((l) => l.file)).toEqual(inputs);
      for (const l of lines.slice(0, 3)) expect(l.predictions).toEqual(want);
      expect(lines[3].error).toBe(`${base}/gone.png: HTTP 404 Not Found`);
      expect(lines[4].error).toMatch(new RegExp(`^${base}/slow: .*no data for 0.5 s`));
    });
  });
});
