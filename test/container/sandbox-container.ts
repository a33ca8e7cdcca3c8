/**
 * Builds the sandbox image with testcontainers and starts it with host networking; plus the small
 * helpers the container suite uses to talk to it (127.0.0.1 only) and to run the CLI against it.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { GenericContainer, Wait, getContainerRuntimeClient } from "testcontainers";
import type { ContainerRuntimeClient, StartedTestContainer } from "testcontainers";
import { isLoopbackAddress } from "./runtime.js";

export const REPO_ROOT = resolve(import.meta.dirname, "..", "..");
export const IMAGE_TAG = "localhost/campaignctl-sandbox:test";

export interface SandboxUrls {
  extrovert: string;
  puffle: string;
  altur: string;
}

/** Stages the image's build context (scripts/ci/stage-image-context.mjs) in a new temporary directory. */
export function stageImageContext(): string {
  const dir = mkdtempSync(join(tmpdir(), "campaignctl-image-"));
  execFileSync(process.execPath, [join(REPO_ROOT, "scripts", "ci", "stage-image-context.mjs"), dir], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  return dir;
}

/** Builds IMAGE_TAG from a staged context. BASE_IMAGE comes from CAMPAIGNCTL_BASE_IMAGE when set. */
export async function buildSandboxImage(context: string, baseImage: string | undefined): Promise<GenericContainer> {
  return GenericContainer.fromDockerfile(context)
    .withBuildArgs(baseImage ? { BASE_IMAGE: baseImage } : {})
    .build(IMAGE_TAG, { deleteOnExit: false });
}

/**
 * The health check the container runs (Config.Healthcheck.Test, e.g. ["CMD", "node", "-e", "..."]),
 * from the container's inspect: podman 4.3's Docker-compatible image inspect leaves it out even though
 * the image (built in Docker format) carries it.
 */
export async function containerHealthcheck(client: ContainerRuntimeClient, containerId: string): Promise<string[] | undefined> {
  const info = await client.container.dockerode.getContainer(containerId).inspect();
  return info.Config.Healthcheck?.Test;
}

export async function removeSandboxImage(client: ContainerRuntimeClient): Promise<void> {
  await client.container.dockerode
    .getImage(IMAGE_TAG)
    .remove({ force: true })
    .catch(() => undefined);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once("error", () => done(false));
    server.listen(port, "127.0.0.1", () => server.close(() => done(true)));
  });
}

/** A port p such that p, p+1 and p+2 are free on 127.0.0.1 (the sandbox's three listeners). */
export async function freePortBlock(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = await new Promise<number>((done, fail) => {
      const server = createServer();
      server.once("error", fail);
      server.listen(0, "127.0.0.1", () => {
        const address = server.address();
        server.close(() => done(typeof address === "object" && address ? address.port : 0));
      });
    });
    if (port > 0 && port + 2 < 65536 && (await canListen(port + 1)) && (await canListen(port + 2))) return port;
  }
  throw new Error("no block of three free ports on 127.0.0.1");
}

/** Parses the sandbox's start-up JSON line out of the container's output. */
export function parseStartupLine(output: string): SandboxUrls {
  const line = output.split(/\r?\n/).find((l) => l.trim().startsWith("{") && l.includes('"extrovert"'));
  if (line === undefined) throw new Error(`no start-up line in the container's output:\n${output}`);
  const parsed: unknown = JSON.parse(line);
  if (typeof parsed !== "object" || parsed === null) throw new Error(`bad start-up line: ${line}`);
  const { extrovert, puffle, altur } = parsed as Record<string, unknown>;
  if (typeof extrovert !== "string" || typeof puffle !== "string" || typeof altur !== "string") {
    throw new Error(`bad start-up line: ${line}`);
  }
  return { extrovert, puffle, altur };
}

/** Throws unless url points at a loopback address: the suite sends nothing anywhere else. */
export function assertLoopbackUrl(url: string): URL {
  const parsed = new URL(url);
  if (!isLoopbackAddress(parsed.hostname)) throw new Error(`refusing to send a request to ${url}: not a loopback address`);
  return parsed;
}

export interface HttpResult {
  status: number;
  body: unknown;
  text: string;
}

/** One HTTP request to a loopback URL; JSON in and out. */
export async function http(
  method: string,
  url: string,
  options: { headers?: Record<string, string>; body?: unknown } = {},
): Promise<HttpResult> {
  assertLoopbackUrl(url);
  const headers: Record<string, string> = { accept: "application/json", ...options.headers };
  let body: string | undefined;
  if (options.body !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/campaignctl.js ARGS` (the built CLI, as users run it) in cwd with extra env. */
export function runCli(args: readonly string[], cwd: string, env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [join(REPO_ROOT, "bin", "campaignctl.js"), ...args],
      { cwd, env: { ...process.env, NO_COLOR: "1", ...env }, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
        done({ code, stdout, stderr });
      },
    );
  });
}

export async function runtimeClient(): Promise<ContainerRuntimeClient> {
  return getContainerRuntimeClient();
}

export { Wait };
export type { StartedTestContainer };

export function removeDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** A workspace (campaignctl.yaml + campaigns/) whose accounts point at the sandbox's URLs. Keys come from env. */
export function writeWorkspace(sandbox: SandboxUrls, campaigns: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "campaignctl-ws-"));
  mkdirSync(join(dir, "campaigns"), { recursive: true });
  writeFileSync(
    join(dir, "campaignctl.yaml"),
    [
      "apiVersion: campaignctl/v1",
      "campaignsDir: campaigns",
      "accounts:",
      `  - { provider: extrovert, name: default, apiKeyEnv: EXTROVERT_API_KEY, baseUrl: "${sandbox.extrovert}" }`,
      `  - { provider: puffle, name: default, apiKeyEnv: PUFFLE_API_KEY, baseUrl: "${sandbox.puffle}" }`,
      `  - { provider: altur, name: default, apiKeyEnv: ALTUR_API_KEY, baseUrl: "${sandbox.altur}" }`,
      "",
    ].join("\n"),
  );
  for (const [name, text] of Object.entries(campaigns)) writeFileSync(join(dir, "campaigns", name), text);
  return dir;
}
