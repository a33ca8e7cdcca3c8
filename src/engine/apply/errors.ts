import type { BlockedStep } from "../../core/plan.js";

/** A write that the provider accepted but that did not take (silent ignore), or an unverifiable outcome. */
export class VerificationError extends Error {
  override name = "VerificationError";
}

/** A blocked step discovered at apply time (e.g. Puffle's pre-check refuses the launch). */
export class BlockedAtApply extends Error {
  constructor(readonly blocked: BlockedStep) {
    super(blocked.reason);
  }
}

/** The first signal arrived before this step (or during a wait): nothing more is started. */
export class Interrupted extends Error {
  constructor(when: string) {
    super(`interrupted ${when}`);
  }
}

export function isStateWriteError(err: unknown): boolean {
  return err instanceof Error && err.name === "StateWriteError";
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
