/**
 * A minimal Language Server Protocol client for yaml-language-server (a pinned devDependency) over
 * stdio: open a document, collect the diagnostics it publishes, ask for completions. What an editor
 * (VS Code's YAML extension, Neovim, Helix) shows comes from these same answers.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

export interface LspDiagnostic {
  message: string;
  severity?: number;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
}

export interface LspCompletionItem {
  label: string;
  insertText?: string;
  documentation?: unknown;
}

/** The editor settings: schemas come only from the files' modelines (no schema store, no network). */
const SETTINGS = { yaml: { validate: true, completion: true, hover: true, schemaStore: { enable: false } } };

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

export class YamlLanguageServer {
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Per document: every diagnostics list published so far (the server sends no version number). */
  private readonly diagnostics = new Map<string, LspDiagnostic[][]>();
  private readonly waiters: (() => void)[] = [];
  private stderr = "";

  private constructor(private readonly proc: ChildProcessWithoutNullStreams) {
    proc.stdout.on("data", (chunk: Buffer) => this.onData(chunk));
    proc.stderr.on("data", (chunk: Buffer) => (this.stderr += chunk.toString("utf8")));
    proc.on("exit", () => {
      for (const p of this.pending.values()) p.reject(new Error(`yaml-language-server exited: ${this.stderr.slice(-500)}`));
      this.pending.clear();
    });
  }

  /** Start the server on stdio with validation and completion on, and every workspace schema taken from the files' modelines. */
  static async start(rootDir: string): Promise<YamlLanguageServer> {
    const pkg = createRequire(import.meta.url).resolve("yaml-language-server/package.json");
    const bin = join(dirname(pkg), "bin", "yaml-language-server");
    const proc = spawn(process.execPath, [bin, "--stdio"], { stdio: ["pipe", "pipe", "pipe"] });
    const ls = new YamlLanguageServer(proc);
    await ls.request("initialize", {
      processId: process.pid,
      rootUri: pathToFileURL(rootDir).href,
      capabilities: { textDocument: { completion: { completionItem: { snippetSupport: false } }, publishDiagnostics: {} }, workspace: { configuration: false } },
    });
    ls.notify("initialized", {});
    ls.notify("workspace/didChangeConfiguration", { settings: SETTINGS });
    return ls;
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf("\r\n\r\n");
      if (headerEnd < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, headerEnd).toString("ascii"))?.[1]);
      if (this.buffer.length < headerEnd + 4 + length) return;
      const body = JSON.parse(this.buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString("utf8")) as {
        id?: number;
        method?: string;
        params?: { uri: string; version?: number; diagnostics: LspDiagnostic[] };
        result?: unknown;
        error?: { message: string };
      };
      this.buffer = this.buffer.subarray(headerEnd + 4 + length);
      if (body.method === "textDocument/publishDiagnostics" && body.params) {
        this.diagnostics.set(body.params.uri, [...(this.diagnostics.get(body.params.uri) ?? []), body.params.diagnostics]);
        for (const w of this.waiters.splice(0)) w();
      } else if (body.method !== undefined && body.id !== undefined) {
        // A request from the server (configuration, schema association): answer with nothing.
        const items = (body.params as { items?: { section?: string }[] } | undefined)?.items ?? [];
        this.send({ jsonrpc: "2.0", id: body.id, result: body.method === "workspace/configuration" ? items.map((i) => (i.section === "yaml" ? SETTINGS.yaml : {})) : null });
      } else if (body.id !== undefined && this.pending.has(body.id)) {
        const p = this.pending.get(body.id)!;
        this.pending.delete(body.id);
        if (body.error) p.reject(new Error(body.error.message));
        else p.resolve(body.result);
      }
    }
  }

  private send(message: object): void {
    const text = JSON.stringify(message);
    this.proc.stdin.write(`Content-Length: ${Buffer.byteLength(text, "utf8")}\r\n\r\n${text}`);
  }

  request(method: string, params: unknown): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send({ jsonrpc: "2.0", id, method, params });
    });
  }

  notify(method: string, params: unknown): void {
    this.send({ jsonrpc: "2.0", method, params });
  }

  private versions = new Map<string, number>();

  /** Open (or replace) a document and wait for the diagnostics the server publishes for this version. */
  async diagnose(file: string, text: string): Promise<LspDiagnostic[]> {
    const uri = pathToFileURL(file).href;
    const version = (this.versions.get(uri) ?? 0) + 1;
    this.versions.set(uri, version);
    const seen = this.diagnostics.get(uri)?.length ?? 0;
    if (version === 1) this.notify("textDocument/didOpen", { textDocument: { uri, languageId: "yaml", version, text } });
    else this.notify("textDocument/didChange", { textDocument: { uri, version }, contentChanges: [{ text }] });
    for (;;) {
      const got = this.diagnostics.get(uri) ?? [];
      if (got.length > seen) return got[got.length - 1]!;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  /** The completion labels at line/character (0-based) of an opened document. */
  async complete(file: string, line: number, character: number): Promise<LspCompletionItem[]> {
    const result = (await this.request("textDocument/completion", { textDocument: { uri: pathToFileURL(file).href }, position: { line, character } })) as
      | { items: LspCompletionItem[] }
      | LspCompletionItem[]
      | null;
    return Array.isArray(result) ? result : (result?.items ?? []);
  }

  async stop(): Promise<void> {
    await this.request("shutdown", null).catch(() => undefined);
    this.notify("exit", null);
    await new Promise((r) => (this.proc.exitCode !== null ? r(null) : this.proc.once("exit", r)));
  }
}
