/**
 * Building blocks for the config schema: YAML uses snake_case keys, the program sees a
 * camelCase, deeply read-only object. Every section is a strict object (unknown keys are
 * errors, so a typo is never silently ignored) whose keys are renamed after validation.
 */
import { z } from 'zod';
import { parseCidr } from '../../security/index.js';

/** `max_message_size` → `maxMessageSize`, at the type level. */
export type SnakeToCamel<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<SnakeToCamel<T>>}` : S;

/** Renames the keys of one object level (nested sections rename their own keys). */
export type CamelKeys<T> = { [K in keyof T as K extends string ? SnakeToCamel<K> : K]: T[K] };

export type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

export function snakeToCamel(s: string): string {
  return s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/**
 * A strict object schema whose parsed output has camelCase keys. Only this level's keys are
 * renamed; values (and records of user-chosen names, if a later section has them) are kept.
 */
export function section<T extends z.ZodRawShape>(shape: T) {
  return z
    .object(shape)
    .strict()
    .transform((value) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[snakeToCamel(k)] = v;
      return out as CamelKeys<z.output<z.ZodObject<T, 'strict'>>>;
    });
}

/** A positive integer with a readable error. */
export function positiveInt(what: string) {
  return z.number().int(`${what} must be an integer`).positive(`${what} must be greater than 0`);
}

/** An IP address or CIDR (`192.0.2.0/24`, `2001:db8::/32`, `192.0.2.7`). */
export const cidrString = z.string().refine((s) => parseCidr(s) !== undefined, (s) => ({ message: `"${s}" is not an address or CIDR (e.g. 192.0.2.0/24)` }));

/** Freezes an object graph in place and returns it typed as read-only. */
export function deepFreeze<T>(value: T): DeepReadonly<T> {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value as DeepReadonly<T>;
}

/** What a section file exports: its top-level key, its schema, and its annotated example. */
export interface ConfigSection<K extends string, S extends z.ZodTypeAny> {
  readonly key: K;
  readonly schema: S;
  /** Annotated YAML for `config example`: a comment on every key, default values shown. */
  readonly example: string;
}

export function defineSection<K extends string, S extends z.ZodTypeAny>(key: K, schema: S, example: string): ConfigSection<K, S> {
  return { key, schema, example };
}
