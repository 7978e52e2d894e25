/**
 * A throw-away certificate authority for the local stack.
 *
 * Pebble (the Debian package ships no certificate), the Key Vault and ARM emulators and the
 * gateway data plane all speak HTTPS, and the real SDK clients refuse plain HTTP for bearer
 * tokens. One CA per test run signs every loopback server certificate; the test processes
 * trust it through NODE_EXTRA_CA_CERTS, so production code needs no TLS switches.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';

export interface PemPair {
  readonly certPem: string;
  readonly keyPem: string;
}

export const CA_DIR_ENV = 'TEST_CA_DIR';

function newRsaKeyPem(bits = 2048): string {
  // Native key generation: node-forge's pure-JS RSA takes seconds per key.
  return generateKeyPairSync('rsa', { modulusLength: bits }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

function serial(): string {
  // Positive, 16 bytes: RFC 5280 §4.1.2.2 allows up to 20 octets.
  return '01' + randomBytes(15).toString('hex');
}

export function createCa(commonName = 'appgw-acme-robot test CA'): PemPair {
  const keyPem = newRsaKeyPem();
  const key = forge.pki.privateKeyFromPem(keyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey((key as forge.pki.rsa.PrivateKey).n, (key as forge.pki.rsa.PrivateKey).e);
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 7 * 24 * 3600_000);
  const attrs = [{ name: 'commonName', value: commonName }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(key, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

/** A server certificate for loopback names, signed by `ca`. */
export function issueServerCert(ca: PemPair, names: { dns?: string[]; ips?: string[] } = {}): PemPair {
  const dns = names.dns ?? ['localhost'];
  const ips = names.ips ?? ['127.0.0.1'];
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const keyPem = newRsaKeyPem();
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 7 * 24 * 3600_000);
  cert.setSubject([{ name: 'commonName', value: dns[0] ?? ips[0] ?? 'localhost' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [...dns.map((value) => ({ type: 2, value })), ...ips.map((ip) => ({ type: 7, ip }))],
    },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

/** Writes a new CA into `dir` and returns the path of a bundle (system roots + the CA) for NODE_EXTRA_CA_CERTS. */
export function writeCa(dir: string): { ca: PemPair; bundlePath: string } {
  mkdirSync(dir, { recursive: true });
  const ca = createCa();
  writeFileSync(join(dir, 'ca.pem'), ca.certPem);
  writeFileSync(join(dir, 'ca-key.pem'), ca.keyPem, { mode: 0o600 });
  const system = '/etc/ssl/certs/ca-certificates.crt';
  const bundle = (existsSync(system) ? readFileSync(system, 'utf8') + '\n' : '') + ca.certPem;
  const bundlePath = join(dir, 'bundle.pem');
  writeFileSync(bundlePath, bundle);
  return { ca, bundlePath };
}

/**
 * Removes the CA's private key (and certificate) from `dir`, keeping only the public bundle: a
 * process that starts later with NODE_EXTRA_CA_CERTS pointing at it still starts cleanly.
 */
export function removeCaKey(dir: string): void {
  rmSync(join(dir, 'ca-key.pem'), { force: true });
  rmSync(join(dir, 'ca.pem'), { force: true });
}

/** The CA written by the global setup (or by the local-run script) for this process tree. */
export function loadCa(dir = process.env[CA_DIR_ENV]): PemPair {
  if (!dir) throw new Error(`${CA_DIR_ENV} is not set: start tests through vitest (global setup) or scripts/issue-local.ts`);
  return { certPem: readFileSync(join(dir, 'ca.pem'), 'utf8'), keyPem: readFileSync(join(dir, 'ca-key.pem'), 'utf8') };
}
