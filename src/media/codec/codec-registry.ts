/** Codecs by name, and the choice of transcoder for a pair (direct if registered, else via PCM). */
import { type Result, err, ok } from '../../lib/index.js';
import type { Codec, Transcoder } from './codec.js';
import { ALAW_TO_ULAW, PCMA, PCMU, ULAW_TO_ALAW, tableTranscoder } from './g711.js';
import { pcmTranscoder } from './pcm-transcoder.js';

export type CodecError = { readonly code: 'unknown-codec'; readonly name: string };

export class CodecRegistry {
  private readonly codecs = new Map<string, Codec>();
  private readonly direct = new Map<string, () => Transcoder>();

  /** A registry with G.711 µ-law and A-law and their direct octet-table transcoders. */
  static withDefaults(): CodecRegistry {
    const r = new CodecRegistry();
    r.register(PCMU);
    r.register(PCMA);
    r.registerDirect('PCMU', 'PCMA', () => tableTranscoder(PCMU, PCMA, ULAW_TO_ALAW));
    r.registerDirect('PCMA', 'PCMU', () => tableTranscoder(PCMA, PCMU, ALAW_TO_ULAW));
    return r;
  }

  register(codec: Codec): void {
    this.codecs.set(codec.name.toUpperCase(), codec);
  }

  /** Registers a specialised transcoder for one ordered pair, used instead of the PCM path. */
  registerDirect(from: string, to: string, factory: () => Transcoder): void {
    this.direct.set(`${from.toUpperCase()}>${to.toUpperCase()}`, factory);
  }

  get(name: string): Codec | undefined {
    return this.codecs.get(name.toUpperCase());
  }

  names(): string[] {
    return [...this.codecs.values()].map((c) => c.name);
  }

  createTranscoder(from: string, to: string): Result<Transcoder, CodecError> {
    const a = this.get(from);
    if (a === undefined) return err({ code: 'unknown-codec', name: from });
    const b = this.get(to);
    if (b === undefined) return err({ code: 'unknown-codec', name: to });
    const direct = this.direct.get(`${a.name.toUpperCase()}>${b.name.toUpperCase()}`);
    return ok(direct !== undefined ? direct() : pcmTranscoder(a, b));
  }
}
