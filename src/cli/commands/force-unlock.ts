import { breakStateLock, describeHolder, holderLiveness, lockFileOf, readStateLock } from "../../state/lock.js";
import { confirmYes } from "../confirm.js";
import type { RegisterCommand } from "../context.js";
import { CliError } from "../io.js";
import { loadValidWorkspace } from "../workspace.js";

/**
 * `campaignctl force-unlock [TOKEN] [--force|-y]`: remove a state lock its holder left behind (a run
 * killed on a CI runner or another host: campaignctl clears same-host dead holders by itself, see
 * src/state/lock.ts). Shows the holder, then asks on a terminal; without one it refuses unless --force.
 * TOKEN, when given, must be the lock's token (printed here), so a script removes only the lock it saw.
 */
export const register: RegisterCommand = (program, run) => {
  program
    .command("force-unlock")
    .description("remove the state lock another run left (shows its holder; asks for confirmation)")
    .argument("[token]", "remove the lock only if it still has this token (shown by force-unlock)")
    .option("-y, --force", "do not ask for confirmation (required when stdin is not a terminal)")
    .action(
      run(async (ctx, token: string | undefined, opts: { force?: boolean }) => {
        const workspace = await loadValidWorkspace(ctx);
        if (workspace.backend) {
          throw new CliError("the state is in PostgreSQL (backend in campaignctl.yaml): its apply lock is an advisory lock the server releases when the holding connection ends, so there is nothing to force; a waiting apply names the holder");
        }
        const lockFile = lockFileOf(workspace.stateFile);
        const holder = await readStateLock(workspace.stateFile);
        if (holder === "none") {
          ctx.io.stderr.write(`${workspace.stateFile} is not locked; nothing to do\n`);
          return 0;
        }
        const who = holder === "unreadable" ? "an unreadable lock (no holder recorded)" : `${describeHolder(holder)}, token ${holder.token}`;
        if (token !== undefined && (holder === "unreadable" || holder.token !== token)) {
          throw new CliError(`${lockFile} is held by ${who}, not by token ${token}; nothing removed`);
        }
        ctx.io.stderr.write(`${lockFile} is held by ${who}\n`);
        if (holder !== "unreadable" && holderLiveness(holder) === "alive") {
          ctx.io.stderr.write(`warning: process ${holder.pid} is still running on this host; removing its lock lets another run write the state at the same time\n`);
        }
        if (opts.force !== true) {
          if (ctx.io.stdin.isTTY !== true) throw new CliError("stdin is not a terminal, so force-unlock cannot ask for confirmation: pass --force (-y) to remove the lock");
          if (!(await confirmYes(ctx, "Remove this lock? Only do this when that run is certainly gone."))) {
            ctx.io.stderr.write("force-unlock cancelled; the lock is kept\n");
            return 1;
          }
        }
        if (!(await breakStateLock(workspace.stateFile, holder))) throw new CliError(`${lockFile} changed meanwhile (another run took it); nothing removed`);
        ctx.io.stderr.write(`removed ${lockFile}; the state can be written again\n`);
        return 0;
      }),
    );
};
