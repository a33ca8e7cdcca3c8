import { Help } from "commander";

/**
 * `campaignctl --help` (and a bare `campaignctl`) from a static table, without loading any command
 * module (issue 30: the overview help loaded all of them, 2.6 × a bare node start). The launcher
 * (bin/campaignctl.js) prints it before it loads the CLI; test/static-help.test.ts compares it with
 * what commander prints from the real command definitions at several widths, so it cannot drift:
 * when a command or a global option changes, that test fails and shows the new text.
 * Formatted with commander's own Help (item padding and wrapping), so only commander is loaded.
 */
export const OVERVIEW = {
  usage: "campaignctl [options] [command]",
  description: "Outreach campaigns as code: validate, plan and apply Extrovert, Puffle and Altur campaigns defined in YAML.",
  options: [
    ["--chdir <dir>", "work in DIR, as if campaignctl had been started there"],
    ["--config <file>", "workspace config file (default: campaignctl.yaml in the working directory or the nearest parent)"],
    ["--no-color", "disable colored output (also NO_COLOR; FORCE_COLOR forces it on)"],
    ["-q, --quiet", "print only errors and the requested output"],
    ["-v, --verbose", "print details of each request and step on stderr"],
    ["-V, --version", "print the version and exit"],
    ["--request-timeout <seconds>", "give up on a provider request after this long, retries included (default 60; also CAMPAIGNCTL_REQUEST_TIMEOUT)"],
    ["--timeout <seconds>", "give up on the command's provider work after this long (default 3600; also CAMPAIGNCTL_TIMEOUT)"],
    ["-h, --help", "display help for command"],
  ] as readonly (readonly [string, string])[],
  commands: [
    ["validate [options]", "check the workspace config and every campaign file offline (YAML, schemas, provider rules)"],
    ["plan [options]", "read live state and show what apply would change, field by field (never writes)"],
    ["render [options]", "print the campaign documents plan sees (CampaignSets expanded), as YAML"],
    ["apply [options] [planfile]", "make live match Git: execute a fresh plan (after confirmation) or a saved PLANFILE, verifying every write"],
    ["show [options] <planfile>", "render a plan saved with `campaignctl plan --out FILE` (offline: reads only the file)"],
    ["drift [options]", "compare Git, the last applied state and live; classify every difference (read-only)"],
    ["import [options]", "write campaign files from live Puffle or Altur campaigns and record them in state (read-only towards the provider)"],
    ["state", "inspect and edit campaignctl.state.json: list, show, adopt an existing campaign, move one to a new address, forget one"],
    ["sandbox [options]", "serve local simulators of the Extrovert, Puffle and Altur APIs until Ctrl-C"],
    ["demo", "walk through validate → plan → apply → drift → apply on the built-in sandbox, with the example campaigns (no credentials, a few seconds)"],
    ["init [options] [dir]", "write a new campaigns repository: package.json, campaignctl.yaml, example campaigns, GitHub workflows"],
    ["force-unlock [options] [token]", "remove the state lock another run left (shows its holder; asks for confirmation)"],
    ["version [options]", "print the campaignctl version, the Node.js version and the platform"],
    ["completion <shell>", "print a shell completion script: bash (source it), zsh, fish"],
    ["help [command]", "display help for command"],
  ] as readonly (readonly [string, string])[],
};

/** The width commander wraps help to: the terminal's columns, else 80. */
export function helpWidth(out: { isTTY?: boolean; columns?: number }): number {
  return out.isTTY === true && typeof out.columns === "number" && out.columns > 0 ? out.columns : 80;
}

/** The overview help exactly as commander formats it (Help.formatHelp) for `width` columns. */
export function overviewHelp(width: number): string {
  const helper = new Help();
  helper.helpWidth = width;
  const termWidth = Math.max(...[...OVERVIEW.options, ...OVERVIEW.commands].map(([term]) => term.length));
  const items = (heading: string, list: readonly (readonly [string, string])[]): string[] =>
    list.length === 0 ? [] : [heading, ...list.map(([term, description]) => helper.formatItem(term, termWidth, description, helper)), ""];
  return [
    `Usage: ${OVERVIEW.usage}`,
    "",
    helper.boxWrap(OVERVIEW.description, width),
    "",
    ...items("Options:", OVERVIEW.options),
    ...items("Commands:", OVERVIEW.commands),
  ].join("\n");
}
