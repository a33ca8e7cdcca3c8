import type { Document, LineCounter, Node as YamlNode } from "yaml";
import { yamlLib, yamlParses } from "./yaml-lib.js";
import type { Diagnostic, Severity } from "../core/diagnostics.js";
import { LIMITS } from "./files.js";

/** A path into a document: mapping keys and sequence indexes, e.g. ["spec", "sequence_nodes", 2, "type"]. */
export type DocPath = readonly (string | number)[];

export interface Position {
  line: number;
  col: number;
}

/**
 * Where a problem points: "value" = the value at the path; "key" = the key of the last path segment
 * (an unknown or misplaced field, a mapping missing a required field). Missing paths fall back to
 * the nearest existing parent, located by its key.
 */
export type Target = "value" | "key";

/** Positions inside one parsed YAML document (1-based line and column). */
export class YamlSource {
  constructor(
    private readonly doc: Document.Parsed,
    private readonly lineCounter: LineCounter,
  ) {}

  /** Where the document's content starts. */
  start(): Position {
    return this.at(this.doc.contents?.range?.[0] ?? 0);
  }

  locate(path: DocPath, target: Target = "value"): Position {
    let node: unknown = this.doc.contents;
    let key: YamlNode | undefined;
    for (const segment of path) {
      const next = child(node, segment);
      if (!next) return this.nodePosition(node, key, "key");
      node = next.value;
      key = next.key;
    }
    return this.nodePosition(node, key, target);
  }

  private nodePosition(node: unknown, key: YamlNode | undefined, target: Target): Position {
    const keyOffset = key?.range?.[0];
    if (keyOffset !== undefined && (target === "key" || isEmptyScalar(node))) return this.at(keyOffset);
    const offset = (node as YamlNode | null | undefined)?.range?.[0];
    return this.at(offset ?? keyOffset ?? this.doc.contents?.range?.[0] ?? 0);
  }

  private at(offset: number): Position {
    const { line, col } = this.lineCounter.linePos(offset);
    return { line, col };
  }
}

function child(node: unknown, segment: string | number): { key?: YamlNode; value: unknown } | undefined {
  if (yamlLib().isMap(node)) {
    const pair = node.items.find((p) => yamlLib().isPair(p) && keyText(p.key) === String(segment));
    return pair ? { key: pair.key as YamlNode, value: pair.value } : undefined;
  }
  if (yamlLib().isSeq(node) && typeof segment === "number") {
    return segment < node.items.length ? { value: node.items[segment] } : undefined;
  }
  return undefined;
}

function keyText(key: unknown): string | undefined {
  if (yamlLib().isScalar(key)) return String(key.value);
  return key === null || key === undefined ? undefined : String(key);
}

/** `key:` with nothing after it: point at the key, the value has no place of its own. */
function isEmptyScalar(node: unknown): boolean {
  return yamlLib().isScalar(node) && node.value === null && (node.source === "" || node.source === undefined);
}

export function makeDiagnostic(
  severity: Severity,
  code: string,
  message: string,
  file: string | undefined,
  pos?: Position,
): Diagnostic {
  return { severity, code, message, ...(file === undefined ? {} : { file }), ...(pos ? { line: pos.line, col: pos.col } : {}) };
}

export interface ParsedYaml {
  /** The first document's plain value; absent when the file has no usable mapping. */
  value?: unknown;
  source?: YamlSource;
  diagnostics: Diagnostic[];
}

/** Decodes a file's bytes as UTF-8 text, refusing binary content with a located message. */
export function decodeText(bytes: Uint8Array, file: string): { text?: string; diagnostics: Diagnostic[] } {
  const nul = bytes.indexOf(0);
  const invalid = firstInvalidUtf8(nul === -1 ? bytes : bytes.subarray(0, nul));
  const bad = invalid ?? (nul === -1 ? undefined : nul);
  if (bad === undefined) return { text: new TextDecoder("utf-8").decode(bytes), diagnostics: [] };
  const { pos, byte } = byteAt(bytes, bad);
  const what = invalid === undefined ? "a NUL byte" : `the byte ${byte}, which is not valid UTF-8`;
  return {
    diagnostics: [makeDiagnostic("error", "FILE_BINARY", `file contains ${what} (it looks binary); campaign files must be UTF-8 YAML text`, file, pos)],
  };
}

/** Where the byte at `offset` is (lines and columns count characters of the valid text before it), and the byte as 0xNN. */
function byteAt(bytes: Uint8Array, offset: number): { pos: Position; byte: string } {
  const before = new TextDecoder("utf-8").decode(bytes.subarray(0, offset)).split("\n");
  return { pos: { line: before.length, col: [...(before.at(-1) ?? "")].length + 1 }, byte: `0x${bytes[offset]!.toString(16).toUpperCase().padStart(2, "0")}` };
}

/** The first byte of `bytes` that is not valid UTF-8, located; undefined for valid UTF-8 text. */
export function invalidUtf8(bytes: Uint8Array): { pos: Position; byte: string } | undefined {
  const bad = firstInvalidUtf8(bytes);
  return bad === undefined ? undefined : byteAt(bytes, bad);
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number | undefined {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const length = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0) return i;
    if (length > 1) {
      if (i + length > bytes.length) return i;
      for (let k = 1; k < length; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
      // Overlong three/four-byte forms, surrogates and code points above U+10FFFF.
      const b1 = bytes[i + 1]!;
      if ((b === 0xe0 && b1 < 0xa0) || (b === 0xed && b1 > 0x9f) || (b === 0xf0 && b1 < 0x90) || (b === 0xf4 && b1 > 0x8f)) return i;
    }
    i += length;
  }
  return undefined;
}

const FILE_SHAPE = "apiVersion, kind, metadata and spec";

/**
 * Parses YAML text that must hold exactly one mapping. `expected` names what the mapping holds
 * (for messages). YAML errors stop the file: its structure is uncertain after them.
 */
export function parseYamlMapping(text: string, file: string, expected: string = FILE_SHAPE, what = "campaign"): ParsedYaml {
  const tooBig = prescan(text, file);
  if (tooBig) return { diagnostics: [tooBig] };
  const lineCounter = new (yamlLib().LineCounter)();
  yamlParses.positional += 1;
  // Duplicate keys are found below in one linear pass (yaml's own check compares every pair of keys).
  const docs = yamlLib().parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const diagnostics: Diagnostic[] = [];
  const at = (offset: number): Position => lineCounter.linePos(offset);

  const nonEmpty = docs.filter((d) => !isEmptyDocument(d));
  if (nonEmpty.length === 0 && docs.every((d) => d.errors.length === 0)) {
    diagnostics.push(makeDiagnostic("error", "YAML_EMPTY", `file is empty; expected a mapping with ${expected}`, file, { line: 1, col: 1 }));
    return { diagnostics };
  }
  const doc = nonEmpty[0] ?? docs[0]!;
  if (nonEmpty.length > 1) {
    const second = nonEmpty[1]!;
    diagnostics.push(
      makeDiagnostic(
        "error",
        "YAML_MULTIPLE_DOCUMENTS",
        `file holds ${nonEmpty.length} YAML documents; only one ${what} per file is allowed — move each into its own file`,
        file,
        at(second.range[0]),
      ),
    );
  }

  for (const err of doc.errors) {
    const [start, end] = err.pos;
    if (err.code === "DUPLICATE_KEY") {
      const dup = findDuplicateKey(doc, start);
      const key = dup?.key ?? text.slice(start, end).trim();
      const first = dup ? ` (first defined on line ${at(dup.firstOffset).line})` : "";
      diagnostics.push(
        makeDiagnostic("error", "YAML_DUPLICATE_KEY", `duplicate key ${JSON.stringify(key)}${first}; a key may appear only once in a mapping`, file, at(start)),
      );
    } else {
      diagnostics.push(makeDiagnostic("error", "YAML_SYNTAX", `invalid YAML: ${yamlReason(err.message)}`, file, at(start)));
    }
  }
  let unknownTag = false;
  for (const warning of doc.warnings) {
    if (warning.code === "TAG_RESOLVE_FAILED") {
      // An unknown tag would otherwise be dropped and the tagged text used as the value: an error.
      unknownTag = true;
      const tag = text.slice(warning.pos[0], warning.pos[1]).trim().split(/\s/)[0] ?? "";
      diagnostics.push(
        makeDiagnostic("error", "YAML_UNKNOWN_TAG", `unknown YAML tag ${JSON.stringify(tag)}: campaign files use plain YAML values; remove the tag (quote the value if it starts with !)`, file, at(warning.pos[0])),
      );
      continue;
    }
    diagnostics.push(makeDiagnostic("warning", "YAML_WARNING", lowerFirst(warning.message), file, at(warning.pos[0])));
  }
  if (doc.errors.length > 0 || unknownTag) return { diagnostics };

  const source = new YamlSource(doc, lineCounter);
  if (!yamlLib().isMap(doc.contents)) {
    diagnostics.push(
      makeDiagnostic("error", "YAML_NOT_MAPPING", `expected a mapping with ${expected}, got ${describeNode(doc.contents)}`, file, source.start()),
    );
    return { diagnostics };
  }
  // Keys must be plain values: a list or mapping as a key has no field name to check against.
  // The size limits are checked in the same single pass, before anything else looks at the values.
  let complexKey = false;
  let overLimit = 0;
  let duplicates = 0;
  const limit = (code: string, message: string, offset: number | undefined): void => {
    overLimit += 1;
    if (overLimit <= 10) diagnostics.push(makeDiagnostic("error", code, message, file, at(offset ?? 0)));
  };
  yamlLib().visit(doc, {
    Pair(_, pair) {
      if (!yamlLib().isMap(pair.key) && !yamlLib().isSeq(pair.key)) return;
      complexKey = true;
      const what = yamlLib().isSeq(pair.key) ? "a list" : "a mapping";
      diagnostics.push(makeDiagnostic("error", "YAML_COMPLEX_KEY", `a mapping key must be a plain name, got ${what}`, file, at(pair.key.range?.[0] ?? 0)));
    },
    Map(_, map) {
      if (map.items.length > LIMITS.keysPerMapping) {
        limit("LIMIT_KEYS", `this mapping has ${map.items.length} keys; the limit is ${LIMITS.keysPerMapping} per mapping`, map.range?.[0]);
        return;
      }
      const first = new Map<string, number>();
      for (const pair of map.items) {
        const k = pair.key as YamlNode | null;
        if (!yamlLib().isScalar(k)) continue;
        const id = `${typeof k.value}:${String(k.value)}`;
        const offset = k.range?.[0] ?? 0;
        const seen = first.get(id);
        if (seen === undefined) {
          first.set(id, offset);
          continue;
        }
        duplicates += 1;
        diagnostics.push(
          makeDiagnostic(
            "error",
            "YAML_DUPLICATE_KEY",
            `duplicate key ${JSON.stringify(String(k.value))} (first defined on line ${at(seen).line}); a key may appear only once in a mapping`,
            file,
            at(offset),
          ),
        );
      }
    },
    Seq(_, seq) {
      if (seq.items.length > LIMITS.sequenceLength) {
        limit("LIMIT_ITEMS", `this list has ${seq.items.length} items; the limit is ${LIMITS.sequenceLength} per list`, seq.range?.[0]);
      }
    },
    Scalar(_, scalar) {
      if (typeof scalar.value === "string" && scalar.value.length > LIMITS.stringLength) {
        limit("LIMIT_STRING", `this text is ${scalar.value.length} characters long; the limit is ${LIMITS.stringLength} per value`, scalar.range?.[0]);
      }
    },
  });
  if (overLimit > 10) diagnostics.push(makeDiagnostic("error", "LIMIT_EXCEEDED", `${overLimit - 10} more values over a size limit are not listed`, file, source.start()));
  if (complexKey || overLimit > 0 || duplicates > 0) return { diagnostics };
  try {
    return { value: doc.toJS({ maxAliasCount: 100 }), source, diagnostics };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    diagnostics.push(makeDiagnostic("error", "YAML_SYNTAX", `invalid YAML: ${yamlReason(message)}`, file, source.start()));
    return { diagnostics };
  }
}

/**
 * Limits checked on the raw text before the YAML parser sees it (parsing is the expensive part: a
 * megabyte of one-line keys or `[1,1,1,…]` takes seconds). Linear, a few milliseconds per megabyte.
 */
export function prescan(text: string, file: string): Diagnostic | undefined {
  let lines = 1;
  let commas = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      lines += 1;
      if (lines > LIMITS.linesPerFile) {
        return makeDiagnostic("error", "LIMIT_LINES", `the file has more than ${LIMITS.linesPerFile} lines; the limit is ${LIMITS.linesPerFile} per file`, file, { line: lines, col: 1 });
      }
    } else if (c === 44) {
      commas += 1;
      if (commas > LIMITS.commasPerFile) {
        const before = text.lastIndexOf("\n", i);
        return makeDiagnostic(
          "error",
          "LIMIT_ITEMS",
          `the file has more than ${LIMITS.commasPerFile} commas; flow lists and mappings ([a, b], {k: v}) are limited to ${LIMITS.commasPerFile} entries per file`,
          file,
          { line: lines, col: i - before },
        );
      }
    }
  }
  return undefined;
}

/** The key whose second occurrence starts at `offset`, and where its first occurrence is. */
function findDuplicateKey(doc: Document.Parsed, offset: number): { key: string; firstOffset: number } | undefined {
  let found: { key: string; firstOffset: number } | undefined;
  yamlLib().visit(doc, {
    Map(_, map) {
      const index = map.items.findIndex((p) => (p.key as YamlNode | null)?.range?.[0] === offset);
      if (index === -1) return undefined;
      const key = keyText(map.items[index]!.key) ?? "";
      const first = map.items.find((p) => keyText(p.key) === key);
      found = { key, firstOffset: (first?.key as YamlNode | undefined)?.range?.[0] ?? offset };
      return yamlLib().visit.BREAK;
    },
  });
  return found;
}

function isEmptyDocument(doc: Document.Parsed): boolean {
  return doc.errors.length === 0 && (doc.contents === null || isEmptyScalar(doc.contents));
}

function describeNode(node: unknown): string {
  if (yamlLib().isSeq(node)) return "a list";
  if (yamlLib().isScalar(node)) {
    if (node.value === null) return "an empty value";
    // Never quoted: the file may be anything (an .env line, a token) that happens to end in .yaml.
    if (typeof node.value === "string") return `plain text (${node.value.length} characters, not shown)`;
    return typeof node.value === "number" || typeof node.value === "boolean" ? `the value ${String(node.value)}` : "a plain value";
  }
  return "something else";
}

/** yaml's message, minus JavaScript jargon. */
function yamlReason(message: string): string {
  return /call stack/i.test(message) ? "the document is nested too deeply" : lowerFirst(message);
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

export function truncate(s: string, max = 60): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
