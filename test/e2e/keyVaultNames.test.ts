/**
 * Key Vault answers 409 for three reasons, and only a pending operation means "wait": a
 * soft-deleted certificate (purge protection holds its name up to 90 days) and a secret of that
 * name are found before the CA is asked anything, reported with their own codes and fixes, and
 * never retried blindly; a soft-deleted one is recovered when the setting allows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppOnStack, post, randomHostname, startAppOnStack } from '../../devstack/stack/appOnStack';
import { certificateClient, secretClient } from '../../lib/clients';
import { getConfig } from '../../lib/config';
import { keyVaultCertificateName } from '../../lib/naming';
import { issue, pkcs8Base64 } from '../fixtures/certificates';
import { hostname as asHostname } from '../fixtures/hostnames';
import { withSetting } from './appFixture';

const SINGLE = 'AddCertificateFunctions_HttpStart';
const IMPORT = 'AddCertificateWithPrivateKeyFunctions_HttpStart';

describe('Key Vault names that cannot take a new version', () => {
  let app: AppOnStack;
  beforeAll(async () => {
    app = await startAppOnStack();
  });
  afterAll(async () => {
    await app?.stop();
  });

  const nameOf = (host: string) => keyVaultCertificateName(asHostname(host));
  const scheduled = (id: string) =>
    app.harness
      .getStatus(id)
      .history.filter((e) => e.EventType === 4)
      .map((e) => String(e.Name));

  async function issueOne(host: string) {
    const response = await post(app.harness, SINGLE, { hostnames: [{ hostname: host }] });
    expect(response.status, response.body).toBe(202);
    const id = response.json().id as string;
    return { id, final: await app.harness.waitForCompletion(id, { timeoutMs: 90_000 }) };
  }

  async function issueThenDelete(prefix: string): Promise<string> {
    const host = randomHostname(prefix);
    expect((await issueOne(host)).final.runtimeStatus).toBe('Completed');
    await (await certificateClient(getConfig()).beginDeleteCertificate(nameOf(host))).pollUntilDone();
    return host;
  }

  it('fails a soft-deleted name with KeyVaultCertificateDeleted and the fix, before any ACME order', async () => {
    const host = await issueThenDelete('deleted');
    const { id, final } = await issueOne(host);
    expect(final.runtimeStatus).toBe('Failed');
    expect(final.customStatus).toMatchObject({
      status: 'Failed',
      error: 'KeyVaultCertificateDeleted',
      message: expect.stringMatching(/soft-delete holds its name until .*KeyVaultRecoverDeletedCertificates/),
    });
    expect(scheduled(id)).not.toContain('createAcmeOrder');
    expect(scheduled(id).filter((n) => n === 'checkKeyVaultName')).toHaveLength(1);
  });

  it('recovers the soft-deleted certificate and issues a new version when KeyVaultRecoverDeletedCertificates is on', async () => {
    const host = await issueThenDelete('recover');
    const restore = withSetting('KeyVaultRecoverDeletedCertificates', 'true');
    try {
      const { id, final } = await issueOne(host);
      expect(final.runtimeStatus, JSON.stringify(final.customStatus)).toBe('Completed');
      expect(scheduled(id)).toContain('recoverKeyVaultCertificate');
      expect(app.stack.keyVault.certificateVersions(nameOf(host))).toHaveLength(2);
    } finally {
      restore();
    }
  });

  it('fails a name a secret holds with KeyVaultNameTaken, before any ACME order', async () => {
    const host = randomHostname('secret');
    await secretClient(getConfig()).setSecret(nameOf(host), "somebody else's secret");
    const { id, final } = await issueOne(host);
    expect(final.customStatus).toMatchObject({ status: 'Failed', error: 'KeyVaultNameTaken', message: expect.stringMatching(/taken by a secret/) });
    expect(scheduled(id)).not.toContain('createAcmeOrder');
  });

  it("never writes into another hostname's certificate that holds the name", async () => {
    const host = randomHostname('owner');
    const other = randomHostname('other');
    const leaf = issue({ cn: other, sans: [other] });
    // A certificate under this hostname's name whose tag names another hostname (a hand-made one, or a name collision).
    await certificateClient(getConfig()).importCertificate(nameOf(host), Buffer.from(`${leaf.key.export({ type: 'pkcs8', format: 'pem' })}${leaf.pem}`), {
      tags: { 'managed-by': 'appgw-acme-robot', hostnames: other },
      policy: { contentType: 'application/x-pem-file', issuerName: 'Self', subject: `CN=${other}` },
    });
    const before = app.stack.keyVault.certificateVersions(nameOf(host)).length;
    const { id, final } = await issueOne(host);
    expect(final.customStatus).toMatchObject({ status: 'Failed', error: 'KeyVaultNameTaken', message: expect.stringContaining(other) });
    expect(scheduled(id)).not.toContain('createAcmeOrder');
    expect(app.stack.keyVault.certificateVersions(nameOf(host))).toHaveLength(before);
  });

  it("answers an import onto a soft-deleted name or a secret's name with 409 and the same codes, writing nothing", async () => {
    const deleted = await issueThenDelete('impdel');
    const leaf = issue({ cn: deleted, sans: [deleted] });
    const refusedDeleted = await post(app.harness, IMPORT, { hostnames: [{ hostname: deleted, privatekey: pkcs8Base64(leaf.key), certificate: leaf.pem }] });
    expect(refusedDeleted.status).toBe(409);
    expect(refusedDeleted.json().error).toMatchObject({ code: 'KeyVaultCertificateDeleted' });

    const taken = randomHostname('impsecret');
    await secretClient(getConfig()).setSecret(nameOf(taken), 'x');
    const leaf2 = issue({ cn: taken, sans: [taken] });
    const refusedTaken = await post(app.harness, IMPORT, { hostnames: [{ hostname: taken, privatekey: pkcs8Base64(leaf2.key), certificate: leaf2.pem }] });
    expect(refusedTaken.status).toBe(409);
    expect(refusedTaken.json().error).toMatchObject({ code: 'KeyVaultNameTaken' });
    expect(app.stack.keyVault.certificateNames()).not.toContain(nameOf(taken));
  });
});
