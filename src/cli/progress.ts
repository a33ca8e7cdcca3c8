import type { Output } from "./io.js";

/**
 * A one-line progress counter on stderr, only when stderr is a terminal and the work is long
 * enough to be worth it. Never writes to stdout.
 */
export function progressReporter(stderr: Output, label: string, opts: { quiet: boolean; minTotal?: number }): {
  update(done: number, total: number): void;
  done(): void;
} {
  const enabled = stderr.isTTY === true && !opts.quiet;
  let last = 0;
  let drawn = false;
  return {
    update(done, total) {
      if (!enabled || total < (opts.minTotal ?? 20)) return;
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      drawn = true;
      stderr.write(`\r${label} ${done}/${total}…`);
    },
    done() {
      if (drawn) stderr.write("\r\u001b[K");
    },
  };
}
