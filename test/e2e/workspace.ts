import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { stringify } from "yaml";
import { runInProcess } from "../support/cli-inprocess.js";
import type { TestSandbox } from "../support/sandbox.js";

export type Sandbox = TestSandbox;

export const KEYS = { EXTROVERT_API_KEY: "sandbox", PUFFLE_API_KEY: "sandbox", ALTUR_API_KEY: "sandbox" };

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A throwaway workspace wired to a running sandbox, with helpers to run the CLI in-process. */
export class TestWorkspace {
  private constructor(
    readonly dir: string,
    readonly sandbox: Sandbox,
  ) {}

  private extraConfig: Record<string, unknown> = {};
  /** Puffle launches are asynchronous in the sandbox: poll often so the suite stays fast. */
  private statusWait: Record<string, number> = { pollSeconds: 0.1 };

  static async create(sandbox: Sandbox, extraConfig: Record<string, unknown> = {}): Promise<TestWorkspace> {
    const dir = await mkdtemp(join(tmpdir(), "campaignctl-e2e-"));
    const ws = new TestWorkspace(dir, sandbox);
    ws.extraConfig = extraConfig;
    await mkdir(join(dir, "campaigns"), { recursive: true });
    await ws.writeConfig();
    return ws;
  }

  /** Change the Puffle account's statusWait (how apply waits for a launch to become active). */
  async setStatusWait(wait: Record<string, number>): Promise<void> {
    this.statusWait = wait;
    await this.writeConfig();
  }

  private async writeConfig(): Promise<void> {
    const urls = this.sandbox.urls;
    await writeFile(
      join(this.dir, "campaignctl.yaml"),
      stringify({
        apiVersion: "campaignctl/v1",
        accounts: [
          { provider: "extrovert", apiKeyEnv: "EXTROVERT_API_KEY", baseUrl: urls.extrovert },
          { provider: "puffle", apiKeyEnv: "PUFFLE_API_KEY", baseUrl: urls.puffle, statusWait: this.statusWait },
          { provider: "altur", apiKeyEnv: "ALTUR_API_KEY", baseUrl: urls.altur },
        ],
        ...this.extraConfig,
      }),
    );
  }

  async write(name: string, kind: string, spec: Record<string, unknown>, account?: string): Promise<void> {
    const file = join(this.dir, "campaigns", `${name}.yaml`);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, stringify({ apiVersion: "campaignctl/v1", kind, metadata: { name, ...(account ? { account } : {}) }, spec }));
  }

  async remove(name: string): Promise<void> {
    await rm(join(this.dir, "campaigns", `${name}.yaml`));
  }

  async run(args: string[], env: Record<string, string | undefined> = {}): Promise<RunResult> {
    const { code, stdout, stderr } = await runInProcess(args, { cwd: this.dir, env: { ...KEYS, ...env } });
    return { code, stdout, stderr };
  }

  async state(): Promise<{ campaigns: Record<string, { id: string; applied: Record<string, unknown> }> }> {
    return JSON.parse(await readFile(join(this.dir, "campaignctl.state.json"), "utf8"));
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Clear every provider's request log. */
export async function clearLogs(sb: Sandbox): Promise<void> {
  for (const p of ["extrovert", "puffle", "altur"] as const) await sb.clearRequests(p);
}
