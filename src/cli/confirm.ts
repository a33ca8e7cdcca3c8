import { createInterface } from "node:readline";
import type { CommandContext } from "./context.js";

/**
 * Ask `question` on stderr and read one line from stdin; true only for exactly "yes" (Terraform's rule).
 * Callers check that stdin is a terminal first: a pipe has nobody to answer.
 */
export async function confirmYes(ctx: CommandContext, question: string): Promise<boolean> {
  ctx.io.stderr.write(`\n${question} Only 'yes' will be accepted: `);
  const rl = createInterface({ input: ctx.io.stdin, terminal: false });
  const answer = await new Promise<string>((res) => {
    rl.once("line", (line) => res(line));
    rl.once("close", () => res(""));
  });
  rl.close();
  return answer.trim() === "yes";
}
