/**
 * Before a worker group starts: are its UDP ports free? The workers bind the port each with
 * SO_REUSEPORT (native socket), and the kernel lets any socket of the same user that also set
 * it join that group — another Switchboard group started on the same port by mistake would
 * silently take half the traffic instead of failing. A plain bind fails when anything holds
 * the port, so the supervisor makes one (and lets go) first.
 */
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { describeError } from '../../sip/transport/index.js';

export interface UdpPort {
  readonly host: string;
  readonly port: number;
}

/** Resolves with a line for each port that is taken (empty when all are free). */
export async function udpPortsInUse(ports: readonly UdpPort[]): Promise<string[]> {
  const taken: string[] = [];
  for (const p of ports) {
    // Port 0 is a fresh port for every socket: nothing to check.
    if (p.port === 0) continue;
    const socket = createSocket({ type: isIP(p.host) === 6 ? 'udp6' : 'udp4' });
    const error = await new Promise<Error | undefined>((resolve) => {
      socket.once('error', resolve);
      socket.bind({ address: p.host, port: p.port, exclusive: true }, () => resolve(undefined));
    });
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    if (error !== undefined) taken.push(`cannot listen on udp ${p.host}:${p.port}: ${describeError(error)}`);
  }
  return taken;
}
