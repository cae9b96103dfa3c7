/**
 * The composition seam: builds the server's components from the validated, frozen config,
 * in start order (stopped in reverse): registration services (location, auth), then the SIP
 * core with the registrar and the proxy as its modules.
 */
import type { Config } from './config/index.js';
import type { Component } from './lifecycle.js';
import type { Logger } from './log.js';
import { createRegistration } from './wiring/registration.js';
import { createSipCore } from './wiring/sip-core.js';

export async function buildComponents(config: Config, logger: Logger): Promise<Component[]> {
  const registration = createRegistration(config, logger);
  const sip = await createSipCore(config, logger, [registration.registrarModule, registration.proxyModule]);
  return [registration, sip];
}
