import { describe, expect, it } from "vitest";
import { progressReporter } from "./progress.js";

function sink(isTTY: boolean) {
  let text = "";
  return { isTTY, write: (s: string) => ((text += s), true), get text() { return text; } };
}

describe("progress on stderr", () => {
  it("draws a counter on a terminal for a long refresh and clears it at the end", () => {
    const err = sink(true);
    const p = progressReporter(err, "refreshing", { quiet: false });
    for (let i = 1; i <= 50; i += 1) p.update(i, 50);
    p.done();
    expect(err.text).toContain("\rrefreshing 1/50…");
    expect(err.text).toContain("\rrefreshing 50/50…");
    expect(err.text.endsWith("\r\u001b[K")).toBe(true);
  });

  it("stays silent when stderr is piped, with --quiet, or for a short refresh", () => {
    for (const [tty, quiet, total] of [[false, false, 50], [true, true, 50], [true, false, 5]] as const) {
      const err = sink(tty);
      const p = progressReporter(err, "refreshing", { quiet });
      for (let i = 1; i <= total; i += 1) p.update(i, total);
      p.done();
      expect(err.text).toBe("");
    }
  });
});
