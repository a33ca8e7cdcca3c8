/**
 * A failure the user can act on: printed as `error: <message>` (no stack) and mapped to an exit code.
 * Lives in core so every layer (engine, state, cli) can raise one without importing the CLI.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "UserError";
  }
}
