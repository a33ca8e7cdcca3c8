/**
 * Container runtime detection and the network-safety guard of the container suite.
 *
 * Everything here mirrors how testcontainers 11 picks its runtime endpoint and the host it connects to
 * (strategies: ~/.testcontainers.properties `tc.host`, then DOCKER_HOST / `docker.host`, then the
 * well-known sockets; host: TESTCONTAINERS_HOST_OVERRIDE, else the endpoint's hostname, else — on a
 * unix socket inside a container, i.e. when /.dockerenv exists — a bridge gateway in a private range).
 * The suite computes that host BEFORE testcontainers runs and refuses to start unless it, the API
 * endpoint and every address they resolve to are loopback addresses.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { homedir, userInfo } from "node:os";
import { join } from "node:path";

export interface RuntimeProbe {
  /** A runtime endpoint was found: a unix socket that exists, or a tcp/http endpoint. */
  available: boolean;
  /** The endpoint testcontainers will use, e.g. "unix:///run/podman/podman.sock". */
  endpoint: string | undefined;
  /** Where the endpoint came from. */
  source: string;
  /** `tc.host` from ~/.testcontainers.properties (testcontainers then ignores TESTCONTAINERS_HOST_OVERRIDE). */
  tcHost: string | undefined;
  /** Human-readable reason when not available. */
  reason: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** ~/.testcontainers.properties as key → value (`key=value`, `key: value` or `key value`; # and ! comments). */
export function readTestcontainersProperties(home = homedir()): Record<string, string> {
  const file = join(home, ".testcontainers.properties");
  if (!existsSync(file)) return {};
  const out: Record<string, string> = {};
  for (const raw of readFileSync(file, "utf8").split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith("!")) continue;
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (m?.[1] !== undefined) out[m[1]] = (m[2] ?? "").trim();
  }
  return out;
}

function isSocket(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

/** Synchronous (usable at collection time, for describe.skipIf): which endpoint testcontainers will use. */
export function detectRuntime(env: Env = process.env, home: string = homedir()): RuntimeProbe {
  const props = readTestcontainersProperties(home);
  const tcHost = props["tc.host"];
  const probe = (endpoint: string, source: string): RuntimeProbe => {
    if (endpoint.startsWith("unix://")) {
      const path = endpoint.slice("unix://".length);
      const ok = isSocket(path);
      return { available: ok, endpoint, source, tcHost, reason: ok ? "" : `${source} names ${path}, which is not a socket` };
    }
    return { available: true, endpoint, source, tcHost, reason: "" };
  };
  if (tcHost) return probe(tcHost, "tc.host in ~/.testcontainers.properties");
  if (env.DOCKER_HOST) return probe(env.DOCKER_HOST, "DOCKER_HOST");
  if (props["docker.host"]) return probe(props["docker.host"], "docker.host in ~/.testcontainers.properties");
  const candidates = [
    "/var/run/docker.sock",
    ...(env.XDG_RUNTIME_DIR ? [join(env.XDG_RUNTIME_DIR, "docker.sock")] : []),
    join(home, ".docker", "run", "docker.sock"),
    join(home, ".docker", "desktop", "docker.sock"),
    join("/run", "user", String(userInfo().uid), "docker.sock"),
  ];
  const found = candidates.find(isSocket);
  if (found) return probe(`unix://${found}`, "default socket");
  return {
    available: false,
    endpoint: undefined,
    source: "none",
    tcHost,
    reason:
      "no container runtime: DOCKER_HOST is not set and no Docker socket exists " +
      "(set one up with `scripts/ci/setup-container-runtime.sh`, or run `CAMPAIGNCTL_CONTAINER_RUNTIME=setup bash .ci/run`)",
  };
}

/** True for 127.0.0.0/8, ::1 and IPv4-mapped 127.x (literal addresses only). */
export function isLoopbackAddress(address: string): boolean {
  const a = address.replace(/^\[|\]$/g, "").toLowerCase();
  const family = isIP(a);
  if (family === 4) return a.split(".")[0] === "127";
  if (family === 6) {
    if (a === "::1" || /^(0{1,4}:){7}0{0,3}1$/.test(a) || a === "0:0:0:0:0:0:0:1") return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
    return mapped?.[1] !== undefined && isLoopbackAddress(mapped[1]);
  }
  return false;
}

/** A literal loopback address, or a name (e.g. "localhost") all of whose addresses are loopback. */
export async function assertLoopbackHost(host: string, what: string): Promise<void> {
  const bare = host.replace(/^\[|\]$/g, "");
  if (isIP(bare) !== 0) {
    if (!isLoopbackAddress(bare)) throw new Error(`refusing to start: ${what} is ${host}, not a loopback address`);
    return;
  }
  const addresses = await lookup(bare, { all: true });
  const bad = addresses.filter((a) => !isLoopbackAddress(a.address));
  if (addresses.length === 0 || bad.length > 0) {
    throw new Error(
      `refusing to start: ${what} is ${host}, which resolves to ${addresses.map((a) => a.address).join(", ") || "nothing"}, not only loopback addresses`,
    );
  }
}

/**
 * The host testcontainers will connect to for this probe, computed the way testcontainers does, without
 * asking the runtime anything. Throws where testcontainers would look up a bridge gateway (a private
 * address) because TESTCONTAINERS_HOST_OVERRIDE is unset on a machine carrying /.dockerenv.
 */
export function predictTestcontainersHost(
  probe: RuntimeProbe,
  env: Env = process.env,
  inContainer: boolean = existsSync("/.dockerenv"),
): { host: string; why: string } {
  if (probe.endpoint === undefined) throw new Error("no container runtime endpoint");
  const url = new URL(probe.endpoint);
  if (!probe.tcHost && env.TESTCONTAINERS_HOST_OVERRIDE !== undefined) {
    return { host: env.TESTCONTAINERS_HOST_OVERRIDE, why: "TESTCONTAINERS_HOST_OVERRIDE" };
  }
  if (url.protocol === "unix:" || url.protocol === "npipe:") {
    if (inContainer) {
      throw new Error(
        "refusing to start: /.dockerenv exists and TESTCONTAINERS_HOST_OVERRIDE is not set, so testcontainers " +
          "would connect to a bridge gateway address (a private range); set TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1",
      );
    }
    return { host: "localhost", why: `${probe.endpoint} (unix socket)` };
  }
  return { host: url.hostname, why: probe.source };
}

/**
 * The whole pre-flight guard: the API endpoint (when not a unix socket) and the host testcontainers will
 * use must be loopback. Runs before testcontainers is asked anything.
 */
export async function assertLoopbackOnly(
  probe: RuntimeProbe,
  env: Env = process.env,
  inContainer: boolean = existsSync("/.dockerenv"),
): Promise<string> {
  if (probe.endpoint === undefined) throw new Error("no container runtime endpoint");
  const url = new URL(probe.endpoint);
  if (url.protocol !== "unix:" && url.protocol !== "npipe:") {
    await assertLoopbackHost(url.hostname, `the container runtime endpoint (${probe.source})`);
  }
  const { host, why } = predictTestcontainersHost(probe, env, inContainer);
  await assertLoopbackHost(host, `the host testcontainers would use (from ${why})`);
  return host;
}
