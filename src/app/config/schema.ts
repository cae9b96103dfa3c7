/**
 * The whole config file as ONE schema. To add a section: write `sections/NAME.ts` exporting
 * `defineSection('name', schema, annotatedExample)` and add it to SECTIONS below; the schema,
 * the `Config` type and `config example` pick it up from here.
 */
import type { z } from 'zod';
import { type ConfigSection, type DeepReadonly, section } from './section.js';
import { dataDirSection } from './sections/data-dir.js';
import { listenSection } from './sections/listen.js';
import { domainsSection } from './sections/domains.js';
import { tlsSection } from './sections/tls.js';
import { logSection } from './sections/log.js';
import { sipSection } from './sections/sip.js';
import { transportSection } from './sections/transport.js';
import { shutdownSection } from './sections/shutdown.js';
import { memorySection } from './sections/memory.js';
import { registrarSection } from './sections/registrar.js';
import { proxySection } from './sections/proxy.js';
import { routingSection } from './sections/routing.js';
import { locationSection } from './sections/location.js';
import { usersSection } from './sections/users.js';
import { authSection } from './sections/auth.js';
import { securitySection } from './sections/security.js';
import { adminSection } from './sections/admin.js';
import { mediaSection } from './sections/media.js';
import { workersSection } from './sections/workers.js';

/** Top-level sections, in the order `config example` prints them. */
export const SECTIONS = [dataDirSection, listenSection, domainsSection, tlsSection, logSection, sipSection, transportSection, shutdownSection, workersSection, memorySection, registrarSection, proxySection, mediaSection, routingSection, locationSection, authSection, usersSection, securitySection, adminSection] as const;

type Sections = (typeof SECTIONS)[number];
type Shape = { [S in Sections as S['key']]: S['schema'] };

function shapeOf(sections: readonly ConfigSection<string, z.ZodTypeAny>[]): Shape {
  const shape: Record<string, z.ZodTypeAny> = {};
  for (const s of sections) shape[s.key] = s.schema;
  return shape as Shape;
}

export const configSchema = section(shapeOf(SECTIONS));

/** The file after validation, before paths are resolved and defaults derived. */
export type ParsedConfig = z.output<typeof configSchema>;

/**
 * The validated, frozen configuration. Paths (`dataDir`, `tls.cert`, `tls.key`) are absolute;
 * `domains` is always filled (from the listen addresses when the file has none).
 */
export type Config = DeepReadonly<Omit<ParsedConfig, 'domains'> & { domains: string[] }>;
