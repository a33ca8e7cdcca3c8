import type { JsonObject, JsonValue } from "../../src/core/json.js";
import type { LiveResource, ProviderClient } from "../../src/providers/types.js";

/**
 * The fake provider's "server": objects held in this process, and a log of every call a client made
 * (what the tests assert on, as they assert on the sandbox's request log for the real providers).
 * No HTTP at all: the engine hands each client a ProviderHttp, which these clients never use.
 */
export interface FakeCall {
  op: "list" | "get" | "create" | "update" | "action" | "remove";
  kind: string;
  id?: string;
  body?: JsonObject;
  action?: string;
}

interface Stored {
  kind: string;
  spec: JsonObject;
  status?: string;
}

const objects = new Map<string, Stored>();
const calls: FakeCall[] = [];
let nextId = 1;

export const fakeBackend = {
  /** Forget every object and call (each test starts from an empty provider). */
  reset(): void {
    objects.clear();
    calls.length = 0;
    nextId = 1;
  },
  /** The calls made since the last reset or clearCalls, oldest first. */
  calls(): readonly FakeCall[] {
    return [...calls];
  },
  clearCalls(): void {
    calls.length = 0;
  },
  /** What the provider holds: id → kind, spec (and status). */
  objects(): ReadonlyMap<string, Readonly<Stored>> {
    return objects;
  },
  /** Change an object behind campaignctl's back (an edit in the provider's UI). */
  edit(id: string, patch: JsonObject): void {
    const found = objects.get(id);
    if (!found) throw new Error(`fake: no object ${id}`);
    Object.assign(found.spec, structuredClone(patch));
  },
};

export interface ClientShape {
  kind: string;
  /** Objects carry a status (FakeWidget); the initial one. */
  initialStatus?: string;
  /** Top-level objects merged key by key on update. */
  mergePaths: readonly string[];
  /** Actions: name → the status they lead to. */
  actions: Readonly<Record<string, string>>;
  /** The kind can be read (list/get) and deleted. */
  readable: boolean;
}

const copy = <T>(v: T): T => structuredClone(v);

function live(id: string, o: Stored): LiveResource {
  const spec = copy(o.spec);
  if (o.status !== undefined) spec.status = o.status;
  return { id, ...(o.status === undefined ? {} : { status: o.status }), spec, missing: [] };
}

function stored(shape: ClientShape, id: string, op: FakeCall["op"]): Stored {
  const found = objects.get(id);
  if (!found || found.kind !== shape.kind) throw new Error(`fake ${op}: no ${shape.kind} ${id}`);
  return found;
}

/** An in-memory client for one kind (the factory KindModule.loadClient gives ignores its ProviderHttp). */
export function memoryClient(shape: ClientShape): ProviderClient {
  const mine = () => [...objects.entries()].filter(([, o]) => o.kind === shape.kind);
  const client: ProviderClient = {
    async create(body) {
      const id = `${shape.kind.toLowerCase()}-${nextId++}`;
      calls.push({ op: "create", kind: shape.kind, id, body: copy(body) });
      const spec = copy(body);
      delete spec.status;
      const o: Stored = { kind: shape.kind, spec, ...(shape.initialStatus === undefined ? {} : { status: shape.initialStatus }) };
      objects.set(id, o);
      return shape.readable ? { id, live: live(id, o) } : { id };
    },
    async update(id, body) {
      calls.push({ op: "update", kind: shape.kind, id, body: copy(body) });
      const o = stored(shape, id, "update");
      for (const [k, v] of Object.entries(copy(body))) {
        const current = o.spec[k];
        o.spec[k] = shape.mergePaths.includes(k) && isObject(current) && isObject(v) ? { ...current, ...v } : (v as JsonValue);
      }
      return shape.readable ? live(id, o) : undefined;
    },
  };
  if (!shape.readable) return client;
  return {
    ...client,
    async list() {
      calls.push({ op: "list", kind: shape.kind });
      return mine().map(([id, o]) => live(id, o));
    },
    async get(id) {
      calls.push({ op: "get", kind: shape.kind, id });
      const o = objects.get(id);
      return o && o.kind === shape.kind ? live(id, o) : undefined;
    },
    async action(id, action) {
      calls.push({ op: "action", kind: shape.kind, id, action });
      const o = stored(shape, id, "action");
      const to = shape.actions[action];
      if (to === undefined) throw new Error(`fake: ${shape.kind} has no action ${action}`);
      o.status = to;
      return live(id, o);
    },
    async remove(id) {
      calls.push({ op: "remove", kind: shape.kind, id });
      stored(shape, id, "remove");
      objects.delete(id);
    },
  };
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
