/** One header field line of a message. */

export class HeaderField {
  /** Canonical lower-case long-form name, used for every lookup. */
  readonly key: string;
  /**
   * The whole original line(s) exactly as received, when parsed and unchanged: serialization
   * writes it back byte for byte (RFC 3261 §16.6: a proxy forwards headers it does not
   * understand unchanged).
   */
  readonly raw: string | undefined;
  // Name and value are cut out of `raw` on first use only: a proxy reads a handful of the
  // fields it receives and forwards the rest as raw lines, so it should not pay for them.
  private n: string | undefined;
  private v: string | undefined;
  private nameEnd: number;
  private valueStart: number;
  private valueEnd: number;

  /**
   * @param name the name as written on the wire (or canonical when built by code)
   * @param key canonical lower-case long-form name, used for every lookup
   * @param value the value, unfolded and trimmed
   * @param raw the whole original line(s), when parsed and unchanged
   */
  constructor(name: string, key: string, value: string, raw?: string) {
    this.key = key;
    this.raw = raw;
    this.n = name;
    this.v = value;
    this.nameEnd = 0;
    this.valueStart = 0;
    this.valueEnd = 0;
  }

  /**
   * A field read off the wire whose name is raw[0, nameEnd) and whose value (single line,
   * already trimmed) is raw[valueStart, valueEnd). Used by the parser.
   */
  static fromWire(raw: string, key: string, nameEnd: number, valueStart: number, valueEnd: number): HeaderField {
    const f = new HeaderField('', key, '', raw);
    f.n = undefined;
    f.v = undefined;
    f.nameEnd = nameEnd;
    f.valueStart = valueStart;
    f.valueEnd = valueEnd;
    return f;
  }

  /** The name as written on the wire (or canonical when built by code). */
  get name(): string {
    if (this.n === undefined) this.n = (this.raw as string).slice(0, this.nameEnd);
    return this.n;
  }

  /** The value, unfolded and trimmed. */
  get value(): string {
    if (this.v === undefined) this.v = (this.raw as string).slice(this.valueStart, this.valueEnd);
    return this.v;
  }

  line(): string {
    return this.raw ?? `${this.name}: ${this.value}`;
  }

  toJSON(): { name: string; key: string; value: string; raw?: string } {
    return this.raw === undefined
      ? { name: this.name, key: this.key, value: this.value }
      : { name: this.name, key: this.key, value: this.value, raw: this.raw };
  }
}
