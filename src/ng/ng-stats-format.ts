/**
 * Shapes call statistics the way rtpengine's `ng_call_stats()` does for `query` and `delete`
 * replies (docs/ng_control_protocol.md, "`query` Message"):
 *   created, created_us, "last signal", SSRC {}, tags { <tag>: { tag, created, label?,
 *   via-branch?, "in dialogue with"?, medias: [ { index, type, protocol?, codec?, flags, streams:
 *   [ { "local port", "local address", family, endpoint, "advertised endpoint", "last packet",
 *   flags, stats: { packets, bytes, errors } } ] } ] } }, totals { RTP: {...}, RTCP: {...} }.
 * Kamailio's rtpengine module reads `totals` → `RTP`/`RTCP` → `bytes`/`packets`/`errors` for
 * `$rtpstat`. Times are UNIX seconds. A stream counts towards RTCP when it is not RTP, as in
 * rtpengine ("if (!PS_ISSET(ps, RTP)) s = &totals->totals[1]").
 */
import { type BencodeInput, binaryStringBytes } from './bencode.js';
import type { NgCallStats, NgCounters, NgEndpoint, NgMediaStats, NgStreamStats, NgTagStats } from './ng-types.js';

type Dict = Map<string, BencodeInput | undefined>;

const seconds = (ms: number): number => Math.floor(ms / 1000);

function counters(c: NgCounters): Dict {
  return new Map<string, BencodeInput>([
    ['packets', Math.trunc(c.packets)],
    ['bytes', Math.trunc(c.bytes)],
    ['errors', Math.trunc(c.errors)],
  ]);
}

function family(address: string): string {
  return address.includes(':') ? 'IPv6' : 'IPv4';
}

function endpoint(e: NgEndpoint | undefined): Dict | undefined {
  if (e === undefined) return undefined;
  return new Map<string, BencodeInput>([
    ['family', family(e.address)],
    ['address', e.address],
    ['port', e.port],
  ]);
}

function stream(s: NgStreamStats): Dict {
  return new Map<string, BencodeInput | undefined>([
    ['local port', s.localPort],
    ['local address', s.localAddress],
    ['family', s.localAddress === undefined ? undefined : family(s.localAddress)],
    ['endpoint', endpoint(s.endpoint)],
    ['advertised endpoint', endpoint(s.advertisedEndpoint)],
    ['last packet', seconds(s.lastPacketAt ?? 0)],
    ['flags', [s.kind === 'rtp' ? 'RTP' : 'RTCP', ...(s.flags ?? [])]],
    ['stats', counters(s.stats)],
  ]);
}

function media(m: NgMediaStats): Dict {
  return new Map<string, BencodeInput | undefined>([
    ['index', m.index],
    ['type', m.type],
    ['protocol', m.protocol],
    ['codec', m.codec],
    ['flags', [...(m.flags ?? [])]],
    ['streams', m.streams.map(stream)],
  ]);
}

function tag(t: NgTagStats): Dict {
  return new Map<string, BencodeInput | undefined>([
    ['tag', binaryStringBytes(t.tag)],
    ['via-branch', t.viaBranch === undefined ? undefined : binaryStringBytes(t.viaBranch)],
    ['label', t.label === undefined ? undefined : binaryStringBytes(t.label)],
    ['created', seconds(t.createdAt)],
    ['in dialogue with', t.inDialogueWith === undefined ? undefined : binaryStringBytes(t.inDialogueWith)],
    ['medias', t.medias.map(media)],
  ]);
}

/** Sums RTP and RTCP counters over every stream of every tag. */
export function sumTotals(stats: NgCallStats): { rtp: NgCounters; rtcp: NgCounters } {
  const rtp = { packets: 0, bytes: 0, errors: 0 };
  const rtcp = { packets: 0, bytes: 0, errors: 0 };
  for (const t of stats.tags) {
    for (const m of t.medias) {
      for (const s of m.streams) {
        const into = s.kind === 'rtp' ? rtp : rtcp;
        into.packets += s.stats.packets;
        into.bytes += s.stats.bytes;
        into.errors += s.stats.errors;
      }
    }
  }
  return { rtp, rtcp };
}

/** The statistics keys added to a `query` or `delete` reply dictionary. */
export function callStatsEntries(stats: NgCallStats): Dict {
  const tags: Dict = new Map();
  stats.tags.forEach((t, i) => {
    // rtpengine names a side without a tag "<untagged N>" (ng_stats_monologue).
    tags.set(t.tag === '' ? `<untagged ${i + 1}>` : t.tag, tag(t));
  });
  const totals = stats.totals ?? sumTotals(stats);
  return new Map<string, BencodeInput | undefined>([
    ['created', seconds(stats.createdAt)],
    ['created_us', Math.floor((stats.createdAt % 1000) * 1000)],
    ['last signal', seconds(stats.lastSignalAt)],
    ['SSRC', new Map()],
    ['tags', tags],
    [
      'totals',
      new Map<string, BencodeInput>([
        ['RTP', counters(totals.rtp)],
        ['RTCP', counters(totals.rtcp)],
      ]),
    ],
  ]);
}
