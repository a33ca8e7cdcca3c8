/**
 * A real PostgreSQL server for the state backend's tests: Debian's postgresql (installed by .ci/run when
 * missing), initdb into a temp dir, listening on 127.0.0.1 on a free port and on a socket in that dir,
 * run as the `postgres` user when the tests run as root (PostgreSQL refuses to run as root), stopped
 * (SIGTERM to the one process this started) and removed after. Password authentication over TCP, so
 * the tests can check that the password never shows.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export const PG_USER = "campaignctl";
export const PG_PASSWORD = "pw-S3cr3t-9f2c";

function findBin(name: string): string {
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const p = join(root, v, "bin", name);
      if (existsSync(p)) return p;
    }
  }
  return name; // on PATH (another distribution)
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface TestPostgres {
  port: number;
  /** postgres://campaignctl:<password>@127.0.0.1:<port>/postgres */
  url: string;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

export async function startPostgres(): Promise<TestPostgres> {
  const dir = mkdtempSync(join(tmpdir(), "campaignctl-pg-"));
  const owner = process.getuid?.() === 0 ? { uid: Number(execFileSync("id", ["-u", "postgres"]).toString().trim()), gid: Number(execFileSync("id", ["-g", "postgres"]).toString().trim()) } : undefined;
  const pwfile = join(dir, "pw");
  writeFileSync(pwfile, `${PG_PASSWORD}\n`, { mode: 0o600 });
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
    chownSync(pwfile, owner.uid, owner.gid);
  }
  const data = join(dir, "data");
  const as = owner ? { uid: owner.uid, gid: owner.gid } : {};
  execFileSync(findBin("initdb"), ["-D", data, "-U", PG_USER, `--pwfile=${pwfile}`, "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync"], {
    stdio: "pipe",
    ...as,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C", LC_ALL: "C" },
  });
  const port = await freePort();
  const server: ChildProcess = spawn(
    findBin("postgres"),
    ["-D", data, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", `unix_socket_directories=${dir}`, "-c", "fsync=off", "-c", "max_connections=50"],
    { stdio: ["ignore", "ignore", "pipe"], ...as, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C", LC_ALL: "C" } },
  );
  let log = "";
  server.stderr?.on("data", (d: Buffer) => (log += d.toString("utf8")));
  const exited = new Promise<void>((r) => server.once("exit", () => r()));
  const url = `postgres://${PG_USER}:${encodeURIComponent(PG_PASSWORD)}@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const c = new pg.Client({ connectionString: url });
    try {
      await c.connect();
      await c.end();
      break;
    } catch (err) {
      await c.end().catch(() => undefined);
      if (server.exitCode !== null || Date.now() > deadline) {
        server.kill("SIGKILL");
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`PostgreSQL did not start: ${(err as Error).message}\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  return {
    port,
    url,
    async query<T>(sql: string, params: unknown[] = []) {
      return (await admin.query(sql, params)).rows as T[];
    },
    async stop() {
      await admin.end().catch(() => undefined);
      server.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (server.exitCode === null) server.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
