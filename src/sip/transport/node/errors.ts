import { getSystemErrorMap } from 'node:util';
import type { TransportError } from '../types.js';

/** Turns a socket error into a short human-readable text. */
export function describeError(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') return 'address already in use (EADDRINUSE)';
    if (code === 'EADDRNOTAVAIL') return 'address not available on this host (EADDRNOTAVAIL)';
    if (code === 'EACCES') return 'permission denied (EACCES)';
    return code !== undefined && !e.message.includes(code) ? `${e.message} (${code})` : e.message;
  }
  return String(e);
}

/**
 * The error a system call of our native addons reported as `errno` (positive or negative), in
 * the shape node's own socket errors have: `code` EADDRINUSE…, message `bind: address already
 * in use`.
 */
export function errnoError(errno: number, syscall: string): NodeJS.ErrnoException {
  const known = getSystemErrorMap().get(-Math.abs(errno));
  const e: NodeJS.ErrnoException = new Error(`${syscall}: ${known?.[1] ?? `errno ${Math.abs(errno)}`}`);
  if (known !== undefined) e.code = known[0];
  e.syscall = syscall;
  return e;
}

/** A UDP datagram that could not be handed to the kernel. */
export function udpSendFailed(host: string, port: number, e: unknown): TransportError {
  return { code: 'SIP_TRANSPORT_SEND', message: `udp send to ${host}:${port}: ${describeError(e)}` };
}
