/**
 * Startup benchmark: the built CLI as a user runs it, in fresh processes — `--help`, and `validate`
 * over 1,000 campaign files (400 Altur, 400 Puffle, 200 Extrovert from the bench fixtures), and over
 * 2,000 Extrovert files clean against 2,000 with one warning each (one parse per file either way). Wall
 * time per run (median of N), next to a bare `node -e ""` on the same machine for scale.
 */
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { stringify } from "yaml";
import { alturSpec, extrovertSpec, fileName, puffleSpec } from "./fixtures.js";

export interface StartupFigure {
  what: string;
  runs: number[];
  targetMs?: number;
}

export interface StartupBenchResult {
  figures: StartupFigure[];
  validateFiles: number;
}

/** Files per workspace in the warning figure (issue 30: 2,000 files with one warning each vs none). */
export const WARNING_FILES = 2000;

const KINDS = { altur: "AlturCampaign", puffle: "PuffleCampaign", extrovert: "ExtrovertCampaign" } as const;

function timed(args: readonly string[], cwd: string): number {
  const start = performance.now();
  const res = spawnSync(process.execPath, args, { cwd, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  const ms = performance.now() - start;
  if (res.status !== 0) throw new Error(`${args.join(" ")} exited with ${res.status}: ${res.stderr.slice(0, 300)}`);
  return ms;
}

export async function runStartupBench(runs: number, progress: (line: string) => void): Promise<StartupBenchResult> {
  const bin = join(process.cwd(), "bin", "campaignctl.js");
  const dir = await mkdtemp(join(tmpdir(), "campaignctl-bench-startup-"));
  try {
    const counts = { altur: 400, puffle: 400, extrovert: 200 };
    await writeFile(
      join(dir, "campaignctl.yaml"),
      stringify({ apiVersion: "campaignctl/v1", accounts: Object.keys(counts).map((p) => ({ provider: p, apiKeyEnv: `${p.toUpperCase()}_API_KEY` })) }),
    );
    for (const [provider, n] of Object.entries(counts) as [keyof typeof counts, number][]) {
      await mkdir(join(dir, "campaigns", provider), { recursive: true });
      const spec = provider === "altur" ? alturSpec : provider === "puffle" ? puffleSpec : extrovertSpec;
      for (let i = 0; i < n; i++) {
        const name = fileName(provider, i);
        await writeFile(join(dir, "campaigns", provider, `${name}.yaml`), stringify({ apiVersion: "campaignctl/v1", kind: KINDS[provider], metadata: { name }, spec: spec(i) }));
      }
    }
    // A workspace of one campaign file: what validate loads for it (issue 30: only what validate needs).
    const one = join(dir, "one");
    await mkdir(join(one, "campaigns"), { recursive: true });
    await writeFile(join(one, "campaignctl.yaml"), stringify({ apiVersion: "campaignctl/v1", accounts: [{ provider: "altur", apiKeyEnv: "ALTUR_API_KEY" }] }));
    await writeFile(join(one, "campaigns", "a.yaml"), stringify({ apiVersion: "campaignctl/v1", kind: KINDS.altur, metadata: { name: "a" }, spec: alturSpec(0) }));
    // Issue 30, "one warning doubles the parse": 2,000 Extrovert files, clean or with one warning each
    // (applyCommentIntervalH 25 is not a whole number of days), in two workspaces measured side by side.
    const warned = { clean: join(dir, "clean-2000"), warning: join(dir, "warning-2000") };
    for (const [variant, root] of Object.entries(warned)) {
      await mkdir(join(root, "campaigns"), { recursive: true });
      await writeFile(join(root, "campaignctl.yaml"), stringify({ apiVersion: "campaignctl/v1", accounts: [{ provider: "extrovert", apiKeyEnv: "EXTROVERT_API_KEY" }] }));
      for (let i = 0; i < WARNING_FILES; i++) {
        const name = fileName("extrovert", i);
        const spec = { ...extrovertSpec(i), applyCommentIntervalH: variant === "warning" ? 25 : 48 };
        await writeFile(join(root, "campaigns", `${name}.yaml`), stringify({ apiVersion: "campaignctl/v1", kind: KINDS.extrovert, metadata: { name }, spec }));
      }
    }
    const figures: StartupFigure[] = [
      { what: 'node -e "" (for scale)', runs: [] },
      { what: "campaignctl --help", runs: [], targetMs: 300 },
      { what: "campaignctl --version", runs: [] },
      { what: "campaignctl validate (one file)", runs: [] },
      { what: "campaignctl validate (1,000 files)", runs: [], targetMs: 1200 },
      { what: "campaignctl validate (2,000 files, clean)", runs: [] },
      { what: "campaignctl validate (2,000 files, one warning each)", runs: [] },
    ];
    // Interleaved, so that the machine's load weighs on every figure alike (the ratios to bare node are per run).
    for (let k = 1; k <= runs; k++) {
      progress(`startup run ${k}/${runs}`);
      figures[0]!.runs.push(timed(["-e", "0"], dir));
      figures[1]!.runs.push(timed([bin, "--help"], dir));
      figures[2]!.runs.push(timed([bin, "--version"], dir));
      figures[3]!.runs.push(timed([bin, "validate", "--quiet"], one));
      figures[4]!.runs.push(timed([bin, "validate", "--quiet"], dir));
      figures[5]!.runs.push(timed([bin, "validate", "--quiet"], warned.clean));
      figures[6]!.runs.push(timed([bin, "validate", "--quiet"], warned.warning));
    }
    return { figures, validateFiles: 1000 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
