/**
 * Run the built CLI (bin/campaignctl.js → dist/) as a child process, for tests that need a real
 * process: signals, kill -9, resource limits, another user. `ensureBuilt()` compiles dist/ when it is
 * missing or older than src/ (npm test builds first anyway).
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const BIN = join(REPO, "bin", "campaignctl.js");

export function ensureBuilt(): void {
  const built = join(REPO, "dist", "cli", "main.js");
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((max, e) => {
      const p = join(dir, e.name);
      if (e.isDirectory()) return Math.max(max, newest(p));
      return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? Math.max(max, statSync(p).mtimeMs) : max;
    }, 0);
  if (existsSync(built) && statSync(built).mtimeMs >= newest(join(REPO, "src"))) return;
  try {
    execFileSync(process.execPath, [join(REPO, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], { cwd: REPO, stdio: "pipe" });
  } catch {
    // Type errors still emit JavaScript; the runs say whether the build is usable.
  }
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface CliChild {
  pid: number;
  kill(signal: NodeJS.Signals): void;
  done: Promise<ChildResult>;
  /** What the child has written to stderr so far. */
  stderrSoFar(): string;
}

export interface SpawnOptions {
  cwd: string;
  env: Record<string, string>;
  /** Run as this user (tests running as root use it to make permissions bite). */
  uid?: number;
  gid?: number;
  /** A command that execs the CLI after it, e.g. ["prlimit", "--fsize=4096"]. */
  wrap?: string[];
}

export function spawnCli(args: readonly string[], opts: SpawnOptions): CliChild {
  const started = Date.now();
  const argv = [...(opts.wrap ?? []), process.execPath, BIN, ...args];
  const child = spawn(argv[0] as string, argv.slice(1), {
    cwd: opts.cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
    ...(opts.uid === undefined ? {} : { uid: opts.uid, gid: opts.gid ?? opts.uid }),
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
  const done = new Promise<ChildResult>((res, rej) => {
    child.on("error", rej);
    child.on("close", (code, signal) => res({ code, signal, stdout, stderr, ms: Date.now() - started }));
  });
  return { pid: child.pid ?? -1, kill: (s) => child.kill(s), done, stderrSoFar: () => stderr };
}
