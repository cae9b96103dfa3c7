/**
 * The composition seam: builds the server's components from the validated, frozen config.
 * Later issues add the registrar, proxy, media relay … here, in start order.
 */
import type { Config } from './config/index.js';
import type { Component } from './lifecycle.js';
import type { Logger } from './log.js';
import { createSipCore } from './wiring/sip-core.js';

export async function buildComponents(config: Config, logger: Logger): Promise<Component[]> {
  const sip = await createSipCore(config, logger);
  return [sip];
}
