import type { Address, PendingCreate, StateDocument, StateEntry } from "../core/types.js";

/** One change to a state document, as the file journal and the PostgreSQL session record it. */
export type StateChange =
  | { op: "pending"; address: Address; pending: PendingCreate }
  | { op: "set"; address: Address; entry: StateEntry }
  | { op: "delete"; address: Address }
  | { op: "unpend"; address: Address };

/** Apply a change to the document in memory (a set clears a pending create of its address). */
export function applyChange(doc: StateDocument, rec: StateChange): void {
  switch (rec.op) {
    case "pending":
      (doc.pending ??= {})[rec.address] = rec.pending;
      return;
    case "set":
      doc.campaigns[rec.address] = rec.entry;
      if (doc.pending) delete doc.pending[rec.address];
      return;
    case "delete":
      delete doc.campaigns[rec.address];
      return;
    case "unpend":
      if (doc.pending) delete doc.pending[rec.address];
      return;
  }
}

/**
 * The recording calls both state sessions share (the file StateStore and PostgresSession): each says,
 * in `mutate`, how it applies a change and where the change goes.
 */
export abstract class ChangeRecorder {
  abstract readonly doc: StateDocument;

  protected abstract mutate(rec: Exclude<StateChange, { op: "pending" }>): void;

  /** Record an entry (clears a pending create of the address). Kept in memory even when the write fails. */
  set(address: Address, entry: StateEntry): void {
    this.mutate({ op: "set", address, entry });
  }

  delete(address: Address): void {
    this.mutate({ op: "delete", address });
  }

  unpend(address: Address): void {
    if (!this.doc.pending?.[address]) return;
    this.mutate({ op: "unpend", address });
  }
}
