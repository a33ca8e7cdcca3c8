import type { SpecValidator } from "../types.js";

/** Offline rules for this provider's spec (placeholder: filled in by the validation work). */
export const validateSpec: SpecValidator = () => {};
