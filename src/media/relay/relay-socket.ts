/**
 * What the relay needs from a UDP socket. The Node implementation is in ../node/; tests can
 * supply their own. A socket is bound to one local port and hands every datagram to the
 * handler given at bind time.
 */
import type { Result } from '../../lib/index.js';

export type PacketHandler = (packet: Buffer, address: string, port: number) => void;

export interface RelaySocket {
  readonly port: number;
  /** Fire-and-forget send; errors (e.g. ICMP unreachable) are counted by the socket, not thrown. */
  send(packet: Buffer, port: number, address: string): void;
  close(): Promise<void>;
}

export type BindError =
  | { readonly code: 'address-in-use'; readonly message: string }
  | { readonly code: 'bind-failed'; readonly message: string };

export interface RelaySocketFactory {
  bind(address: string, port: number, onPacket: PacketHandler): Promise<Result<RelaySocket, BindError>>;
}
