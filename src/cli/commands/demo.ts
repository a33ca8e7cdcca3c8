import { existsSync, rmSync } from "node:fs";
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { yamlLib } from "../../config/yaml-lib.js";
import { isJsonObject } from "../../core/json.js";
import { defaultApiKeyEnv, kindModule, providerById, providers } from "../../providers/registry.js";
import type { RunningSandbox } from "../../sandbox/server.js";
import { isSimulated, type SimulatedProvider } from "../../sandbox/types.js";
import type { CommandContext, RegisterCommand } from "../context.js";
import { CliError, type Output } from "../io.js";

/**
 * `campaignctl demo` (docs/design.md §8): the whole tool in a few seconds, with no credentials. Starts the
 * sandbox in-process on free ports, copies the repository's example campaigns into a temporary
 * workspace wired to it, and walks through validate → plan → apply → plan → an edit made "in the
 * provider's UI" → drift → apply → plan. Every step is the real CLI (`main()` in-process) and its real
 * output, indented; the demo checks each exit code and stops with the step's name when one is off.
 */

/** The package's example campaigns: <package root>/campaigns (src/cli/commands and dist/cli/commands sit three levels below). */
const EXAMPLES_DIR = new URL("../../../campaigns/", import.meta.url);

/** The sandbox's API key. A throwaway value that only the in-process sandbox accepts. */
const DEMO_KEY = "sandbox";


interface StepResult {
  code: number;
  output: string;
}

class DemoStepError extends CliError {}

interface Example {
  provider: SimulatedProvider;
  account: string;
  name: string;
  spec: Record<string, unknown>;
}

async function yamlFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await yamlFiles(path)));
    else if (/\.ya?ml$/.test(entry.name)) out.push(path);
  }
  return out.sort();
}

/** What the demo needs to know of each example (its provider account, name and spec). */
async function readExamples(dir: string): Promise<Example[]> {
  const out: Example[] = [];
  for (const file of await yamlFiles(dir)) {
    let doc: unknown;
    try {
      doc = yamlLib().parse(await readFile(file, "utf8"));
    } catch {
      continue; // validate reports it
    }
    if (!isJsonObject(doc) || typeof doc.kind !== "string" || !isJsonObject(doc.metadata) || !isJsonObject(doc.spec)) continue;
    const found = kindModule(doc.kind);
    // Each provider's primary kind only: the styles, contexts and topics they use are applied with them, not shown apart.
    if (!found || found.kind.short !== undefined || typeof doc.metadata.name !== "string") continue;
    const account = typeof doc.metadata.account === "string" ? doc.metadata.account : "default";
    if (!isSimulated(found.provider.id)) continue;
    out.push({ provider: found.provider.id, account, name: doc.metadata.name, spec: doc.spec });
  }
  return out;
}

export async function runDemo(ctx: CommandContext): Promise<number> {
  const { io, global } = ctx;
  const color = global.color;
  const paint = (code: string, s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const out = (s = "") => io.stdout.write(`${s}\n`);
  const started = Date.now();
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

  const examples = fileURLToPath(EXAMPLES_DIR);
  if (!existsSync(examples)) {
    throw new CliError(`the example campaigns are not part of this installation (looked for ${examples}); run the demo from a checkout of the campaignctl repository`);
  }

  let sandbox: RunningSandbox | undefined;
  let workspace: string | undefined;
  let step = 0;
  // Ctrl-C in the middle: remove the temporary workspace before the process goes (the sandbox dies with it).
  const interrupted = (signal: NodeJS.Signals) => {
    if (workspace) rmSync(workspace, { recursive: true, force: true });
    io.stderr.write(`\ndemo interrupted (${signal}); temporary workspace removed\n`);
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  try {
    workspace = await mkdtemp(join(tmpdir(), "campaignctl-demo-"));
    // The simulators load with the command, not with the CLI.
    const { SandboxError, startSandbox } = await import("../../sandbox/server.js");
    try {
      sandbox = await startSandbox({ port: 0, apiKey: DEMO_KEY, log: (line) => void io.stderr.write(`${line}\n`) });
    } catch (err) {
      if (err instanceof SandboxError) throw new CliError(`cannot start the sandbox: ${err.message}`);
      throw err;
    }
    const sb = sandbox;
    // The registered providers the sandbox simulates.
    const demoProviders = providers()
      .map((p) => p.id)
      .filter(isSimulated);
    const ws = workspace;
    await cp(examples, join(ws, "campaigns"), { recursive: true });
    const declared = await readExamples(join(ws, "campaigns"));
    const accounts = new Set(declared.map((e) => `${e.provider}/${e.account}`));
    for (const p of demoProviders) accounts.add(`${p}/default`);
    await writeFile(
      join(ws, "campaignctl.yaml"),
      "# The demo's workspace: every account points at the in-process sandbox.\n" +
        yamlLib().stringify({
          apiVersion: "campaignctl/v1",
          campaignsDir: "campaigns",
          accounts: [...accounts].sort().map((key) => {
            const [provider, name] = key.split("/") as [SimulatedProvider, string];
            return { provider, name, apiKeyEnv: defaultApiKeyEnv(provider), baseUrl: sb.urls[provider] };
          }),
        }),
    );
    // Only the sandbox's key, never the user's environment (and so never a real key).
    const env: Record<string, string> = Object.fromEntries(demoProviders.map((p) => [defaultApiKeyEnv(p), DEMO_KEY]));

    out(paint("1", "campaignctl demo") + " — campaigns as code, end to end, against the built-in sandbox (no credentials, nothing leaves 127.0.0.1)");
    out(`  sandbox:   ${demoProviders.map((p) => `${providerById(p).displayName} ${sb.urls[p]}`).join(", ")}`);
    out(`  workspace: ${ws} (${declared.length} example campaigns copied from the repository's campaigns/)`);

    const heading = (title: string, what: string) => {
      step += 1;
      out();
      out(`${paint("1;36", `Step ${step}: ${title}`)} — ${what}`);
    };
    const indent = (text: string) =>
      text
        .replace(/\n+$/, "")
        .split("\n")
        .map((l) => (l === "" ? "" : `    ${l}`))
        .join("\n");

    /** Run the CLI in-process in the demo workspace; its output is captured and printed indented. */
    const cli = async (args: string[], expected: number, explain: Record<number, string> = {}): Promise<StepResult> => {
      out(`  ${paint("2", "$")} campaignctl ${args.join(" ")}`);
      let output = "";
      const capture = (tty: boolean): Output => ({ write: (s: string) => ((output += s), true), isTTY: tty });
      const t0 = Date.now();
      if (!ctx.cli) throw new Error("the demo runs the CLI in-process and needs it passed down by main()");
      const code = await ctx.cli([...(color ? [] : ["--no-color"]), ...args], {
        cwd: ws,
        env,
        stdout: capture(color),
        stderr: capture(false),
        stdin: Object.assign(Readable.from([]), { isTTY: false }),
      });
      if (output.trim() !== "") out(indent(output));
      const took = paint("2", `(${seconds(Date.now() - t0)})`);
      if (code !== expected) {
        out(`  ${paint("31", `exit ${code}, expected ${expected}`)} ${took}`);
        throw new DemoStepError(`demo step ${step} (campaignctl ${args.join(" ")}) exited ${code} instead of ${expected}; its output is above`);
      }
      out(`  ${paint("32", `exit ${code}`)}${explain[code] ? ` — ${explain[code]}` : ""} ${took}`);
      return { code, output };
    };

    /** A provider API call, made the way a person's browser would, shown as the equivalent curl line. */
    const providerCall = async (provider: SimulatedProvider, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
      const auth = providerById(provider).connection.authHeader(DEMO_KEY);
      const shownAuth = auth.value.replace(DEMO_KEY, `$${defaultApiKeyEnv(provider)}`);
      const data = body === undefined ? "" : ` -H "Content-Type: application/json" -d '${JSON.stringify(body)}'`;
      out(`  ${paint("2", "$")} curl -X ${method} ${sb.urls[provider]}${path} -H "${auth.name}: ${shownAuth}"${data}`);
      const res = await fetch(`${sb.urls[provider]}${path}`, {
        method,
        headers: { [auth.name]: auth.value, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      let parsed: unknown = {};
      try {
        parsed = text === "" ? {} : JSON.parse(text);
      } catch {
        parsed = {};
      }
      if (res.status >= 300) throw new DemoStepError(`demo step ${step}: ${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
      return { status: res.status, body: isJsonObject(parsed) ? parsed : {} };
    };

    const stateIds = async (): Promise<Record<string, string>> => {
      const raw = JSON.parse(await readFile(join(ws, "campaignctl.state.json"), "utf8")) as { campaigns: Record<string, { id: string }> };
      return Object.fromEntries(Object.entries(raw.campaigns).map(([a, e]) => [a, e.id]));
    };
    const addressOf = (e: Example) => `${e.provider}/${e.account}/${e.name}`;

    // 1-2: offline validation, then a read-only plan.
    heading("validate", "check every campaign file offline: YAML, schemas, each provider's documented rules");
    await cli(["validate"], 0);
    heading("plan", "read the three providers (GET requests only) and show what apply would do");
    await cli(["plan", "--detailed-exitcode"], 2, { 2: "changes to apply (exit 2 with --detailed-exitcode)" });

    // 3: apply. The audiences are part of the campaigns: Puffle prospects go up after create and
    // before launch (the roster is draft-only), Altur contacts before activate.
    heading("apply", "create every campaign, upload its audience, then launch, pause or activate it as its file says");
    await cli(["apply", "--auto-approve"], 0, { 0: "everything applied and verified, prospects and contacts included" });

    heading("plan", "right after apply: nothing left to do");
    await cli(["plan", "--detailed-exitcode"], 0, { 0: "no changes" });

    // An edit made outside campaignctl, as someone in the provider's dashboard would.
    heading("edit in the provider's UI", "someone changes a campaign in the provider's dashboard, outside Git");
    const ids = await stateIds();
    const altur = declared.find((e) => e.provider === "altur" && typeof e.spec.retries === "number" && ids[addressOf(e)] !== undefined);
    const renamable = declared.find((e) => (e.provider === "altur" || e.provider === "puffle") && typeof e.spec.name === "string" && ids[addressOf(e)] !== undefined);
    let edited: string;
    if (altur) {
      const retries = altur.spec.retries as number;
      const next = retries >= 5 ? retries - 1 : retries + 1;
      const res = await providerCall("altur", "PATCH", `/campaigns/${ids[addressOf(altur)]}`, { retries: next });
      out(`    → ${res.status}: retries of ${addressOf(altur)} is now ${next} at Altur; Git still says ${retries}`);
      edited = addressOf(altur);
    } else if (renamable) {
      const path = renamable.provider === "altur" ? `/campaigns/${ids[addressOf(renamable)]}` : `/api/campaigns/${ids[addressOf(renamable)]}`;
      const res = await providerCall(renamable.provider, "PATCH", path, { name: `${String(renamable.spec.name)} (edited in the UI)` });
      out(`    → ${res.status}: ${addressOf(renamable)} was renamed at ${providerById(renamable.provider).displayName}`);
      edited = addressOf(renamable);
    } else {
      throw new DemoStepError(`demo step ${step}: the example campaigns hold no Puffle or Altur campaign to edit`);
    }

    heading("drift", "compare Git, the last applied state and live: the UI edit is out-of-band");
    const drift = await cli(["drift"], 2, { 2: "drift found (a scheduled workflow turns this into a GitHub issue)" });
    if (!drift.output.includes("out-of-band") || !drift.output.includes(edited)) {
      throw new DemoStepError(`demo step ${step}: drift did not report the edit of ${edited} as out-of-band`);
    }

    heading("apply", "Git is the source of truth: apply puts the edited field back");
    await cli(["apply", "--auto-approve"], 0, { 0: "reconciled" });

    heading("plan", "in sync again");
    await cli(["plan", "--detailed-exitcode"], 0, { 0: "no changes" });

    out();
    out(`${paint("1;32", "Demo finished")} in ${seconds(Date.now() - started)}: every step behaved as expected.`);
    out("Next: point campaignctl.yaml at your accounts (README → File formats), or run `campaignctl sandbox`");
    out("and try plan/apply/drift/import against it yourself.");
    return 0;
  } catch (err) {
    if (err instanceof DemoStepError || !(err instanceof CliError)) {
      const why = err instanceof Error ? err.message : String(err);
      throw new CliError(err instanceof DemoStepError ? why : `demo ${step === 0 ? "setup" : `step ${step}`} failed: ${why}`);
    }
    throw err;
  } finally {
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
    await sandbox?.stop().catch(() => undefined);
    if (workspace) await rm(workspace, { recursive: true, force: true }).catch(() => undefined);
  }
}

export const register: RegisterCommand = (program, run) => {
  program
    .command("demo")
    .description("walk through validate → plan → apply → drift → apply on the built-in sandbox, with the example campaigns (no credentials, a few seconds)")
    .addHelpText(
      "after",
      "\nStarts the sandbox in-process on free ports, copies the repository's campaigns/ into a temporary\n" +
        "workspace, runs each step through the real CLI and prints its output. Cleans up afterwards.\n" +
        "Exit codes: 0 every step behaved as expected, 1 a step did not (its name is in the message).",
    )
    .action(run(async (ctx: CommandContext) => runDemo(ctx)));
};
