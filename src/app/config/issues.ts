/**
 * Config errors as `FILE:LINE:COL: KEY.PATH: message`. A zod issue's path is mapped back to
 * the YAML node it came from (or to the nearest existing parent when the key is missing).
 */
import { type Document, type LineCounter, isAlias, isMap, isScalar, isSeq } from 'yaml';
import { z } from 'zod';

export type ConfigPath = readonly (string | number)[];

export interface ConfigIssue {
  /** The file name as given, or the flag the value came from (`--listen`). */
  readonly source: string;
  /** 1-based; absent when the value did not come from a file. */
  readonly line?: number;
  readonly column?: number;
  /** `sip.timers.t1`, `listen[2]`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
}

export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  return out;
}

export function formatIssue(i: ConfigIssue): string {
  const where = i.line === undefined ? i.source : `${i.source}:${i.line}:${i.column ?? 1}`;
  return i.path === '' ? `${where}: ${i.message}` : `${where}: ${i.path}: ${i.message}`;
}

export interface SourcePos {
  readonly line: number;
  readonly column: number;
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

function startOf(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range?.[0];
}

/**
 * Where `path` is written in the document: the key of a map entry, the start of a sequence
 * item, or — when part of the path does not exist — the nearest parent that does.
 */
export function locate(doc: Document, lines: LineCounter, path: ConfigPath): SourcePos {
  let node: unknown = doc.contents;
  let offset = startOf(node) ?? 0;
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(seg));
      if (pair === undefined) break;
      offset = startOf(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
      node = node.items[seg];
      offset = startOf(node) ?? offset;
    } else {
      break;
    }
  }
  const pos = lines.linePos(offset);
  return { line: pos.line, column: pos.col };
}

/** The keys a strict object schema accepts at `path` (for "did you mean" hints). */
export function knownKeys(schema: z.ZodTypeAny, path: ConfigPath): string[] {
  let s: z.ZodTypeAny | undefined = schema;
  const unwrap = (t: z.ZodTypeAny): z.ZodTypeAny => {
    for (;;) {
      if (t instanceof z.ZodDefault || t instanceof z.ZodOptional || t instanceof z.ZodNullable) t = t._def.innerType;
      else if (t instanceof z.ZodEffects) t = t._def.schema;
      else if (t instanceof z.ZodPipeline) t = t._def.in;
      else return t;
    }
  };
  for (const seg of path) {
    const t = unwrap(s);
    if (t instanceof z.ZodObject && typeof seg === 'string') s = (t.shape as Record<string, z.ZodTypeAny>)[seg];
    else if (t instanceof z.ZodArray && typeof seg === 'number') s = t.element;
    else return [];
    if (s === undefined) return [];
  }
  const t = unwrap(s);
  return t instanceof z.ZodObject ? Object.keys(t.shape as object) : [];
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_v, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** The closest known key, when the unknown one looks like a typo of it. */
export function suggestKey(unknown: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(unknown.toLowerCase(), k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(unknown.length / 3)) ? best : undefined;
}

/** A zod issue as (path, message) pairs: one per unknown key, union branches unpacked. */
export function explainIssue(issue: z.ZodIssue, schema: z.ZodTypeAny): { path: ConfigPath; message: string }[] {
  if (issue.code === z.ZodIssueCode.unrecognized_keys) {
    const known = knownKeys(schema, issue.path);
    return issue.keys.map((key) => {
      const hint = suggestKey(key, known);
      return { path: [...issue.path, key], message: `unknown key "${key}"${hint === undefined ? '' : ` (did you mean "${hint}"?)`}` };
    });
  }
  if (issue.code === z.ZodIssueCode.invalid_union) {
    // Prefer the branch that accepted the value's type and failed deeper inside it.
    const branch = issue.unionErrors.find((e) => e.issues.every((i) => !(i.code === 'invalid_type' && i.path.length === issue.path.length)));
    if (branch !== undefined) return branch.issues.flatMap((i) => explainIssue(i, schema));
  }
  if (issue.code === z.ZodIssueCode.invalid_type && issue.received === 'undefined') {
    const key = issue.path[issue.path.length - 1];
    return [{ path: issue.path, message: `missing required key "${String(key)}"` }];
  }
  return [{ path: issue.path, message: issue.message }];
}
