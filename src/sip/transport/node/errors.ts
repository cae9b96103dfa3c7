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
