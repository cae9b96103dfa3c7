/**
 * A self-signed certificate for TLS/WSS listeners when none is configured: made once in
 * `<dataDir>/tls/` and reused on later starts. The generator (selfsigned, with node-forge) is
 * loaded only when a certificate has to be made, not by every server start.
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';

export interface CertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** True when this call created them (the caller logs "generated a self-signed certificate at …"). */
  readonly generated: boolean;
}

const CERT_NAME = 'self-signed-cert.pem';
const KEY_NAME = 'self-signed-key.pem';

/**
 * Returns `<dataDir>/tls/self-signed-{cert,key}.pem`, creating them (RSA 2048, SHA-256, valid
 * 10 years) when either is missing. The subjectAltName lists `hostnames` plus 127.0.0.1, ::1
 * and localhost. Files are written with mode 0600.
 */
export async function ensureSelfSignedCertificate(dataDir: string, hostnames: readonly string[]): Promise<CertificateFiles> {
  const dir = join(dataDir, 'tls');
  const certFile = join(dir, CERT_NAME);
  const keyFile = join(dir, KEY_NAME);
  if ((await readable(certFile)) && (await readable(keyFile))) return { certFile, keyFile, generated: false };

  await mkdir(dir, { recursive: true, mode: 0o700 });
  const names = [...new Set([...hostnames, 'localhost', '127.0.0.1', '::1'].filter((n) => n.length > 0))];
  const pem = await generate(names);
  // Write under temporary names, then rename: a crash never leaves half a key behind.
  const suffix = `.tmp-${process.pid}`;
  await writeFile(keyFile + suffix, pem.private, { mode: 0o600 });
  await writeFile(certFile + suffix, pem.cert, { mode: 0o600 });
  await chmod(keyFile + suffix, 0o600);
  await chmod(certFile + suffix, 0o600);
  await rename(keyFile + suffix, keyFile);
  await rename(certFile + suffix, certFile);
  return { certFile, keyFile, generated: true };
}

async function generate(names: readonly string[]): Promise<{ private: string; cert: string }> {
  const { default: selfsigned } = await import('selfsigned');
  const commonName = names.find((n) => isIP(n) === 0) ?? 'localhost';
  const altNames = names.map((n) => (isIP(n) === 0 ? { type: 2, value: n } : { type: 7, ip: n }));
  return new Promise((resolve, reject) => {
    selfsigned.generate(
      [{ name: 'commonName', value: commonName }],
      {
        keySize: 2048,
        days: 3650,
        algorithm: 'sha256',
        extensions: [
          { name: 'basicConstraints', cA: false },
          { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
          { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
          { name: 'subjectAltName', altNames },
        ],
      },
      (e, result) => (e ? reject(e) : resolve(result)),
    );
  });
}

async function readable(path: string): Promise<boolean> {
  try {
    return (await readFile(path)).length > 0;
  } catch {
    return false;
  }
}
