/**
 * The routing policy in the real server: a route list and a hook module from the config,
 * reloaded on SIGHUP without a restart; a broken config or hook module is refused and the
 * policy in force stays. Requests are real INVITEs over UDP on loopback.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RegistrarDeployment } from '../support/registrar-server.js';
import { UdpSipClient, newBranch, randomToken, sendUdpRequest, type Target } from '../support/sip-client.js';

const configYaml = (root: string, reason: string, extra = ''): string =>
  [
    'proxy:',
    '  trusted: [127.0.0.0/8]',
    'routing:',
    `  hooks: ${join(root, 'hooks.mjs')}`,
    '  routes:',
    '    - name: blocked',
    "      match: { ruri_user: '^900$' }",
    `      action: { reject: 403, reason: ${reason} }`,
    extra,
    '',
  ].join('\n');

const hooks = (reason: string): string => `// routing hooks (plain ESM)
export function onRequest(req) {
  if (req.ruriUser === 'hooked') return { kind: 'reject', status: 486, reason: '${reason}' };
  return undefined;
}
`;

async function invite(server: Target, user: string): Promise<{ status: number; reason: string } | undefined> {
  const client = await UdpSipClient.open();
  try {
    const l = client.local;
    const msg = [
      `INVITE sip:${user}@127.0.0.1:${server.port} SIP/2.0`,
      `Via: SIP/2.0/UDP ${l.host}:${l.port};branch=${newBranch()};rport`,
      'Max-Forwards: 70',
      `From: <sip:caller@127.0.0.1>;tag=${randomToken(4)}`,
      `To: <sip:${user}@127.0.0.1>`,
      `Call-ID: ${randomToken()}@test`,
      'CSeq: 1 INVITE',
      `Contact: <sip:caller@${l.host}:${l.port}>`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    const r = await sendUdpRequest(msg, server, { client, timeoutMs: 3000 });
    const final = r.responses.find((x) => x.status >= 200);
    return final === undefined ? undefined : { status: final.status, reason: final.reason };
  } finally {
    await client.close();
  }
}

async function waitForLog(logs: () => Array<Record<string, unknown>>, msg: string, count: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (logs().filter((l) => l.msg === msg).length >= count) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`no "${msg}" log line (#${count}) within ${timeoutMs} ms`);
}

describe('routing policy in the running server (SIGHUP reload)', () => {
  it('applies routes and hooks, reloads both on SIGHUP, and keeps the policy when the new one is broken', { timeout: 120_000 }, async (t) => {
    const d = RegistrarDeployment.create(t, '');
    writeFileSync(join(d.root, 'hooks.mjs'), hooks('Hook V1'));
    writeFileSync(d.configFile, configYaml(d.root, 'Blocked'));
    const p = await d.start();
    const logs = () => p.server.logs();

    assert.deepEqual(await invite(p.sip, '900'), { status: 403, reason: 'Blocked' }, p.outputTail());
    assert.deepEqual(await invite(p.sip, 'hooked'), { status: 486, reason: 'Hook V1' });
    assert.equal((await invite(p.sip, 'nobody'))?.status, 404, 'no route, no hook: the location service');

    writeFileSync(d.configFile, configYaml(d.root, 'Blocked Again'));
    writeFileSync(join(d.root, 'hooks.mjs'), hooks('Hook V2'));
    p.server.child.kill('SIGHUP');
    await waitForLog(logs, 'routing policy reloaded', 1);
    assert.deepEqual(await invite(p.sip, '900'), { status: 403, reason: 'Blocked Again' });
    assert.deepEqual(await invite(p.sip, 'hooked'), { status: 486, reason: 'Hook V2' });

    // A config with an error is refused; the policy in force stays.
    writeFileSync(d.configFile, configYaml(d.root, 'Never', "    - name: broken\n      match: { ruri_user: '(' }\n      action: { reject: 500 }"));
    p.server.child.kill('SIGHUP');
    await waitForLog(logs, 'reload refused: the config file has errors; the routing policy in force is kept', 1);
    assert.deepEqual(await invite(p.sip, '900'), { status: 403, reason: 'Blocked Again' });

    // A hook module that does not load is refused too.
    writeFileSync(d.configFile, configYaml(d.root, 'Blocked Again'));
    writeFileSync(join(d.root, 'hooks.mjs'), 'export function onRequest( {');
    p.server.child.kill('SIGHUP');
    await waitForLog(logs, 'reload refused: the hook module failed to load; the routing policy in force is kept', 1);
    assert.deepEqual(await invite(p.sip, 'hooked'), { status: 486, reason: 'Hook V2' });
    assert.ok(p.alive, 'the server survived every reload');
  });
});
