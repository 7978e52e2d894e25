/**
 * The Key Vault emulator, driven by the real CertificateClient and SecretClient: the same calls
 * the app's adapter makes (create with issuer Unknown → CSR → merge, import, secret reads).
 */
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import type { TokenCredential } from '@azure/identity';
import { CertificateClient } from '@azure/keyvault-certificates';
import { SecretClient } from '@azure/keyvault-secrets';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKeyVaultEmulator, type KeyVaultEmulator } from '../../devstack/keyvault/emulator';
import { createCa, loadCa, type PemPair } from '../../devstack/tls/testCa';

const credential: TokenCredential = {
  getToken: async () => ({ token: 'test-token', expiresOnTimestamp: Date.now() + 3600e3 }),
};
// The loopback URL is not a *.vault.azure.net host: skip the SDK's resource check.
const clientOptions = { disableChallengeResourceVerification: true };
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

let kv: KeyVaultEmulator;
let certificates: CertificateClient;
let secrets: SecretClient;
let issuer: PemPair; // stands in for the ACME CA that signs the vault's CSR

beforeAll(async () => {
  kv = await startKeyVaultEmulator({ ca: loadCa() });
  certificates = new CertificateClient(kv.url, credential, clientOptions);
  secrets = new SecretClient(kv.url, credential, clientOptions);
  issuer = createCa('kv-emulator test issuer');
});

afterAll(async () => {
  await kv?.stop();
});

// --- fixtures ----------------------------------------------------------------------------------

function randomName(): string {
  return `t-${randomBytes(5).toString('hex')}`;
}

function hostOf(name: string): string {
  return `${name}.example.test`;
}

function derOf(cert: forge.pki.Certificate): Buffer {
  return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
}

function rsaKeyPem(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

/** A leaf for `publicKey` and `hosts`, signed by the test issuer, as DER. */
function issueLeaf(publicKey: forge.pki.PublicKey, hosts: string[]): Buffer {
  const caCert = forge.pki.certificateFromPem(issuer.certPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = '01' + randomBytes(15).toString('hex');
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Math.floor(Date.now() / 1000) * 1000 + 90 * 86_400_000);
  cert.setSubject([{ shortName: 'CN', value: hosts[0] ?? 'x' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: hosts.map((value) => ({ type: 2, value })) },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(issuer.keyPem), forge.md.sha256.create());
  return derOf(cert);
}

function issuerDer(): Buffer {
  return derOf(forge.pki.certificateFromPem(issuer.certPem));
}

function publicKeyOf(keyPem: string): forge.pki.PublicKey {
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  return forge.pki.setRsaPublicKey(key.n, key.e);
}

function pemOf(der: Buffer): string {
  return new X509Certificate(der).toString();
}

function keyMatches(certDerOrPem: Buffer | string, keyPem: string): boolean {
  return new X509Certificate(certDerOrPem).checkPrivateKey(createPrivateKey(keyPem));
}

async function beginPending(name: string, tags?: Record<string, string>): Promise<void> {
  const host = hostOf(name);
  await certificates.beginCreateCertificate(
    name,
    {
      issuerName: 'Unknown',
      subject: `CN=${host}`,
      subjectAlternativeNames: { dnsNames: [host, `www.${host}`] },
      enhancedKeyUsage: [SERVER_AUTH],
      keyType: 'RSA',
      keySize: 2048,
      exportable: true,
      reuseKey: false,
      contentType: 'application/x-pkcs12',
    },
    { tags },
  );
}

/** The CSR of the pending operation, read the way the app does (no pollUntilDone). */
async function pendingCsr(name: string): Promise<Buffer> {
  const poller = await certificates.getCertificateOperation(name);
  const csr = poller.getOperationState().certificateOperation?.csr;
  if (!csr) throw new Error(`no CSR for ${name}`);
  return Buffer.from(csr);
}

function parseCsr(der: Buffer): forge.pki.CertificateSigningRequest {
  return forge.pki.certificationRequestFromAsn1(forge.asn1.fromDer(der.toString('binary')));
}

/** create → CSR → sign → merge; returns the merged leaf. */
async function issueThroughVault(name: string, tags?: Record<string, string>): Promise<Buffer> {
  await beginPending(name, tags);
  const csr = parseCsr(await pendingCsr(name));
  const leaf = issueLeaf(csr.publicKey as forge.pki.PublicKey, [hostOf(name), `www.${hostOf(name)}`]);
  await certificates.mergeCertificate(name, [leaf, issuerDer()]);
  return leaf;
}

function pfxKeyAndCerts(base64: string, password?: string): { keyPem: string; certs: string[] } {
  const asn1 = forge.asn1.fromDer(Buffer.from(base64, 'base64').toString('binary'));
  const p12 = password === undefined ? forge.pkcs12.pkcs12FromAsn1(asn1) : forge.pkcs12.pkcs12FromAsn1(asn1, password);
  const keyBags = [forge.pki.oids.keyBag, forge.pki.oids.pkcs8ShroudedKeyBag].flatMap((t) => p12.getBags({ bagType: t ?? '' })[t ?? ''] ?? []);
  const certBags = p12.getBags({ bagType: forge.pki.oids.certBag ?? '' })[forge.pki.oids.certBag ?? ''] ?? [];
  const key = keyBags[0]?.key;
  if (!key) throw new Error('PFX holds no key');
  return { keyPem: forge.pki.privateKeyToPem(key), certs: certBags.map((b) => forge.pki.certificateToPem(b.cert as forge.pki.Certificate)) };
}

// --- tests -------------------------------------------------------------------------------------

describe('Key Vault emulator with the real SDK clients', () => {
  it('answers the SDK challenge with 401 and then accepts the bearer token', async () => {
    const name = randomName();
    const client = new CertificateClient(kv.url, credential, clientOptions); // a fresh client challenges again
    await expect(client.getCertificate(name)).rejects.toMatchObject({ statusCode: 404, code: 'CertificateNotFound' });
    const calls = kv.requests.filter((r) => r.path === `/certificates/${name}/`);
    expect(calls.map((r) => r.status)).toEqual([401, 404]);
  });

  it('creates a CSR with the policy subject, SANs and EKU, and merges the signed chain into a new version', async () => {
    const name = randomName();
    const host = hostOf(name);
    await beginPending(name, { hosts: host });

    // Like the real vault: before the merge the certificate exists as a disabled version without cer.
    const placeholder = await certificates.getCertificate(name);
    expect(placeholder.properties.enabled).toBe(false);
    expect(placeholder.cer).toBeUndefined();
    expect(await secrets.getSecret(name).catch((e: { statusCode?: number }) => e.statusCode)).toBe(404);

    const csrDer = await pendingCsr(name);
    expect(kv.pendingOperation(name)).toMatchObject({ status: 'inProgress' });
    expect(kv.pendingOperation(name)?.csrDer.equals(csrDer)).toBe(true);
    const csr = parseCsr(csrDer);
    expect(csr.verify()).toBe(true);
    expect(csr.subject.getField('CN')?.value).toBe(host);
    const extensions = (csr.getAttribute({ name: 'extensionRequest' }) as unknown as { extensions: Array<Record<string, unknown>> }).extensions;
    const san = extensions.find((e) => e.name === 'subjectAltName') as { altNames: Array<{ type: number; value: string }> };
    expect(san.altNames.map((a) => a.value)).toEqual([host, `www.${host}`]);
    expect(extensions.find((e) => e.name === 'extKeyUsage')).toMatchObject({ serverAuth: true });

    const leaf = issueLeaf(csr.publicKey as forge.pki.PublicKey, [host, `www.${host}`]);
    const merged = await certificates.mergeCertificate(name, [leaf, issuerDer()]);
    expect(merged.properties.version).not.toBe(placeholder.properties.version);

    const cert = await certificates.getCertificate(name);
    const versions = kv.certificateVersions(name);
    expect(versions).toHaveLength(1);
    expect(cert.properties.version).toBe(versions[0]?.version);
    expect(cert.properties.enabled).toBe(true);
    expect(cert.properties.expiresOn?.getTime()).toBe(new Date(new X509Certificate(leaf).validTo).getTime());
    expect(cert.properties.x509ThumbprintString).toBe(createHash('sha1').update(leaf).digest('hex'));
    expect(Buffer.from(cert.cer ?? new Uint8Array()).equals(leaf)).toBe(true);
    expect(cert.properties.tags).toEqual({ hosts: host });
    expect(cert.policy?.subject).toBe(`CN=${host}`);
    expect(kv.pendingOperation(name)?.status).toBe('completed');

    const secret = await secrets.getSecret(name);
    expect(secret.properties.contentType).toBe('application/x-pkcs12');
    expect(secret.properties.version).toBe(cert.properties.version);
    const pfx = pfxKeyAndCerts(secret.value ?? '');
    expect(keyMatches(leaf, pfx.keyPem)).toBe(true);
    expect(pfx.certs).toHaveLength(2);
  });

  it('rejects a merge of a certificate for a different key and keeps the pending operation', async () => {
    const name = randomName();
    await beginPending(name);
    const csrBefore = await pendingCsr(name);
    const stranger = issueLeaf(publicKeyOf(rsaKeyPem()), [hostOf(name)]);

    const error = await certificates.mergeCertificate(name, [stranger]).catch((e: { statusCode?: number; code?: string; message: string }) => e);
    expect(error).toMatchObject({ statusCode: 400, code: 'BadParameter' });
    expect((error as Error).message).toMatch(/public key.*does not match/i);
    expect(kv.pendingOperation(name)?.status).toBe('inProgress');
    expect((await pendingCsr(name)).equals(csrBefore)).toBe(true);
    expect(kv.certificateVersions(name)).toHaveLength(0);
  });

  it('answers 409 to a create while a CSR is pending and keeps serving the same CSR', async () => {
    const name = randomName();
    await beginPending(name);
    const csrBefore = await pendingCsr(name);
    // The documented body: status 409 with code "Forbidden" (docs create-certificate-scenarios.md L241-246).
    await expect(beginPending(name)).rejects.toMatchObject({
      statusCode: 409,
      code: 'Forbidden',
      message: "A new key vault certificate can not be created or imported while a pending key vault certificate's status is inProgress.",
    });
    expect((await pendingCsr(name)).equals(csrBefore)).toBe(true);
  });

  it('refuses non-RSA key types with a clear 400', async () => {
    const name = randomName();
    const error = await certificates
      .beginCreateCertificate(name, { issuerName: 'Unknown', subject: `CN=${hostOf(name)}`, keyType: 'EC', keyCurveName: 'P-256' })
      .catch((e: { statusCode?: number; message: string }) => e);
    expect(error).toMatchObject({ statusCode: 400 });
    expect((error as Error).message).toMatch(/only does RSA/);
    expect(kv.certificateNames()).not.toContain(name);
  });

  it('keeps one version per create→merge cycle; the latest is the last merged, also for the gateway read', async () => {
    const name = randomName();
    const first = await issueThroughVault(name, { round: '1' });
    const second = await issueThroughVault(name, { round: '2' });

    const listed = [];
    for await (const p of certificates.listPropertiesOfCertificateVersions(name)) listed.push(p);
    expect(listed).toHaveLength(2);
    const ours = kv.certificateVersions(name);
    expect(listed.map((p) => p.version).sort()).toEqual(ours.map((v) => v.version).sort());

    const latest = await certificates.getCertificate(name);
    expect(latest.properties.version).toBe(ours[1]?.version);
    expect(Buffer.from(latest.cer ?? new Uint8Array()).equals(second)).toBe(true);
    expect(latest.properties.tags).toEqual({ round: '2' });
    const older = await certificates.getCertificateVersion(name, ours[0]?.version ?? '');
    expect(Buffer.from(older.cer ?? new Uint8Array()).equals(first)).toBe(true);

    const gatewayView = kv.latestCertificateWithKey(name);
    expect(gatewayView?.version).toBe(ours[1]?.version);
    expect(gatewayView?.chainPem).toEqual([pemOf(second), pemOf(issuerDer())]);
    expect(keyMatches(second, gatewayView?.keyPem ?? '')).toBe(true);
    expect(kv.privateKeyPems()).toContain(gatewayView?.keyPem);
  });

  it('imports a password-protected PFX and a PEM bundle, and rejects a key that does not match', async () => {
    const caCert = forge.pki.certificateFromPem(issuer.certPem);

    const pfxName = randomName();
    const pfxKeyPem = rsaKeyPem();
    const pfxLeaf = issueLeaf(publicKeyOf(pfxKeyPem), [hostOf(pfxName)]);
    const leafForge = forge.pki.certificateFromAsn1(forge.asn1.fromDer(pfxLeaf.toString('binary')));
    const pfxAsn1 = forge.pkcs12.toPkcs12Asn1(forge.pki.privateKeyFromPem(pfxKeyPem), [leafForge, caCert], 'pa55word', { algorithm: '3des' });
    const pfx = Buffer.from(forge.asn1.toDer(pfxAsn1).getBytes(), 'binary');

    await expect(certificates.importCertificate(pfxName, pfx, { password: 'wrong' })).rejects.toMatchObject({ statusCode: 400 });
    const imported = await certificates.importCertificate(pfxName, pfx, { password: 'pa55word', tags: { source: 'pfx' } });
    expect(imported.properties.x509ThumbprintString).toBe(createHash('sha1').update(pfxLeaf).digest('hex'));
    expect(imported.properties.tags).toEqual({ source: 'pfx' });
    const pfxSecret = pfxKeyAndCerts((await secrets.getSecret(pfxName)).value ?? '');
    expect(keyMatches(pfxLeaf, pfxSecret.keyPem)).toBe(true);

    const pemName = randomName();
    const pemKey = rsaKeyPem();
    const pemLeaf = issueLeaf(publicKeyOf(pemKey), [hostOf(pemName)]);
    const bundle = pemKey + pemOf(pemLeaf) + issuer.certPem;
    await certificates.importCertificate(pemName, Buffer.from(bundle), { policy: { contentType: 'application/x-pem-file' } });
    const pemSecret = await secrets.getSecret(pemName);
    expect(pemSecret.properties.contentType).toBe('application/x-pem-file');
    expect(pemSecret.value).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(keyMatches(pemLeaf, pemSecret.value ?? '')).toBe(true);
    expect(kv.latestCertificateWithKey(pemName)?.chainPem).toHaveLength(2);

    const mismatched = rsaKeyPem() + pemOf(pemLeaf);
    const error = await certificates
      .importCertificate(randomName(), Buffer.from(mismatched), { policy: { contentType: 'application/x-pem-file' } })
      .catch((e: { statusCode?: number; message: string }) => e);
    expect(error).toMatchObject({ statusCode: 400, code: 'BadParameter' });
    expect((error as Error).message).toMatch(/private key does not match/);
    await expect(
      certificates.importCertificate(randomName(), Buffer.from(pemOf(pemLeaf)), { policy: { contentType: 'application/x-pem-file' } }),
    ).rejects.toMatchObject({ statusCode: 400 });
  });

  it('sets and reads secret versions, and keeps certificate names out of the secret namespace', async () => {
    const name = randomName();
    const v1 = await secrets.setSecret(name, 'one', { contentType: 'text/plain', tags: { k: 'v' } });
    const v2 = await secrets.setSecret(name, 'two');
    expect((await secrets.getSecret(name)).value).toBe('two');
    expect((await secrets.getSecret(name, { version: v1.properties.version ?? '' })).value).toBe('one');
    expect((await secrets.getSecret(name, { version: v1.properties.version ?? '' })).properties).toMatchObject({ contentType: 'text/plain', tags: { k: 'v' } });
    expect(v2.properties.version).not.toBe(v1.properties.version);
    await expect(secrets.getSecret(randomName())).rejects.toMatchObject({ statusCode: 404, code: 'SecretNotFound' });

    const certName = randomName();
    await beginPending(certName);
    await expect(secrets.setSecret(certName, 'x')).rejects.toMatchObject({ statusCode: 409 });
  });

  it('pages certificate lists through nextLink', async () => {
    const small = await startKeyVaultEmulator({ ca: loadCa(), pageSize: 2 });
    try {
      const client = new CertificateClient(small.url, credential, clientOptions);
      const names = Array.from({ length: 5 }, randomName);
      for (const name of names) {
        const poller = await client.beginCreateCertificate(name, { issuerName: 'Self', subject: `CN=${hostOf(name)}` }, { intervalInMs: 20 });
        await poller.pollUntilDone();
      }
      const pages: string[][] = [];
      for await (const page of client.listPropertiesOfCertificates().byPage()) pages.push(page.map((p) => p.name ?? ''));
      expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
      expect(pages.flat().sort()).toEqual([...names].sort());
      expect(small.requests.filter((r) => r.method === 'GET' && r.path === '/certificates' && r.status === 200)).toHaveLength(3);
    } finally {
      await small.stop();
    }
  });

  it('answers injected 429s with Retry-After, which the SDK honours before succeeding', async () => {
    const name = randomName();
    await issueThroughVault(name);
    const path = `/certificates/${name}/`;
    kv.injectFaults({ status: 429, count: 2, retryAfterSeconds: 1, match: (method, p) => method === 'GET' && p === path });

    const started = Date.now();
    const cert = await certificates.getCertificate(name);
    expect(cert.properties.enabled).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    const statuses = kv.requests.filter((r) => r.path === path).map((r) => r.status);
    expect(statuses.slice(-3)).toEqual([429, 429, 200]);
  });
});
