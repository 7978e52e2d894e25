/**
 * Certificate operations in the Key Vault emulator, driven by the real CertificateClient and
 * SecretClient: Self issuance through the SDK pollers, cancellation, deleting an operation, the
 * shared certificate/secret name space, versions, policy, and the routes it does not model.
 */
import type { CertificatePolicy } from '@azure/keyvault-certificates';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureOf, fastPolling, randomName, sleep, startVault, type VaultUnderTest } from './fixtures/keyVault';

function policy(issuerName: 'Self' | 'Unknown', name: string): CertificatePolicy {
  return { issuerName, subject: `CN=${name}.example.test` };
}

let vault: VaultUnderTest;
beforeAll(async () => {
  // A Self issuance long enough to look at while it runs.
  vault = await startVault({ selfIssuanceDelayMs: 1000 });
});
afterAll(async () => {
  await vault?.kv.stop();
});

describe('certificate operations', () => {
  it('keeps a Self create inProgress behind a disabled placeholder until the issuance lands, as the SDK poller sees it', async () => {
    const { certificates, secrets } = vault;
    const name = randomName();
    const poller = await certificates.beginCreateCertificate(name, policy('Self', name), fastPolling);
    const operationPoller = await certificates.getCertificateOperation(name, fastPolling);
    const operation = operationPoller.getOperationState().certificateOperation;
    expect(operation).toMatchObject({ status: 'inProgress', cancellationRequested: false, issuerName: 'Self' });
    expect(operation?.statusDetails).toMatch(/^Pending certificate created\. Certificate request is in progress\./);

    const placeholder = await certificates.getCertificate(name);
    expect(placeholder.properties.enabled).toBe(false);
    expect(placeholder.cer).toBeUndefined();
    expect(await failureOf(secrets.getSecret(name))).toMatchObject({ statusCode: 404 });
    // Only the Unknown issuer takes a merge (docs create-certificate-scenarios.md L265-279).
    expect(await failureOf(certificates.mergeCertificate(name, [new Uint8Array([0x30])]))).toMatchObject({
      statusCode: 403,
      message: 'Merge is forbidden on pending object created with issuer : Self while it is in progess.',
    });
    expect(await failureOf(certificates.importCertificate(name, new Uint8Array([0x30])))).toMatchObject({ statusCode: 409, code: 'Forbidden' });

    const done = await poller.pollUntilDone();
    expect(done.properties.enabled).toBe(true);
    expect(done.cer?.length).toBeGreaterThan(0);
    expect(done.properties.version).not.toBe(placeholder.properties.version);
    expect(poller.getOperationState().isCompleted).toBe(true);
    await operationPoller.pollUntilDone();
    expect(operationPoller.getOperationState().certificateOperation).toMatchObject({ status: 'completed', target: `${vault.kv.url}/certificates/${name}` });
    expect((await secrets.getSecret(name)).properties.version).toBe(done.properties.version);
  });

  it('answers a cancellation with cancellation_requested and the status still inProgress; the issuance still lands', async () => {
    const { certificates } = vault;
    const name = randomName();
    await certificates.beginCreateCertificate(name, policy('Self', name));
    const cancelling = await certificates.getCertificateOperation(name, fastPolling);
    await cancelling.cancelOperation();
    expect(cancelling.getOperationState().certificateOperation).toMatchObject({ status: 'inProgress', cancellationRequested: true });

    // The SDK's poller stops at the cancel; a fresh one waits for the service.
    const poller = await certificates.getCertificateOperation(name, fastPolling);
    const done = await poller.pollUntilDone();
    expect(done.properties.enabled).toBe(true);
    expect(poller.getOperationState().certificateOperation).toMatchObject({ status: 'completed', cancellationRequested: true });
    // Too late now: Azure/azure-sdk-for-js#25758.
    const late = await failureOf(certificates.getCertificateOperation(name).then((p) => p.cancelOperation()));
    expect(late).toMatchObject({ statusCode: 403, code: 'Forbidden', message: 'Pending status must be in progress to allow update.' });
  });

  it('never turns a cancelled Unknown request into "cancelled": it waits for a merge or a delete', async () => {
    const { certificates } = vault;
    const name = randomName();
    await certificates.beginCreateCertificate(name, policy('Unknown', name));
    await (await certificates.getCertificateOperation(name)).cancelOperation();
    await sleep(300);
    const operation = (await certificates.getCertificateOperation(name)).getOperationState().certificateOperation;
    expect(operation).toMatchObject({ status: 'inProgress', cancellationRequested: true });
  });

  it('keeps the disabled placeholder after the operation is deleted, and frees the name for a new create', async () => {
    const { certificates } = vault;
    const name = randomName();
    await certificates.beginCreateCertificate(name, policy('Unknown', name));
    const placeholder = await certificates.getCertificate(name);

    await certificates.deleteCertificateOperation(name);
    expect(await failureOf(certificates.getCertificateOperation(name))).toMatchObject({
      statusCode: 404,
      code: 'PendingCertificateNotFound',
      message: `Pending certificate not found: ${name}`,
    });
    const after = await certificates.getCertificate(name);
    expect(after.properties).toMatchObject({ version: placeholder.properties.version, enabled: false });
    expect(after.cer).toBeUndefined();

    const listed = async (includePending: boolean) => {
      const names = [];
      for await (const p of certificates.listPropertiesOfCertificates({ includePending })) names.push(p.name);
      return names;
    };
    expect(await listed(false)).not.toContain(name);
    expect(await listed(true)).toContain(name);

    await certificates.beginCreateCertificate(name, policy('Unknown', name));
    expect((await certificates.getCertificate(name)).properties.version).not.toBe(placeholder.properties.version);
    await (await certificates.beginDeleteCertificate(name, fastPolling)).pollUntilDone();
  });

  it('lets a Self issuance land even after its operation was deleted ("may or may not cancel")', async () => {
    const { certificates } = vault;
    const name = randomName();
    await certificates.beginCreateCertificate(name, policy('Self', name));
    await certificates.deleteCertificateOperation(name);
    expect((await certificates.getCertificate(name)).properties.enabled).toBe(false);
    await sleep(1100);
    const landed = await certificates.getCertificate(name);
    expect(landed.properties.enabled).toBe(true);
    expect(landed.cer?.length).toBeGreaterThan(0);
  });
});

describe('names, versions and policy', () => {
  it('refuses a certificate create or import onto a plain secret name with 409 Conflict (docs certificates/faq.yml)', async () => {
    const { certificates, secrets } = vault;
    const name = randomName();
    await secrets.setSecret(name, 'plain');
    const created = await failureOf(certificates.beginCreateCertificate(name, policy('Unknown', name)));
    expect(created).toMatchObject({ statusCode: 409, code: 'Conflict' });
    expect(created.details?.error?.innerError).toBeUndefined();
    expect(await failureOf(certificates.importCertificate(name, new Uint8Array([0x30])))).toMatchObject({ statusCode: 409, code: 'Conflict' });
    expect((await secrets.getSecret(name)).value).toBe('plain');
  });

  it('lists no versions, rather than 404, for a name the vault does not know', async () => {
    const found = [];
    for await (const page of vault.certificates.listPropertiesOfCertificateVersions(randomName()).byPage()) found.push(...page);
    expect(found).toEqual([]);
  });

  it('serves /policy for GET and PATCH instead of reading it as a version', async () => {
    const { certificates } = vault;
    const name = randomName();
    await (await certificates.beginCreateCertificate(name, policy('Self', name), fastPolling)).pollUntilDone();
    expect(await certificates.getCertificatePolicy(name)).toMatchObject({ issuerName: 'Self', subject: `CN=${name}.example.test` });
    // The 4.10.3 SDK returns an empty policy from updateCertificatePolicy (it never reads the body): read it back.
    await certificates.updateCertificatePolicy(name, { issuerName: 'Self', subject: `CN=other.${name}.example.test` });
    expect((await certificates.getCertificatePolicy(name)).subject).toBe(`CN=other.${name}.example.test`);
    expect((await certificates.getCertificate(name)).policy?.subject).toBe(`CN=other.${name}.example.test`);
    expect(await failureOf(certificates.getCertificatePolicy(randomName()))).toMatchObject({ statusCode: 404, code: 'CertificateNotFound' });
  });

  it("lists a secret's versions without values, and a certificate's managed secret versions", async () => {
    const { certificates, secrets } = vault;
    const name = randomName();
    const one = await secrets.setSecret(name, 'one');
    const two = await secrets.setSecret(name, 'two');
    const versions = [];
    for await (const p of secrets.listPropertiesOfSecretVersions(name)) versions.push(p);
    expect(versions.map((p) => p.version).sort()).toEqual([one.properties.version, two.properties.version].sort());
    expect(versions.every((p) => !('value' in p))).toBe(true);

    const unknown = [];
    for await (const p of secrets.listPropertiesOfSecretVersions(randomName())) unknown.push(p);
    expect(unknown).toEqual([]);

    const certName = randomName();
    const cert = await (await certificates.beginCreateCertificate(certName, policy('Self', certName), fastPolling)).pollUntilDone();
    const managed = [];
    for await (const p of secrets.listPropertiesOfSecretVersions(certName)) managed.push(p);
    expect(managed).toHaveLength(1);
    expect(managed[0]).toMatchObject({ version: cert.properties.version, managed: true, contentType: 'application/x-pkcs12' });
  });

  it('answers 400, never a 404 that reads as "not found", for what it does not model', async () => {
    const { certificates } = vault;
    for (const call of [() => certificates.getIssuer('some-issuer'), () => certificates.getContacts(), () => certificates.backupCertificate(randomName())]) {
      expect(await failureOf(call())).toMatchObject({ statusCode: 400, code: 'BadParameter' });
    }
  });
});
