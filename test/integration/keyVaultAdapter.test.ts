/**
 * The Key Vault adapter (lib/adapters/keyVault.ts, certificateInventory.ts) against the Key Vault
 * emulator: the CSR a pending operation holds, the merge of a signed chain, version reads and the
 * inventory renewal works from. The test CA stands in for the ACME CA that signs the vault's CSR.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKeyVaultEmulator, KeyVaultEmulator } from '../../devstack/keyvault/emulator';
import { fakeCredential } from '../../devstack/stack/localStack';
import { freePort } from '../../devstack/stack/processes';
import { randomHostname } from '../../devstack/stack/appOnStack';
import { loadCa, PemPair } from '../../devstack/tls/testCa';
import { MANAGED_BY, Tags, createCsr, mergeChain, readEnabledVersion } from '../../lib/adapters/keyVault';
import { listManagedCertificates } from '../../lib/adapters/certificateInventory';
import { certificateClient, secretClient, setClientOverrides } from '../../lib/clients';
import { checkCertificateName } from '../../lib/adapters/keyVaultNames';
import { AppConfig, parseConfig } from '../../lib/config';
import { readCsrNames } from '../../lib/csr';
import { keyVaultCertificateName } from '../../lib/naming';
import { hostname } from '../fixtures/hostnames';
import { expectOk } from '../fixtures/outcomes';

let kv: KeyVaultEmulator;
let config: AppConfig;
/** The run's test CA, standing in for the ACME CA. */
let testCa: PemPair;
/** An ACME directory nobody answers: the inventory then falls back to its lifetime rule (no ARI window). */
let silentDirectory: string;

beforeAll(async () => {
  testCa = loadCa();
  kv = await startKeyVaultEmulator({ ca: testCa });
  silentDirectory = `https://127.0.0.1:${await freePort()}/dir`;
  // Only Key Vault is real here; the other required settings are placeholders this adapter never uses.
  config = parseConfig({
    KeyVaultBaseUrl: kv.url,
    AcmeEndpoint: silentDirectory,
    AcmeAccountEmail: 'platform-team@appgw-robot.test',
    SubscriptionId: '00000000-0000-0000-0000-000000000000',
    ApplicationGatewayResourceGroup: 'rg-unused',
    ApplicationGatewayName: 'appgw-unused',
    ApplicationGatewayBackendName: 'backend',
    ApplicationGatewayHttpSettingsName: 'http-settings',
    BlobContainerUrl: 'http://127.0.0.1:1/unused',
  });
  setClientOverrides({ credential: fakeCredential });
});

afterAll(async () => {
  setClientOverrides({});
  await kv?.stop();
});

// --- helpers -----------------------------------------------------------------------------------

/** A hostname and its certificate name, new for each test. */
function fresh(prefix: string) {
  const host = hostname(randomHostname(prefix));
  return { host, name: keyVaultCertificateName(host) };
}

/** The tags the createKeyVaultCsr activity puts on a certificate. */
function tagsFor(host: string): Record<string, string> {
  return { [Tags.ManagedBy]: MANAGED_BY, [Tags.Hostnames]: host, [Tags.AcmeDirectory]: silentDirectory };
}

function csrDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----(BEGIN|END) CERTIFICATE REQUEST-----|\s/g, ''), 'base64');
}

/** What the CA does with the vault's CSR: a leaf over the CSR's public key for `host`, chained to the test CA. */
function signCsr(csrPem: string, host: string): { leaf: X509Certificate; chainPem: string } {
  const csr = forge.pki.certificationRequestFromPem(csrPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = csr.publicKey as forge.pki.PublicKey;
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 90 * 86_400_000);
  cert.setSubject([{ name: 'commonName', value: host }]);
  cert.setIssuer(forge.pki.certificateFromPem(testCa.certPem).subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 2, value: host }] },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(testCa.keyPem), forge.md.sha256.create());
  const pem = forge.pki.certificateToPem(cert);
  return { leaf: new X509Certificate(pem), chainPem: `${pem}${testCa.certPem}` };
}

function thumbprintOf(cert: X509Certificate): string {
  return cert.fingerprint.replace(/:/g, '');
}

function requestsTo(method: string, path: string): number {
  return kv.requests.filter((r) => r.method === method && r.path === path && r.status < 400).length;
}

/** create → sign → merge, as an issuance does; returns the merged version and the leaf. */
async function issueThroughVault(prefix: string) {
  const { host, name } = fresh(prefix);
  const { leaf, chainPem } = signCsr(await createCsr(config, name, host, tagsFor(host)), host);
  return { host, name, leaf, chainPem, merged: await mergeChain(config, name, chainPem) };
}

// --- tests -------------------------------------------------------------------------------------

describe('createCsr', () => {
  it('leaves a pending operation whose CSR names exactly the hostname', async () => {
    const { host, name } = fresh('csr');
    const pem = await createCsr(config, name, host, tagsFor(host));

    expect(readCsrNames(csrDer(pem))).toEqual({ commonName: host, dnsNames: [host] });
    const pending = kv.pendingOperation(name);
    expect(pending?.status).toBe('inProgress');
    expect(pending?.csrDer.equals(csrDer(pem))).toBe(true);
  });

  it('reuses the pending CSR when called again for the same hostname', async () => {
    const { host, name } = fresh('reuse');
    const first = await createCsr(config, name, host, tagsFor(host));
    const second = await createCsr(config, name, host, tagsFor(host));

    expect(second).toBe(first);
    expect(requestsTo('POST', `/certificates/${name}/create`)).toBe(1);
  });

  it('cancels a pending operation for another hostname and returns a CSR for the new one', async () => {
    const { host: oldHost, name } = fresh('stale');
    const newHost = hostname(randomHostname('renamed'));
    const stale = await createCsr(config, name, oldHost, tagsFor(oldHost));
    const current = await createCsr(config, name, newHost, tagsFor(newHost));

    expect(readCsrNames(csrDer(current)).dnsNames).toEqual([newHost]);
    expect(current).not.toBe(stale);
    expect(requestsTo('DELETE', `/certificates/${name}/pending`)).toBe(1);
    expect(kv.pendingOperation(name)?.csrDer.equals(csrDer(current))).toBe(true);
  });
});

describe('mergeChain', () => {
  it('merges a chain signed over the CSR key into a version with the leaf thumbprint, and returns that version again after success', async () => {
    const { name, leaf, chainPem, merged } = await issueThroughVault('merge');

    expect(merged).toEqual({
      version: expect.stringMatching(/^[0-9a-f]+$/),
      thumbprint: thumbprintOf(leaf),
      expiresOn: new Date(leaf.validTo).toISOString(),
      secretId: `${config.keyVault.baseUrl}/secrets/${name}`,
    });
    // The host died after the merge but before recording it: the replay finds the same version.
    expect(await mergeChain(config, name, chainPem)).toEqual(merged);
    expect(kv.certificateVersions(name).map((v) => v.version)).toEqual([merged.version]);
  });
});

describe('readEnabledVersion', () => {
  it('answers a merged version, and ImportedCertificateNotFound for a version the vault does not have', async () => {
    const { name, merged } = await issueThroughVault('version');

    expect(expectOk(await readEnabledVersion(config, name, merged.version)).thumbprint).toBe(merged.thumbprint);
    const unknown = randomBytes(16).toString('hex');
    expect(await readEnabledVersion(config, name, unknown)).toEqual({
      ok: false,
      code: 'ImportedCertificateNotFound',
      message: expect.stringContaining(unknown),
    });
  });
});

describe('listManagedCertificates', () => {
  it('lists a merged certificate with its hostnames from the tag, source acme, and a renewal date before notAfter', async () => {
    const { host, name, leaf, merged } = await issueThroughVault('listed');

    const listed = (await listManagedCertificates(config, new Date())).find((c) => c.certificateName === name);
    expect(listed).toMatchObject({
      hostnames: [host],
      source: 'acme',
      acmeDirectory: silentDirectory,
      version: merged.version,
      thumbprint: thumbprintOf(leaf),
      due: false,
    });
    expect(listed).not.toHaveProperty('problem');
    expect(new Date(listed!.notAfter).getTime()).toBe(new Date(leaf.validTo).getTime());
    expect(new Date(listed!.renewAfter).getTime()).toBeLessThan(new Date(listed!.notAfter).getTime());
    expect(new Date(listed!.renewAfter).getTime()).toBeGreaterThan(new Date(listed!.notBefore).getTime());
  });

  it('reports a certificate whose hostnames tag was hand-edited to garbage with a problem instead of dropping it', async () => {
    const { host, name, merged } = await issueThroughVault('edited');
    await certificateClient(config).updateCertificateProperties(name, merged.version, { tags: { ...tagsFor(host), [Tags.Hostnames]: 'not a hostname!,' } });

    const listed = (await listManagedCertificates(config, new Date())).find((c) => c.certificateName === name);
    expect(listed).toMatchObject({ hostnames: [], version: merged.version, problem: expect.stringMatching(/"hostnames" tag of .* invalid hostname/) });
  });

  it('keeps a certificate whose renewal stopped after the CSR: its last complete version, flagged pendingOperation, still due when due', async () => {
    const { host, name, merged } = await issueThroughVault('pending');
    // A renewal made a new CSR and then failed (say, at CA validation): the latest version is a placeholder.
    await createCsr(config, name, host, tagsFor(host));
    const fiveYearsOn = new Date(Date.now() + 5 * 365 * 86_400_000);
    const listed = (await listManagedCertificates(config, fiveYearsOn)).find((c) => c.certificateName === name);
    expect(listed).toMatchObject({ hostnames: [host], version: merged.version, pendingOperation: true, due: true });
    expect(listed?.problem).toBeUndefined();
    const forced = (await listManagedCertificates(config, new Date(), { forceAll: true, hostnames: [host] })).map((c) => c.certificateName);
    expect(forced).toEqual([name]);
  });

  it('lists a certificate that never got a version with a problem, not silently', async () => {
    const { host, name } = fresh('never');
    await createCsr(config, name, host, tagsFor(host));
    const listed = (await listManagedCertificates(config, new Date())).find((c) => c.certificateName === name);
    expect(listed).toMatchObject({ pendingOperation: true, due: false, problem: expect.stringMatching(/no issued version/) });
  });

  it('finds a hand-edited certificate when asked for its hostname', async () => {
    const { host, name, merged } = await issueThroughVault('edited2');
    await certificateClient(config).updateCertificateProperties(name, merged.version, { tags: { ...tagsFor(host), [Tags.Hostnames]: 'garbage' } });
    const listed = await listManagedCertificates(config, new Date(), { hostnames: [host] });
    expect(listed.map((c) => c.certificateName)).toEqual([name]);
    expect(listed[0]?.problem).toMatch(/invalid hostname/);
  });
});

describe('checkCertificateName', () => {
  it('refuses a name a soft-deleted plain secret holds, before any CA work', async () => {
    const { host, name } = fresh('delsecret');
    await secretClient(config).setSecret(name, 'somebody else');
    await (await secretClient(config).beginDeleteSecret(name)).pollUntilDone();
    expect(await checkCertificateName(config, name, host)).toMatchObject({
      ok: false,
      code: 'KeyVaultNameTaken',
      message: expect.stringMatching(/a deleted secret that soft-delete keeps/),
    });
  });

  it('finds a name nobody holds free', async () => {
    const { host, name } = fresh('free');
    expect(await checkCertificateName(config, name, host)).toEqual({ ok: true, state: 'free' });
  });
});
