import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ensureSelfSignedCertificate } from '../../../../src/sip/transport/index.js';

describe('ensureSelfSignedCertificate', () => {
  it('generates a certificate and key once, mode 0600, then reuses them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-cert-'));
    try {
      const first = await ensureSelfSignedCertificate(dir, ['sip.example.com', '192.0.2.7']);
      assert.equal(first.generated, true);
      assert.equal(first.certFile, join(dir, 'tls', 'self-signed-cert.pem'));
      for (const f of [first.certFile, first.keyFile]) assert.equal((await stat(f)).mode & 0o777, 0o600);

      const pem = await readFile(first.certFile, 'utf8');
      const cert = new X509Certificate(pem);
      const san = cert.subjectAltName ?? '';
      for (const name of ['DNS:sip.example.com', 'DNS:localhost', 'IP Address:192.0.2.7', 'IP Address:127.0.0.1', 'IP Address:0:0:0:0:0:0:0:1']) {
        assert.ok(san.includes(name), `${name} in ${san}`);
      }
      assert.ok(cert.checkPrivateKey(createPrivateKey(await readFile(first.keyFile))));

      const second = await ensureSelfSignedCertificate(dir, ['other.example.com']);
      assert.equal(second.generated, false);
      assert.equal(second.certFile, first.certFile);
      assert.equal(await readFile(second.certFile, 'utf8'), pem);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
