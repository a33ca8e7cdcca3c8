/**
 * A JSON answer shaped `{ …, "<key>": [item, item, …], … }`, read as it arrives (issue 30: Puffle's
 * campaign list is unpaginated: 45 MB at 45,000 campaigns, held as bytes, text and parsed objects at once
 * when read whole). Each item of the top-level `<key>` list is handed over as its own JSON text as soon as
 * it is complete, and is not kept here; the rest of the answer (the envelope) is kept with that list
 * written as `[]`, to be parsed at the end.
 *
 * Only strings, nesting and the top-level keys are followed. Every text handed over (each item, the
 * envelope) is JSON.parse'd by the caller, so a body that is not JSON fails there, never silently: an
 * unterminated list leaves the envelope unparseable, a missing comma joins two items into one text that
 * does not parse, an empty slot (`[1,,2]`, `[1,]`) is reported as an empty item.
 *
 * A key given twice keeps JSON.parse's rule (the last one wins): each list of the key starts a new
 * `list` number, and the envelope holds every occurrence, so the last one decides what the key is.
 */
export class JsonListSplitter {
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** At depth 1, the next string is a key. */
  private expectKey = false;
  /** Bytes of a top-level key being read (from its opening quote), else undefined. */
  private keyParts: Buffer[] | undefined;
  private lastKey: string | undefined;
  /** The key whose value comes next (after its colon), until that value's first byte. */
  private valueOf: string | undefined;
  /** Inside the streamed list (its items are at depth 2). */
  private streaming = false;
  /** The current item's bytes so far (undefined before its first byte). */
  private item: Buffer[] | undefined;
  /** A comma was read since the list opened (so an empty slot is an error, not an empty list). */
  private afterComma = false;
  private readonly envelope: Buffer[] = [];
  private lists = 0;

  constructor(
    private readonly key: string,
    private readonly onItem: (text: string, list: number) => void,
  ) {}

  write(chunk: Buffer): void {
    let envStart = this.streaming ? -1 : 0;
    let itemStart = this.item ? 0 : -1;
    let keyStart = this.keyParts ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        else if (b === QUOTE) {
          this.inString = false;
          if (keyStart >= 0 && this.keyParts) {
            this.keyParts.push(chunk.subarray(keyStart, i + 1));
            this.lastKey = keyText(this.keyParts);
            this.keyParts = undefined;
            keyStart = -1;
          }
        }
        continue;
      }
      if (b === SPACE || b === NEWLINE || b === TAB || b === RETURN) continue;
      if (this.streaming && this.depth === 2) {
        // Directly inside the streamed list: commas and the closing bracket end items.
        if (b === COMMA || b === CLOSE_BRACKET) {
          if (this.item) {
            this.item.push(chunk.subarray(itemStart, i));
            this.emit();
            itemStart = -1;
          } else if (b === COMMA || this.afterComma) {
            this.onItem("", this.lists); // an empty slot: not JSON (the caller's parse says so)
          }
          if (b === COMMA) {
            this.afterComma = true;
            continue;
          }
          // The list ends: the envelope resumes at its closing bracket (it holds `[` … `]` = `[]`).
          this.streaming = false;
          this.depth = 1;
          envStart = i;
          continue;
        }
        if (!this.item) {
          this.item = [];
          itemStart = i;
        }
      }
      if (this.depth === 1 && !this.streaming) {
        if (b === QUOTE && this.expectKey) {
          this.expectKey = false;
          this.inString = true;
          this.keyParts = [];
          keyStart = i;
          continue;
        }
        if (b === COLON) {
          this.valueOf = this.lastKey;
          continue;
        }
        if (b === COMMA) {
          this.expectKey = true;
          continue;
        }
        if (this.valueOf !== undefined) {
          const opensList = b === OPEN_BRACKET && this.valueOf === this.key;
          this.valueOf = undefined;
          if (opensList) {
            // The envelope keeps the opening bracket; the items go to onItem.
            this.envelope.push(chunk.subarray(envStart, i + 1));
            envStart = -1;
            this.streaming = true;
            this.depth = 2;
            this.afterComma = false;
            this.lists += 1;
            continue;
          }
        }
      }
      if (b === QUOTE) this.inString = true;
      else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
        this.depth += 1;
        if (this.depth === 1) this.expectKey = b === OPEN_BRACE;
      } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) this.depth -= 1;
    }
    if (envStart >= 0) this.envelope.push(chunk.subarray(envStart));
    if (itemStart >= 0 && this.item) this.item.push(chunk.subarray(itemStart));
    if (keyStart >= 0 && this.keyParts) this.keyParts.push(chunk.subarray(keyStart));
  }

  /** The envelope's text: the whole answer with the streamed list as `[]` (unparseable when the answer was cut short). */
  end(): string {
    return Buffer.concat(this.envelope).toString("utf8");
  }

  private emit(): void {
    const parts = this.item as Buffer[];
    this.item = undefined;
    this.onItem(Buffer.concat(parts).toString("utf8"), this.lists);
  }
}

/** A key's text from its quoted bytes; a key that is not a JSON string matches nothing. */
function keyText(parts: Buffer[]): string | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.concat(parts).toString("utf8"));
    return typeof v === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SPACE = 0x20;
const NEWLINE = 0x0a;
const TAB = 0x09;
const RETURN = 0x0d;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
