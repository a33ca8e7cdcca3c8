import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** The `--data FILE` format: every simulator's snapshot under its provider name. */
export interface DataFileContent {
  format: "campaignctl-sandbox";
  version: 1;
  savedAt: string;
  providers: Record<string, unknown>;
}

export class SandboxDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SandboxDataError";
  }
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Read a data file. Returns undefined when it does not exist; throws SandboxDataError when it is unusable. */
export async function loadDataFile(file: string): Promise<DataFileContent | undefined> {
  let raw: string;
  try {
    raw = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new SandboxDataError(`cannot read sandbox data file ${file}: ${errorText(err)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new SandboxDataError(
      `sandbox data file ${file} is corrupt (not valid JSON: ${errorText(err)}); fix it or remove it to start with fixtures only`,
    );
  }
  const doc = parsed as Partial<DataFileContent> | null;
  if (
    typeof doc !== "object" ||
    doc === null ||
    doc.format !== "campaignctl-sandbox" ||
    doc.version !== 1 ||
    typeof doc.providers !== "object" ||
    doc.providers === null ||
    Array.isArray(doc.providers)
  ) {
    throw new SandboxDataError(
      `sandbox data file ${file} is not a campaignctl sandbox data file (expected {"format":"campaignctl-sandbox","version":1,"providers":{...}}); fix it or remove it`,
    );
  }
  return doc as DataFileContent;
}

/**
 * Writes snapshots atomically (temp file in the same directory, fsync, rename, fsync of the directory)
 * and serialised: writes never interleave, and requests made while a write runs are coalesced into one
 * following write that sees all of them.
 */
export class SnapshotWriter {
  private chain: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;

  constructor(
    private readonly file: string,
    private readonly collect: () => Record<string, unknown>,
  ) {}

  /** Resolves once a write that started after this call has completed; rejects when that write failed. */
  save(): Promise<void> {
    if (this.queued !== undefined) return this.queued;
    const next = this.chain.then(() => {
      this.queued = undefined;
      return this.writeNow();
    });
    this.queued = next;
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Resolves when every requested write has finished (successfully or not). */
  async flush(): Promise<void> {
    await this.chain;
  }

  private async writeNow(): Promise<void> {
    const content: DataFileContent = {
      format: "campaignctl-sandbox",
      version: 1,
      savedAt: new Date().toISOString(),
      providers: this.collect(),
    };
    const text = `${JSON.stringify(content, null, 2)}\n`;
    const dir = dirname(this.file);
    const tmp = join(dir, `.${basename(this.file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
    await mkdir(dir, { recursive: true });
    const handle = await open(tmp, "wx", 0o600);
    try {
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } catch (err) {
      await handle.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    await handle.close();
    try {
      await rename(tmp, this.file);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    // Make the rename itself durable; not every platform lets a directory be opened for fsync.
    try {
      const dirHandle = await open(dir, "r");
      try {
        await dirHandle.sync();
      } finally {
        await dirHandle.close();
      }
    } catch {
      /* best effort */
    }
  }
}
