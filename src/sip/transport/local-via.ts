/**
 * The Via a request gets when this element sends it to a destination (RFC 3261 §18.1.1: the
 * sent-by is the address and port the transport sends from, so responses come back there;
 * §8.1.1.7: the branch names the client transaction; RFC 3581 §3: `rport` asks for the
 * source port in the response).
 */
import { Via } from '../message/index.js';
import { type Destination, type NetAddress, viaTransport } from './types.js';

/** What the helper needs of a transport: the local address it would send from. */
export interface LocalAddressSource {
  localAddressFor(dest: NetAddress): NetAddress | undefined;
}

/** Our Via toward `dest` with `branch`; undefined when no transport reaches `dest`. */
export function localViaFor(transport: LocalAddressSource, dest: Destination, branch: string): Via | undefined {
  const local = transport.localAddressFor(dest);
  if (local === undefined) return undefined;
  return new Via({ transport: viaTransport(dest.transport), host: local.host, port: local.port, params: [{ name: 'branch', value: branch }, { name: 'rport', value: null }] });
}
