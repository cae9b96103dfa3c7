/**
 * Typed access to an ng request dictionary. rtpengine accepts each multi-word key both with
 * spaces and with hyphens ("transport protocol" / "transport-protocol"; its flags document:
 * "Spaces in each string may be replaced by hyphens"), so keys are normalised to the hyphenated
 * form. The reader remembers which keys were read, so the rest can be reported as ignored, and
 * records the first type error instead of throwing.
 */
import type { BencodeDict, BencodeValue } from './bencode.js';

/** Spaces to hyphens: the canonical spelling of keys and flags. */
export function hyphenate(s: string): string {
  return s.includes(' ') ? s.replaceAll(' ', '-') : s;
}

export class NgDictReader {
  private readonly entries = new Map<string, BencodeValue>();
  private readonly used = new Set<string>();
  /** First problem found; the request is then answered with this as `error-reason`. */
  error: string | undefined;

  constructor(dict: BencodeDict) {
    for (const [k, v] of dict) this.entries.set(hyphenate(k), v);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  private take(key: string): BencodeValue | undefined {
    const v = this.entries.get(key);
    if (v !== undefined) this.used.add(key);
    return v;
  }

  private bad(key: string, what: string): undefined {
    this.error ??= `Invalid value for '${key}': expected ${what}`;
    return undefined;
  }

  /** A byte string as a latin1 ("binary") string: identifiers, tags, flags. */
  str(key: string): string | undefined {
    const v = this.take(key);
    if (v === undefined) return undefined;
    if (!Buffer.isBuffer(v)) return this.bad(key, 'a string');
    return v.toString('latin1');
  }

  /** A byte string decoded as UTF-8 text (SDP bodies). */
  text(key: string): string | undefined {
    const v = this.take(key);
    if (v === undefined) return undefined;
    if (!Buffer.isBuffer(v)) return this.bad(key, 'a string');
    return v.toString('utf8');
  }

  /** An integer, or a string of decimal digits (rtpengine's `get_int_str`). */
  int(key: string): number | undefined {
    const v = this.take(key);
    if (v === undefined) return undefined;
    if (typeof v === 'number') return v;
    if (Buffer.isBuffer(v)) {
      const s = v.toString('latin1').trim();
      if (/^-?\d{1,15}$/.test(s)) return Number(s);
    }
    return this.bad(key, 'an integer');
  }

  /** A list of strings; a single string counts as a one-element list (split on commas when asked). */
  strList(key: string, splitCommas = false): string[] | undefined {
    const v = this.take(key);
    if (v === undefined) return undefined;
    return listOfStrings(v, splitCommas) ?? this.bad(key, 'a list of strings');
  }

  dict(key: string): BencodeDict | undefined {
    const v = this.take(key);
    if (v === undefined) return undefined;
    if (!(v instanceof Map)) return this.bad(key, 'a dictionary');
    return v;
  }

  /** Marks a key as handled elsewhere (e.g. `command`). */
  consume(key: string): void {
    this.used.add(key);
  }

  /** Keys present but never read. */
  unread(): string[] {
    return [...this.entries.keys()].filter((k) => !this.used.has(k));
  }
}

/** A list of byte strings (latin1), or one string; undefined when anything else is found. */
export function listOfStrings(v: BencodeValue, splitCommas = false): string[] | undefined {
  if (Buffer.isBuffer(v)) {
    const s = v.toString('latin1');
    return splitCommas ? s.split(',').filter((x) => x !== '') : [s];
  }
  if (!Array.isArray(v)) return undefined;
  const out: string[] = [];
  for (const item of v) {
    if (!Buffer.isBuffer(item)) return undefined;
    out.push(item.toString('latin1'));
  }
  return out;
}
