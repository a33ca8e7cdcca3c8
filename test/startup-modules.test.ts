import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

// The built CLI (npm test builds first), in a fresh process: which CommonJS modules did it load?
const bin = fileURLToPath(new URL("../bin/campaignctl.js", import.meta.url));
const probe =
  "data:text/javascript," +
  encodeURIComponent(
    `import M from "node:module";
     process.on("exit", () => process.stderr.write("\\nLOADED " + JSON.stringify(Object.keys(M._cache)) + "\\n"));`,
  );

// Every module (ESM included) named on stderr by a loader hook, as test/static-help.test.ts does for --help.
const hooks = `import { writeSync } from "node:fs"; export async function load(url, context, next) { writeSync(2, "LOADED " + url + "\\n"); return next(url, context); }`;
const esmProbe = "data:text/javascript," + encodeURIComponent(`import { register } from "node:module"; register("data:text/javascript," + encodeURIComponent(${JSON.stringify(hooks)}));`);

function urlsLoadedBy(args: readonly string[], cwd: string): string[] {
  const res = spawnSync(process.execPath, ["--import", esmProbe, bin, ...args], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  expect(res.status, res.stderr).toBe(0);
  return res.stderr.split("\n").filter((l) => l.startsWith("LOADED ")).map((l) => l.slice("LOADED ".length));
}

function loadedBy(args: readonly string[], cwd: string): string[] {
  const res = spawnSync(process.execPath, ["--import", probe, bin, ...args], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  const line = res.stderr.split("\n").find((l) => l.startsWith("LOADED "));
  expect(line, res.stderr).toBeDefined();
  return JSON.parse(line!.slice("LOADED ".length)) as string[];
}

describe("start-up: heavy modules load only when a command needs them", () => {
  const dir = mkdtempSync(join(tmpdir(), "campaignctl-startup-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "campaignctl.yaml"), "apiVersion: campaignctl/v1\naccounts:\n  - provider: altur\n    apiKeyEnv: ALTUR_API_KEY\n");
  mkdirSync(join(dir, "campaigns"));
  writeFileSync(
    join(dir, "campaigns", "a.yaml"),
    "apiVersion: campaignctl/v1\nkind: AlturCampaign\nmetadata: { name: a }\nspec: { name: A, agent_id: agent_demo_01, integration_id: integ_phone_01, integration_type: phone_call }\n",
  );

  it("validate compiles no schema: the ajv compiler (for provider answers) is not loaded", () => {
    const loaded = loadedBy(["validate"], dir);
    expect(loaded.some((p) => /[\\/]ajv[\\/]dist[\\/]2020\.js$/.test(p))).toBe(false);
    expect(loaded.some((p) => /[\\/]ajv[\\/]dist[\\/]core\.js$/.test(p))).toBe(false);
    // The probe sees CommonJS modules: js-yaml (the fast parser) is one, so the list is not empty by accident.
    expect(loaded.some((p) => /[\\/]js-yaml[\\/]/.test(p))).toBe(true);
  });

  it("validate of a sound workspace parses each file once, by the fast scan: the positional parser (yaml) is not loaded", () => {
    const loaded = loadedBy(["validate"], dir);
    expect(loaded.filter((p) => /[\\/]node_modules[\\/]yaml[\\/]/.test(p))).toEqual([]);
    expect(loaded.some((p) => /[\\/]js-yaml[\\/]/.test(p))).toBe(true);
  });

  it("validate loads no HTTP client, provider client, got, sandbox or engine code (issue 30: only what validate needs)", () => {
    const urls = urlsLoadedBy(["validate"], dir);
    expect(urls.some((u) => u.endsWith("/dist/providers/registry.js")), "the probe sees the provider modules").toBe(true);
    expect(urls.filter((u) => /\/dist\/http\/client\.js$|\/dist\/providers\/[^/]+\/(client|[a-z-]+-client)\.js$|\/dist\/(engine|sandbox)\/|\/node_modules\/got\//.test(u))).toEqual([]);
  });
});
