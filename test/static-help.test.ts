import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import { overviewHelp } from "../src/cli/static-help.js";

/** What the real CLI (commander, every command module registered) prints for `argv` on a terminal `columns` wide. */
async function realHelp(argv: string[], columns: number | undefined): Promise<{ code: number; text: string }> {
  let text = "";
  const stdout = { isTTY: columns !== undefined, ...(columns === undefined ? {} : { columns }), write: (s: string) => ((text += s), true) };
  const code = await main(argv, { stdout, stderr: { isTTY: false, write: () => true } });
  return { code, text };
}

const bin = fileURLToPath(new URL("../bin/campaignctl.js", import.meta.url));
// The launcher's fast path as a user runs it, every module it loads (ESM included) named on stderr by a loader hook.
const hooks = `import { writeSync } from "node:fs"; export async function load(url, context, next) { writeSync(2, "LOADED " + url + "\\n"); return next(url, context); }`;
const probe = "data:text/javascript," + encodeURIComponent(`import { register } from "node:module"; register("data:text/javascript," + encodeURIComponent(${JSON.stringify(hooks)}));`);

describe("--help and --version from a static table (issue 30)", () => {
  it("the static overview is what commander prints from the real command definitions, at every width", async () => {
    for (const columns of [undefined, 60, 80, 120, 200, 1000]) {
      const real = await realHelp(["--help"], columns);
      expect(real.code).toBe(0);
      expect(overviewHelp(columns ?? 80), `width ${columns ?? "not a terminal"}: run "npm run gen:help" (rewrites OVERVIEW in src/cli/static-help.ts)`).toBe(real.text);
      // A bare `campaignctl` prints the same overview.
      expect((await realHelp([], columns)).text).toBe(real.text);
    }
  });

  it("the launcher prints it, and the version, without loading the CLI or any command module", () => {
    for (const args of [["--help"], ["-h"], []]) {
      const res = spawnSync(process.execPath, ["--import", probe, bin, ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
      expect(res.status).toBe(0);
      expect(res.stdout).toBe(overviewHelp(80));
      const loaded = res.stderr.split("\n").filter((l) => l.startsWith("LOADED ")).map((l) => l.slice("LOADED ".length));
      expect(loaded.some((u) => u.endsWith("/dist/cli/static-help.js"))).toBe(true);
      expect(loaded.filter((u) => /\/dist\/cli\/(main|commands\/[^/]+)\.js$/.test(u))).toEqual([]);
    }
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
    for (const flag of ["--version", "-V"]) {
      const res = spawnSync(process.execPath, [bin, flag], { encoding: "utf8" });
      expect([res.status, res.stdout]).toEqual([0, `${pkg.version}\n`]);
    }
  });
});
