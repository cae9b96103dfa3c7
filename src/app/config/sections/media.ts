/** `media`: the RTP relay that anchors calls' audio on the server, and its rtpengine ng listener. */
import { isIP } from 'node:net';
import { z } from 'zod';
import { KNOWN_CODECS, isAuxiliaryCodec, normalizeCodecName } from '../../../sdp/index.js';
import { defineSection, positiveInt, section } from '../section.js';

const ipAddress = (what: string) => z.string().refine((s) => isIP(s) !== 0, (s) => ({ message: `${what} "${s}" is not an IP address` }));
const port = (what: string) => z.number().int(`${what} must be an integer`).min(1024, `${what} must be 1024..65535`).max(65535, `${what} must be 1024..65535`);

/** Voice codecs a policy may name (DTMF and comfort noise always pass, RFC 4733 / RFC 3389). */
export const MEDIA_CODEC_NAMES: readonly string[] = [...KNOWN_CODECS.keys()].filter((n) => !isAuxiliaryCodec(n));

const codec = z
  .string()
  .transform(normalizeCodecName)
  .refine((n) => MEDIA_CODEC_NAMES.includes(n), (n) => ({ message: `unknown codec "${n}" (known: ${MEDIA_CODEC_NAMES.join(', ')})` }));

const ngSchema = z
  .object({
    address: ipAddress('media.ng.address').default('127.0.0.1'),
    port: z.number().int('media.ng.port must be an integer').min(0, 'media.ng.port must be 0..65535').max(65535, 'media.ng.port must be 0..65535').default(22222),
  })
  .strict();

const WILDCARDS = new Set(['0.0.0.0', '::']);

const mediaSchema = section({
  mode: z.enum(['always', 'nat', 'never']).default('always'),
  bind_address: ipAddress('media.bind_address').optional(),
  advertised_address: ipAddress('media.advertised_address').optional(),
  // RFC 3550 §11: RTP on an even port, RTCP on the next (odd) one.
  port_min: port('media.port_min').refine((p) => p % 2 === 0, 'media.port_min must be even (RTP uses even ports, RFC 3550 §11)').default(10000),
  port_max: port('media.port_max').default(20000),
  codecs: z
    .array(codec)
    .min(1, 'media.codecs needs at least one codec')
    .refine((l) => new Set(l).size === l.length, 'media.codecs lists a codec twice')
    .default(['g722', 'pcmu', 'pcma']),
  transcode: z.boolean().default(true),
  timeout: positiveInt('media.timeout').default(60),
  hold_timeout: positiveInt('media.hold_timeout').default(3600),
  engine: z.enum(['auto', 'native', 'js']).default('auto'),
  threads: z.number().int('media.threads must be an integer').min(1, 'media.threads must be 1..64').max(64, 'media.threads must be 1..64').default(1),
  ng: ngSchema.optional(),
})
  .superRefine((m, ctx) => {
    if (m.portMax < m.portMin + 1) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['port_max'], message: `media.port_max must be greater than port_min (${m.portMin}): at least one RTP/RTCP pair` });
    if (m.bindAddress !== undefined && WILDCARDS.has(m.bindAddress) && m.advertisedAddress === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['advertised_address'], message: 'media.advertised_address is required when media.bind_address is a wildcard' });
    }
    if (m.holdTimeout < m.timeout) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['hold_timeout'], message: 'media.hold_timeout must not be shorter than media.timeout' });
  })
  .default({});

export const mediaSection = defineSection(
  'media',
  mediaSchema,
  `# Media anchoring: calls' RTP/RTCP flows through the server's relay (cures one-way audio
# behind NAT), with G.711 u-law <-> A-law transcoding when the phones share no codec.
media:
  mode: always # always: relay every call | nat: only calls with a NATed party | never: no relay
  # bind_address: 192.0.2.5 # IP the media sockets bind to; default: the first listen address that is not 0.0.0.0, else 127.0.0.1
  # advertised_address: 203.0.113.5 # IP written into SDP, for a server behind 1:1 NAT; default: bind_address
  port_min: 10000 # first RTP port (even); each call stream takes 2 pairs (RTP even + RTCP odd)
  port_max: 20000 # last port of the range
  codecs: [g722, pcmu, pcma] # allowed voice codecs, by preference (aliases: ulaw, alaw); DTMF and CN always pass
  transcode: true # offer PCMU to the callee of a PCMA-only caller (and vice versa) and convert
  timeout: 60 # seconds without media before the call is hung up (BYE to both sides)
  hold_timeout: 3600 # the same while a party holds the call
  engine: auto # auto: native forwarding threads when the addon is built, else node:dgram | native | js
  threads: 1 # native forwarding threads (calls are spread over them)
  # ng: # rtpengine "ng" control listener (bencode/UDP), for Kamailio/OpenSIPS or benchmarks; off by default
  #   address: 127.0.0.1
  #   port: 22222
`,
);
