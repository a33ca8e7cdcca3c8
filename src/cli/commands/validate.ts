import type { RegisterCommand } from "../context.js";
import { CliError } from "../io.js";

// Placeholder until the command is implemented (see the issue tracker).
export const register: RegisterCommand = (program, run) => {
  program
    .command("validate")
    .description("validate (not implemented yet)")
    .allowUnknownOption()
    .action(
      run(async () => {
        throw new CliError("'validate' is not implemented yet");
      }),
    );
};
