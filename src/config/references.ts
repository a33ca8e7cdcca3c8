import type { Diagnostic } from "../core/diagnostics.js";
import { dependencyWaves, findRefs } from "../core/refs.js";
import type { Address, ResourceDecl } from "../core/types.js";
import { addressForKind, referencesOf } from "../providers/registry.js";
import { makeDiagnostic } from "./source.js";

/**
 * Workspace rule (docs/design.md §11), offline: every `{ ref: name }` names an object of the field's kind in
 * the same account, and references form no cycle. Each problem is located at the `ref`.
 */
export function checkReferences(decls: readonly ResourceDecl[], rel: (file: string) => string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const byAddress = new Map(decls.map((d) => [d.address, d]));
  const deps = new Map<Address, Address[]>();
  for (const decl of decls) {
    const edges: Address[] = [];
    for (const ref of findRefs(decl.spec, referencesOf(decl.kind))) {
      const target = addressForKind(ref.field.kind, decl.account, ref.name);
      const where = decl.locate?.(["spec", ...ref.at, "ref"]) ?? decl.source;
      if (target !== undefined && byAddress.get(target)?.kind === ref.field.kind) {
        edges.push(target);
        continue;
      }
      const sameName = decls.filter((d) => d.name === ref.name && d.account === decl.account && d.provider === decl.provider);
      const others = decls.filter((d) => d.kind === ref.field.kind && d.account === decl.account && d.provider === decl.provider).map((d) => d.name);
      const hint =
        sameName.length > 0
          ? `; "${ref.name}" is a ${sameName.map((d) => d.kind).join(", ")} (${sameName.map((d) => rel(d.source.file)).join(", ")}), not a ${ref.field.kind}`
          : others.length > 0
            ? `; ${ref.field.kind} objects in account ${decl.provider}/${decl.account}: ${others.sort().map((n) => `"${n}"`).join(", ")}`
            : `; add a file with kind: ${ref.field.kind} and metadata.name: ${ref.name}, or write the id instead`;
      diagnostics.push(
        makeDiagnostic(
          "error",
          "REF_NOT_FOUND",
          `${ref.at.join(".")}: no ${ref.field.kind} named "${ref.name}" in account ${decl.provider}/${decl.account}${hint}`,
          where.file,
          where,
        ),
      );
    }
    deps.set(decl.address, edges);
  }
  const order = dependencyWaves(deps);
  if ("cycle" in order) {
    const first = byAddress.get(order.cycle[0] as Address);
    const next = order.cycle[1];
    const ref = first ? findRefs(first.spec, referencesOf(first.kind)).find((r) => addressForKind(r.field.kind, first.account, r.name) === next) : undefined;
    const where = (first && ref ? first.locate?.(["spec", ...ref.at, "ref"]) : undefined) ?? first?.source;
    diagnostics.push(
      makeDiagnostic("error", "REF_CYCLE", `references form a cycle: ${order.cycle.join(" → ")}; no order can create these objects`, where?.file, where),
    );
  }
  return diagnostics;
}
