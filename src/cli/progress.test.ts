import { describe, expect, it } from "vitest";
import { progressReporter } from "./progress.js";

function sink(isTTY: boolean) {
  let text = "";
  return { isTTY, write: (s: string) => ((text += s), true), get text() { return text; } };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("progress on stderr", () => {
  it("draws a counter on a terminal once the work takes long enough, and clears it at the end", () => {
    const err = sink(true);
    const p = progressReporter(err, "refreshing", { quiet: false, delayMs: 0 });
    for (let i = 1; i <= 50; i += 1) p.update(i, 50);
    p.done();
    expect(err.text).toContain("refreshing 1/50…");
    expect(err.text).toContain("refreshing 50/50…");
    expect(err.text.endsWith("\r\u001b[K")).toBe(true);
  });

  it("shows time passing for a single slow item (whatever the count), then clears", async () => {
    const err = sink(true);
    const p = progressReporter(err, "refreshing", { quiet: false, delayMs: 30, tickMs: 10 });
    p.update(0, 1);
    await sleep(80);
    expect(err.text).toContain("refreshing 0/1…");
    p.update(1, 1);
    p.done();
    const after = err.text.length;
    await sleep(40);
    expect(err.text.length).toBe(after);
    expect(err.text.endsWith("\r\u001b[K")).toBe(true);
  });

  it("keeps whole lines intact: a step line clears the counter, then it is drawn again", () => {
    const err = sink(true);
    const p = progressReporter(err, "applying", { quiet: false, delayMs: 0 });
    p.update(1, 3);
    p.line("altur/default/q2: updated retries");
    expect(err.text).toContain("\r\u001b[Kaltur/default/q2: updated retries\n\r\u001b[Kapplying 1/3…");
    p.done();
  });

  it("stays silent when stderr is piped, with --quiet, or for work shorter than the delay", async () => {
    for (const [tty, quiet, delayMs] of [[false, false, 0], [true, true, 0], [true, false, 60_000]] as const) {
      const err = sink(tty);
      const p = progressReporter(err, "refreshing", { quiet, delayMs, tickMs: 5 });
      for (let i = 1; i <= 50; i += 1) p.update(i, 50);
      await sleep(20);
      p.line("a step");
      p.done();
      expect(err.text).toBe("a step\n");
    }
  });
});
