import { readFile } from "node:fs/promises";
import { isMap, isScalar, parseDocument, stringify } from "yaml";
import type { DriftReport } from "../core/drift.js";
import type { JsonValue } from "../core/json.js";
import type { Address, Workspace } from "../core/types.js";
import { writeFileAtomic } from "../state/atomic-file.js";

/** One field `drift --write` wrote into a campaign file, or left (and why). */
export interface DriftWrite {
  address: Address;
  file: string;
  path: string;
  value?: JsonValue;
}
export interface DriftSkip {
  address: Address;
  path: string;
  /** conflict: Git changed too; not-own-file: the campaign is not declared by a file of its own (a CampaignSet member). */
  code: "conflict" | "pending" | "blocked" | "not-own-file";
}

export interface DriftWriteResult {
  written: DriftWrite[];
  skipped: DriftSkip[];
  files: string[];
}

/**
 * `drift --write` (docs/design.md §16): the live values of out-of-band fields are written into the
 * campaign files through yaml's document API (setIn on the parsed document), so comments, key order and
 * layout stay; each file is written atomically. Pending, conflicting and blocked fields are left: they
 * need a person. The next plan for a written field is empty (Git now says what live holds).
 */
export async function writeDriftToFiles(workspace: Workspace, report: DriftReport): Promise<DriftWriteResult> {
  const decls = new Map(workspace.campaigns.map((d) => [d.address, d]));
  const result: DriftWriteResult = { written: [], skipped: [], files: [] };
  const byFile = new Map<string, { address: Address; path: string; value: JsonValue | undefined }[]>();
  for (const c of report.campaigns) {
    const decl = decls.get(c.address);
    for (const f of c.fields) {
      if (f.class !== "out-of-band") {
        result.skipped.push({ address: c.address, path: f.path, code: f.class });
        continue;
      }
      if (!decl) continue;
      const list = byFile.get(decl.source.file) ?? [];
      list.push({ address: c.address, path: f.path, value: f.live });
      byFile.set(decl.source.file, list);
    }
  }
  for (const [file, fields] of byFile) {
    const text = await readFile(file, "utf8");
    const doc = parseDocument(text);
    const decl = decls.get(fields[0]!.address)!;
    // Only a file that is this campaign's own document (not a CampaignSet generating it).
    const own = doc.errors.length === 0 && isMap(doc.contents) && doc.getIn(["metadata", "name"]) === decl.name && doc.getIn(["kind"]) === decl.kind;
    if (!own) {
      for (const f of fields) result.skipped.push({ address: f.address, path: f.path, code: "not-own-file" });
      continue;
    }
    // Scalars are replaced in the text itself (byte for byte elsewhere: comment alignment, quoting);
    // anything else (a new key, an object, a removal) goes through the document API.
    const edits: { from: number; to: number; text: string }[] = [];
    let structural = false;
    for (const f of fields) {
      const at = ["spec", ...f.path.split(".")];
      const node = doc.getIn(at, true);
      if (isScalar(node) && node.range && f.value !== undefined && (f.value === null || typeof f.value !== "object")) {
        const text = node.type === "QUOTE_DOUBLE" ? JSON.stringify(f.value) : stringify(f.value).trimEnd();
        edits.push({ from: node.range[0], to: node.range[1], text });
        node.value = f.value;
      } else {
        structural = true;
        if (f.value === undefined) doc.deleteIn(at);
        else doc.setIn(at, doc.createNode(f.value));
      }
      result.written.push({ address: f.address, file, path: f.path, ...(f.value === undefined ? {} : { value: f.value }) });
    }
    let out = text;
    if (structural) out = doc.toString();
    else for (const e of edits.sort((a, b) => b.from - a.from)) out = out.slice(0, e.from) + e.text + out.slice(e.to);
    await writeFileAtomic(file, out);
    result.files.push(file);
  }
  return result;
}
