/**
 * Real-world style SDP bodies (canonical RFC 8866 line order, CRLF) used by the sdp tests.
 * Each is written as its lines; `sdp(...)` joins them the way they travel on the wire.
 */

export function sdp(...lines: string[]): string {
  return lines.join('\r\n') + '\r\n';
}

/** baresip 1.x/3.x offer: opus + G.711 + DTMF, session-level c=, a=tool. */
export const BARESIP = sdp(
  'v=0',
  'o=- 3796486212 2383213466 IN IP4 192.168.0.3',
  's=-',
  'c=IN IP4 192.168.0.3',
  't=0 0',
  'a=tool:baresip 3.10.1',
  'm=audio 30448 RTP/AVP 96 0 8 101',
  'b=AS:85',
  'a=rtpmap:96 opus/48000/2',
  'a=fmtp:96 stereo=1;sprop-stereo=1',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=rtcp-rsize',
  'a=ssrc:2718372134 cname:ad3bc4e1-5d1b-4a86-9c56-c0a8b1f2e3d4',
  'a=sendrecv',
  'a=label:1',
  'a=ptime:20',
);

/** Linphone offer: several telephone-event clock rates, speex, rtcp-xr, rtcp-fb with '*'. */
export const LINPHONE = sdp(
  'v=0',
  'o=alice 3264 1432 IN IP4 192.168.1.20',
  's=Talk',
  'c=IN IP4 192.168.1.20',
  't=0 0',
  'a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics',
  'a=record:off',
  'm=audio 7078 RTP/AVP 96 97 98 0 8 18 101 99 100',
  'a=rtpmap:96 opus/48000/2',
  'a=fmtp:96 useinbandfec=1',
  'a=rtpmap:97 speex/16000',
  'a=fmtp:97 vbr=on',
  'a=rtpmap:98 speex/8000',
  'a=fmtp:98 vbr=on',
  'a=fmtp:18 annexb=yes',
  'a=rtpmap:101 telephone-event/48000',
  'a=rtpmap:99 telephone-event/16000',
  'a=rtpmap:100 telephone-event/8000',
  'a=rtcp-fb:* trr-int 1000',
  'a=rtcp-fb:* ccm tmmbr',
);

/** Yealink desk phone style: G722 first, static PTs with rtpmap, G729 annexb=no. */
export const YEALINK = sdp(
  'v=0',
  'o=- 20023 20023 IN IP4 10.0.0.50',
  's=SDP data',
  'c=IN IP4 10.0.0.50',
  't=0 0',
  'm=audio 11796 RTP/AVP 9 0 8 18 101',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:18 G729/8000',
  'a=fmtp:18 annexb=no',
  'a=ptime:20',
  'a=sendrecv',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
);

/** A browser (WebRTC) audio offer: ICE, DTLS, BUNDLE, rtcp-mux, RED, two telephone-events. */
export const WEBRTC = sdp(
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'a=extmap-allow-mixed',
  'a=msid-semantic: WMS stream1',
  'm=audio 54321 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126',
  'c=IN IP4 203.0.113.7',
  'a=rtcp:9 IN IP4 0.0.0.0',
  'a=candidate:1 1 udp 2122260223 192.168.1.5 54321 typ host generation 0 network-id 1',
  'a=candidate:2 1 udp 1686052607 203.0.113.7 54321 typ srflx raddr 192.168.1.5 rport 54321 generation 0',
  'a=ice-ufrag:a1b2',
  'a=ice-pwd:0123456789abcdefghijklmn',
  'a=ice-options:trickle',
  'a=fingerprint:sha-256 6B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08',
  'a=setup:actpass',
  'a=mid:0',
  'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  'a=sendrecv',
  'a=msid:stream1 track1',
  'a=rtcp-mux',
  'a=rtpmap:111 opus/48000/2',
  'a=rtcp-fb:111 transport-cc',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:63 red/48000/2',
  'a=fmtp:63 111/111',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:13 CN/8000',
  'a=rtpmap:110 telephone-event/48000',
  'a=rtpmap:126 telephone-event/8000',
  'a=ssrc:1001 cname:xyzzy',
  'a=end-of-candidates',
);

/** SIPp's built-in uac scenario body: one static PT and nothing else (no a=rtpmap). */
export const SIPP = sdp(
  'v=0',
  'o=user1 53655765 2353687637 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 6000 RTP/AVP 0',
);

/** Audio + video offer (video must pass through the audio policy untouched). */
export const AUDIO_VIDEO = sdp(
  'v=0',
  'o=bob 1000 1000 IN IP4 198.51.100.4',
  's=call',
  'c=IN IP4 198.51.100.4',
  't=0 0',
  'm=audio 40000 RTP/AVP 0 8 101',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'm=video 40002 RTP/AVP 97',
  'b=AS:512',
  'a=rtpmap:97 H264/90000',
  'a=fmtp:97 profile-level-id=42e01f;packetization-mode=1',
);
