/** The TransportDriver on real sockets: UDP, TCP, TLS, WS and WSS listeners. */
import { networkInterfaces } from 'node:os';
import type { TransportDriver } from '../driver.js';
import { openTcp } from './tcp.js';
import { openTls } from './tls.js';
import { openUdp } from './udp.js';
import { openWs } from './ws.js';

export const nodeDriver: TransportDriver = {
  openDatagram: openUdp,
  openStream(spec, options, accept) {
    switch (spec.transport) {
      case 'tcp':
        return openTcp(spec, options, accept);
      case 'tls':
        return openTls(spec, options, accept);
      case 'ws':
      case 'wss':
        return openWs(spec, options, accept);
      case 'udp':
        return Promise.resolve({ ok: false, error: { code: 'SIP_TRANSPORT_LISTEN', message: 'udp is not a stream transport' } });
    }
  },
  interfaceAddress(family) {
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) {
        if (a.internal || a.family !== (family === 4 ? 'IPv4' : 'IPv6')) continue;
        // Link-local IPv6 addresses need a zone and are no use in a Via.
        if (family === 6 && a.address.toLowerCase().startsWith('fe80:')) continue;
        return a.address;
      }
    }
    return undefined;
  },
};
