/** One header field line of a message. */

export class HeaderField {
  /**
   * @param name the name as written on the wire (or canonical when built by code)
   * @param key canonical lower-case long-form name, used for every lookup
   * @param value the value, unfolded and trimmed
   * @param raw the whole original line(s) exactly as received, when parsed and unchanged:
   *   serialization writes it back byte for byte (RFC 3261 §16.6: a proxy forwards headers
   *   it does not understand unchanged).
   */
  constructor(
    readonly name: string,
    readonly key: string,
    readonly value: string,
    readonly raw?: string,
  ) {}

  line(): string {
    return this.raw ?? `${this.name}: ${this.value}`;
  }
}
