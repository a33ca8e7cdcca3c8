/**
 * Run the CLI in this process (src/cli/main.ts's `main`) as a piped, non-interactive user would: stdout
 * and stderr captured (not terminals), stdin empty and not a terminal, only the given environment.
 */
import { Readable } from "node:stream";
import { main } from "../../src/cli/main.js";

export interface InProcessRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time of the run, in ms. */
  ms: number;
}

export async function runInProcess(args: readonly string[], opts: { cwd: string; env?: Record<string, string | undefined> }): Promise<InProcessRun> {
  let stdout = "";
  let stderr = "";
  const started = performance.now();
  const code = await main([...args], {
    cwd: opts.cwd,
    env: opts.env ?? {},
    stdout: { write: (s: string) => ((stdout += s), true), isTTY: false },
    stderr: { write: (s: string) => ((stderr += s), true), isTTY: false },
    stdin: Object.assign(Readable.from([]), { isTTY: false }),
  });
  return { code, stdout, stderr, ms: performance.now() - started };
}
