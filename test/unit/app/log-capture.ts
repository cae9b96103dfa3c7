/** Test helper: a pino destination that keeps the parsed JSON lines. */
export interface CapturedLog {
  readonly destination: { write(line: string): void };
  readonly lines: Record<string, unknown>[];
  messages(): string[];
}

export function captureLog(): CapturedLog {
  const lines: Record<string, unknown>[] = [];
  return {
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    lines,
    messages: () => lines.map((l) => String(l.msg)),
  };
}
