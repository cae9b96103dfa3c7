/**
 * SDP writer (RFC 8866 §5): fields in the canonical order of §5, CRLF after every line.
 * Lines of unknown type follow the attributes of their section.
 */
import type { Bandwidth, Connection, MediaDescription, SdpAttribute, SdpLine, SessionDescription } from './model.js';

const CRLF = '\r\n';

/**
 * Writes a session description in RFC 8866 §5 order: v o s i u e p c b (t r)* z k a*, then per
 * media m i c* b* k a*. An empty session name is written `s= ` (RFC 8866 §5.3) and a model
 * without timing gets `t=0 0` so the output is always a valid SDP.
 */
export function serializeSdp(sd: SessionDescription): string {
  const out: string[] = [];
  const o = sd.origin;
  out.push(`v=${sd.version}`);
  out.push(`o=${o.username} ${o.sessId} ${o.sessVersion} ${o.netType} ${o.addrType} ${o.address}`);
  out.push(sd.sessionName === '' ? 's= ' : `s=${sd.sessionName}`);
  if (sd.information !== undefined) out.push(`i=${sd.information}`);
  if (sd.uri !== undefined) out.push(`u=${sd.uri}`);
  for (const e of sd.emails) out.push(`e=${e}`);
  for (const p of sd.phones) out.push(`p=${p}`);
  if (sd.connection !== undefined) out.push(connectionLine(sd.connection));
  pushBandwidths(out, sd.bandwidths);
  if (sd.timings.length === 0) out.push('t=0 0');
  for (const t of sd.timings) {
    out.push(`t=${t.start} ${t.stop}`);
    for (const r of t.repeats) out.push(`r=${r}`);
  }
  if (sd.timeZones !== undefined) out.push(`z=${sd.timeZones}`);
  if (sd.key !== undefined) out.push(`k=${sd.key}`);
  pushAttributes(out, sd.attributes);
  pushOther(out, sd.otherLines);
  for (const md of sd.media) pushMedia(out, md);
  return out.join(CRLF) + CRLF;
}

/** The `m=` line value of a media section (without `m=`). */
export function mediaLineValue(md: MediaDescription): string {
  const port = md.portCount === undefined ? `${md.port}` : `${md.port}/${md.portCount}`;
  return [md.type, port, md.proto, ...md.formats].join(' ');
}

function pushMedia(out: string[], md: MediaDescription): void {
  out.push(`m=${mediaLineValue(md)}`);
  if (md.information !== undefined) out.push(`i=${md.information}`);
  for (const c of md.connections) out.push(connectionLine(c));
  pushBandwidths(out, md.bandwidths);
  if (md.key !== undefined) out.push(`k=${md.key}`);
  pushAttributes(out, md.attributes);
  pushOther(out, md.otherLines);
}

function connectionLine(c: Connection): string {
  return `c=${c.netType} ${c.addrType} ${c.address}${c.suffix ?? ''}`;
}

function pushBandwidths(out: string[], list: Bandwidth[]): void {
  for (const b of list) out.push(`b=${b.type}:${b.value}`);
}

function pushAttributes(out: string[], list: SdpAttribute[]): void {
  for (const a of list) out.push(a.value === undefined ? `a=${a.name}` : `a=${a.name}:${a.value}`);
}

function pushOther(out: string[], list: SdpLine[]): void {
  for (const l of list) out.push(`${l.type}=${l.value}`);
}
