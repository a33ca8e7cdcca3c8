/**
 * JSON.stringify(value, null, 2) in pieces, byte for byte: the top-level object key by key and the
 * items of its arrays one by one, so a large document (the JSON plan at 10,000 campaigns is tens of
 * MB) is never held as one string and can go to several outputs from one pass.
 */
export function* jsonChunks(value: unknown): Generator<string> {
  if (!isPlainObject(value)) {
    yield JSON.stringify(value, null, 2);
    return;
  }
  const entries = Object.entries(value).filter(([, v]) => isSerializable(v));
  if (entries.length === 0) {
    yield "{}";
    return;
  }
  yield "{";
  for (let i = 0; i < entries.length; i++) {
    const [key, v] = entries[i]!;
    const head = `${i === 0 ? "" : ","}\n  ${JSON.stringify(key)}: `;
    if (Array.isArray(v) && v.length > 0) {
      yield `${head}[`;
      for (let k = 0; k < v.length; k++) {
        const item = v[k];
        // JSON.stringify writes null for array items it cannot serialize.
        const text = isSerializable(item) ? JSON.stringify(item, null, 2) : "null";
        yield `${k === 0 ? "" : ","}\n    ${indent(text, "    ")}`;
      }
      yield "\n  ]";
    } else {
      yield `${head}${indent(JSON.stringify(v, null, 2), "  ")}`;
    }
  }
  yield "\n}";
}

function indent(text: string, pad: string): string {
  return text.includes("\n") ? text.replace(/\n/g, `\n${pad}`) : text;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) && typeof (v as { toJSON?: unknown }).toJSON !== "function";
}

/** What JSON.stringify keeps as an object member (it drops undefined, functions and symbols). */
function isSerializable(v: unknown): boolean {
  return v !== undefined && typeof v !== "function" && typeof v !== "symbol";
}
