import { writeSync } from "node:fs";

/**
 * Pieces the state file, its journal and its lock share. In a module of their own so that none of the
 * three imports another just for them (test/layers.test.ts refuses run-time import cycles).
 */

/** The journal an apply keeps next to the state file. */
export function journalFileOf(stateFile: string): string {
  return `${stateFile}.journal`;
}

/** Write all of `text` (a short write is retried; the next one reports the error). */
export function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text, "utf8");
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}
