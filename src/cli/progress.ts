import type { Output } from "./io.js";

export interface ProgressOptions {
  quiet: boolean;
  /** Draw only once the work has taken this long (default 1000 ms), whatever the number of items. */
  delayMs?: number;
  /** Redraw at least this often while waiting, so a single slow request still shows time passing. */
  tickMs?: number;
}

export interface Progress {
  update(done: number, total: number): void;
  /** Print a whole line (e.g. an apply step) without tearing the counter. */
  line(text: string): void;
  done(): void;
}

/**
 * A one-line progress counter on stderr, only when stderr is a terminal and the work lasts longer
 * than about a second. Never writes to stdout; nothing at all on a pipe or with --quiet.
 */
export function progressReporter(stderr: Output, label: string, opts: ProgressOptions): Progress {
  const enabled = stderr.isTTY === true && !opts.quiet;
  const started = Date.now();
  const delay = opts.delayMs ?? 1000;
  let done = 0;
  let total = 0;
  let drawn = false;
  let last = 0;
  let finished = false;
  const draw = (force: boolean) => {
    if (!enabled || finished) return;
    const now = Date.now();
    if (now - started < delay) return;
    if (!force && now - last < 100 && done < total) return;
    last = now;
    drawn = true;
    const secs = Math.floor((now - started) / 1000);
    stderr.write(`\r\u001b[K${label} ${done}/${total}…${secs >= 1 ? ` ${secs} s` : ""}`);
  };
  let timer: ReturnType<typeof setInterval> | undefined;
  if (enabled) {
    timer = setInterval(() => draw(true), opts.tickMs ?? 500);
    timer.unref?.();
  }
  return {
    update(d, t) {
      done = d;
      total = t;
      draw(false);
    },
    line(text) {
      if (drawn) stderr.write("\r\u001b[K");
      stderr.write(`${text}\n`);
      if (drawn) draw(true);
    },
    done() {
      finished = true;
      if (timer) clearInterval(timer);
      if (drawn) stderr.write("\r\u001b[K");
    },
  };
}
