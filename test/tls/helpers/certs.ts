import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Certificates made at test time with the openssl CLI, the same commands docs/TLS.md gives:
 * a CA and a server certificate it signs for 127.0.0.1 and localhost; a second, unrelated CA;
 * a certificate from the right CA for another host name; a self-signed certificate to pin.
 * EC P-256 keys: quick to generate, and what the docs recommend.
 */

export interface CertFiles {
  cert: string;
  key: string;
}

export interface TestCerts {
  dir: string;
  ca: CertFiles;
  /** Signed by `ca`, SAN IP:127.0.0.1 and DNS:localhost. */
  server: CertFiles;
  /** An unrelated CA: a kiosk trusting it must refuse `server`. */
  otherCa: CertFiles;
  /** Signed by `ca` but for DNS:other.example only: the host check must refuse it at 127.0.0.1. */
  wrongHost: CertFiles;
  /** Self-signed, for pinning by fingerprint. */
  selfSigned: CertFiles;
  /** `openssl x509 -fingerprint -sha256` of selfSigned, as printed ("AB:CD:..."). */
  selfSignedFingerprint: string;
  /** Same of server. */
  serverFingerprint: string;
}

function openssl(args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function newKey(path: string): void {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path]);
}

function selfSignedCa(dir: string, name: string): CertFiles {
  const files = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  newKey(files.key);
  openssl([
    'req', '-x509', '-new', '-key', files.key, '-out', files.cert, '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return files;
}

function signedBy(dir: string, name: string, ca: CertFiles, san: string): CertFiles {
  const files = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  newKey(files.key);
  openssl(['req', '-new', '-key', files.key, '-out', csr, '-subj', `/CN=${name}`]);
  writeFileSync(ext, `subjectAltName=${san}\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`);
  openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', files.cert, '-days', '2', '-extfile', ext]);
  return files;
}

export function fingerprintOf(certPath: string): string {
  const out = openssl(['x509', '-in', certPath, '-noout', '-fingerprint', '-sha256']);
  const m = /Fingerprint=([0-9A-F:]+)/i.exec(out);
  if (!m?.[1]) throw new Error(`no fingerprint in ${out}`);
  return m[1];
}

export function makeTestCerts(dir: string): TestCerts {
  const ca = selfSignedCa(dir, 'pivote-test-ca');
  const otherCa = selfSignedCa(dir, 'other-ca');
  const server = signedBy(dir, 'server', ca, 'IP:127.0.0.1,DNS:localhost');
  const wrongHost = signedBy(dir, 'wrong-host', ca, 'DNS:other.example');
  const selfSigned = { cert: join(dir, 'self.pem'), key: join(dir, 'self.key') };
  // Option B of docs/TLS.md, as written there.
  openssl([
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', selfSigned.key, '-out', selfSigned.cert,
    '-days', '2', '-subj', '/CN=pivote server', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ]);
  return {
    dir,
    ca,
    server,
    otherCa,
    wrongHost,
    selfSigned,
    selfSignedFingerprint: fingerprintOf(selfSigned.cert),
    serverFingerprint: fingerprintOf(server.cert),
  };
}
