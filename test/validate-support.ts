import { cp, mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../src/cli/main.js";

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const INVALID_FIXTURES = join(REPO_ROOT, "test", "fixtures", "invalid");

export function capture(isTTY = false) {
  let text = "";
  return {
    isTTY,
    write: (s: string) => ((text += s), true),
    get text() {
      return text;
    },
  };
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process, the way the bin does, with a fixed environment. */
export async function runCli(argv: string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<CliRun> {
  const stdout = capture();
  const stderr = capture();
  const code = await main(argv, { cwd, stdout, stderr, env });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Things a fixture cannot hold in Git (symlinks), created in the temporary copy before the run. */
const SETUP: Record<string, (dir: string) => Promise<void>> = {
  // An audience file that is a symlink leaving the workspace (never read: refused before).
  audiences: async (dir) => {
    await symlink("/etc/passwd", join(dir, "audiences", "outside.csv"));
  },
  "unreadable-entries": async (dir) => {
    await symlink("loop", join(dir, "campaigns", "loop"));
    await symlink("missing.yaml", join(dir, "campaigns", "broken.yaml"));
  },
};

/** Copies a fixture case into a temporary directory, applies its setup, and returns the directory. */
export async function prepareCase(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `campaignctl-${name}-`));
  await cp(join(INVALID_FIXTURES, name), dir, { recursive: true });
  await SETUP[name]?.(dir);
  return dir;
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Extra argv for a case, one per line in `<case>/args` (e.g. --config FILE). */
export async function caseArgs(name: string): Promise<string[]> {
  const file = join(INVALID_FIXTURES, name, "args");
  if (!existsSync(file)) return [];
  return (await readFile(file, "utf8")).split("\n").filter((l) => l !== "");
}
