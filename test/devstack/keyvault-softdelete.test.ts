/**
 * Soft delete in the Key Vault emulator, driven by the real CertificateClient and SecretClient:
 * names held by deleted objects, the 409 bodies the service answers, purge under and without
 * purge protection, recover, and the background steps the SDK pollers wait through.
 */
import type { CertificatePolicy } from '@azure/keyvault-certificates';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, failureOf, fastPolling, randomName, startVault, type VaultUnderTest } from './fixtures/keyVault';

const DAY_MS = 86_400_000;

function selfPolicy(name: string): CertificatePolicy {
  return { issuerName: 'Self', subject: `CN=${name}.example.test` };
}

function unknownPolicy(name: string): CertificatePolicy {
  return { issuerName: 'Unknown', subject: `CN=${name}.example.test` };
}

async function selfSigned(vault: VaultUnderTest, name: string) {
  return (await vault.certificates.beginCreateCertificate(name, selfPolicy(name), fastPolling)).pollUntilDone();
}

describe('soft delete with purge protection (the default, as infra/ deploys the vault)', () => {
  let vault: VaultUnderTest;
  // Long background steps, so each window is wide enough to probe reliably.
  beforeAll(async () => {
    vault = await startVault({ softDeleteDelayMs: 1500 });
  });
  afterAll(async () => {
    await vault?.kv.stop();
  });

  it('keeps a deleted certificate name: 409 ObjectIsDeletedButRecoverable until recovered, then usable again', async () => {
    const { certificates, secrets, kv } = vault;
    const name = randomName();
    const created = await selfSigned(vault, name);

    const poller = await certificates.beginDeleteCertificate(name, fastPolling);
    expect(poller.getResult()?.recoveryId).toBe(`${kv.url}/deletedcertificates/${name}`);
    // The deletion runs in the background: not found either way, and the name is not free.
    expect(await failureOf(certificates.getDeletedCertificate(name))).toMatchObject({
      statusCode: 404,
      code: 'CertificateNotFound',
      message: `Deleted Certificate not found: ${name}`,
    });
    expect(await failureOf(certificates.getCertificate(name))).toMatchObject({ statusCode: 404, code: 'CertificateNotFound' });
    const whileDeleting = await failureOf(certificates.beginCreateCertificate(name, unknownPolicy(name)));
    expect(whileDeleting).toMatchObject({
      statusCode: 409,
      code: 'Conflict',
      message: `Certificate ${name} is currently being deleted and cannot be re-created; retry later.`,
    });
    expect(whileDeleting.details?.error?.innerError?.code).toBe('ObjectIsBeingDeleted');
    expect(await failureOf(certificates.purgeDeletedCertificate(name))).toMatchObject({ statusCode: 409, message: 'Certificate is currently being deleted.' });

    const deleted = await poller.pollUntilDone();
    expect(deleted.properties.version).toBe(created.properties.version);
    expect(deleted.properties).toMatchObject({ recoveryLevel: 'Recoverable', recoverableDays: 90 });
    expect((deleted.scheduledPurgeDate?.getTime() ?? 0) - (deleted.deletedOn?.getTime() ?? 0)).toBe(90 * DAY_MS);
    expect((await certificates.getDeletedCertificate(name)).recoveryId).toBe(`${kv.url}/deletedcertificates/${name}`);
    const listed = [];
    for await (const d of certificates.listDeletedCertificates()) listed.push(d.properties.name);
    expect(listed).toContain(name);
    // The certificate's secret went with it.
    expect(await failureOf(secrets.getSecret(name))).toMatchObject({ statusCode: 404, code: 'SecretNotFound' });

    const reuses = [() => certificates.beginCreateCertificate(name, unknownPolicy(name)), () => certificates.importCertificate(name, new Uint8Array([0x30]))];
    for (const reuse of reuses) {
      const conflict = await failureOf(reuse());
      expect(conflict).toMatchObject({
        statusCode: 409,
        code: 'Conflict',
        message: `Certificate ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the certificate can only be recovered or purged.`,
      });
      expect(conflict.details?.error?.innerError?.code).toBe('ObjectIsDeletedButRecoverable');
    }
    expect(await failureOf(secrets.setSecret(name, 'x'))).toMatchObject({
      statusCode: 409,
      code: 'Conflict',
      details: { error: { innerError: { code: 'ObjectIsDeletedButRecoverable' } } },
    });
    expect(await failureOf(certificates.purgeDeletedCertificate(name))).toMatchObject({
      statusCode: 403,
      code: 'Forbidden',
      message: expect.stringMatching(/^Operation "purge" is not allowed because purge protection is enabled for this vault\./),
    });

    const recovered = await (await certificates.beginRecoverDeletedCertificate(name, fastPolling)).pollUntilDone();
    expect(recovered.properties.version).toBe(created.properties.version);
    // Readable again, but the service still refuses a re-create for a while.
    const recovering = await failureOf(certificates.beginCreateCertificate(name, unknownPolicy(name)));
    expect(recovering).toMatchObject({
      statusCode: 409,
      code: 'Conflict',
      message: `Certificate ${name} is currently being recovered and cannot be re-created; retry later.`,
    });
    expect(recovering.details?.error?.innerError?.code).toBe('ObjectIsBeingRecovered');
    expect((await secrets.getSecret(name)).properties.version).toBe(created.properties.version);

    await eventually(() => certificates.beginCreateCertificate(name, unknownPolicy(name)));
    expect((await certificates.getCertificateOperation(name)).getOperationState().certificateOperation?.status).toBe('inProgress');
  });

  it('refuses to purge a deleted secret, answers the real 409 body on set, and recovers it with its versions', async () => {
    const { certificates, secrets } = vault;
    const name = randomName();
    const first = await secrets.setSecret(name, 'one');
    await secrets.setSecret(name, 'two');

    const deleted = await (await secrets.beginDeleteSecret(name, fastPolling)).pollUntilDone();
    expect(deleted.properties).toMatchObject({ recoveryLevel: 'Recoverable', recoverableDays: 90 });
    expect(deleted.value).toBeUndefined();
    expect((await secrets.getDeletedSecret(name)).value).toBeUndefined();
    const listed = [];
    for await (const d of secrets.listDeletedSecrets()) listed.push(d.name);
    expect(listed).toContain(name);

    const setAgain = await failureOf(secrets.setSecret(name, 'three'));
    // The body seen in real output (az CLI in Azure/azure-rest-api-specs#9222).
    expect(setAgain).toMatchObject({
      statusCode: 409,
      code: 'Conflict',
      message: `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
    });
    expect(setAgain.details?.error?.innerError?.code).toBe('ObjectIsDeletedButRecoverable');
    // A certificate would need that name for its secret.
    expect(await failureOf(certificates.beginCreateCertificate(name, unknownPolicy(name)))).toMatchObject({
      statusCode: 409,
      message: expect.stringMatching(new RegExp(`^Secret ${name} is currently in a deleted`)),
    });
    expect(await failureOf(secrets.purgeDeletedSecret(name))).toMatchObject({ statusCode: 403, code: 'Forbidden' });

    await (await secrets.beginRecoverDeletedSecret(name, fastPolling)).pollUntilDone();
    expect((await secrets.getSecret(name)).value).toBe('two');
    expect((await secrets.getSecret(name, { version: first.properties.version ?? '' })).value).toBe('one');
  });

  it('treats names case-insensitively, also when deleted', async () => {
    const { certificates } = vault;
    const name = randomName('Case');
    await certificates.beginCreateCertificate(name, unknownPolicy(name));
    await (await certificates.beginDeleteCertificate(name, fastPolling)).pollUntilDone();
    const conflict = await failureOf(certificates.beginCreateCertificate(name.toLowerCase(), unknownPolicy(name)));
    expect(conflict).toMatchObject({ statusCode: 409, details: { error: { innerError: { code: 'ObjectIsDeletedButRecoverable' } } } });
  });

  it("keeps a certificate's managed secret read-only and out of the deleted secrets", async () => {
    const { certificates, secrets } = vault;
    const name = randomName();
    await selfSigned(vault, name);
    expect(await failureOf(secrets.beginDeleteSecret(name))).toMatchObject({ statusCode: 403, code: 'Forbidden' });
    await (await certificates.beginDeleteCertificate(name, fastPolling)).pollUntilDone();
    expect(await failureOf(secrets.getDeletedSecret(name))).toMatchObject({ statusCode: 404, code: 'SecretNotFound' });
  });
});

describe('soft delete without purge protection', () => {
  let vault: VaultUnderTest;
  beforeAll(async () => {
    vault = await startVault({ purgeProtection: false, softDeleteRetentionDays: 7, softDeleteDelayMs: 1000 });
  });
  afterAll(async () => {
    await vault?.kv.stop();
  });

  it('purges with 204, after which the name stays taken for a while (ObjectIsBeingDeleted), then is free', async () => {
    const { certificates } = vault;
    const name = randomName();
    await selfSigned(vault, name);
    const deleted = await (await certificates.beginDeleteCertificate(name, fastPolling)).pollUntilDone();
    expect(deleted.properties).toMatchObject({ recoveryLevel: 'CustomizedRecoverable+Purgeable', recoverableDays: 7 });
    expect((deleted.scheduledPurgeDate?.getTime() ?? 0) - (deleted.deletedOn?.getTime() ?? 0)).toBe(7 * DAY_MS);

    await certificates.purgeDeletedCertificate(name);
    expect(await failureOf(certificates.getDeletedCertificate(name))).toMatchObject({ statusCode: 404 });
    expect(await failureOf(certificates.purgeDeletedCertificate(name))).toMatchObject({ statusCode: 404, code: 'CertificateNotFound' });
    const purging = await failureOf(certificates.beginCreateCertificate(name, unknownPolicy(name)));
    expect(purging).toMatchObject({ statusCode: 409, message: `Certificate ${name} is currently being deleted and cannot be re-created; retry later.` });
    expect(purging.details?.error?.innerError?.code).toBe('ObjectIsBeingDeleted');

    await eventually(() => certificates.beginCreateCertificate(name, unknownPolicy(name)));
  });
});

describe('soft delete on the vault clock', () => {
  it('lists a never-issued certificate only with includePending, and purges it at the scheduled purge date', async () => {
    let now = Date.now();
    const vault = await startVault({ softDeleteRetentionDays: 7, clock: () => now });
    try {
      const { certificates } = vault;
      const name = randomName();
      await certificates.beginCreateCertificate(name, unknownPolicy(name));
      await certificates.beginDeleteCertificate(name);
      expect(await failureOf(certificates.getDeletedCertificate(name))).toMatchObject({ statusCode: 404 });
      now += 250;
      expect((await certificates.getDeletedCertificate(name)).name).toBe(name);

      const names = async (includePending: boolean) => {
        const found = [];
        for await (const d of certificates.listDeletedCertificates({ includePending })) found.push(d.properties.name);
        return found;
      };
      expect(await names(false)).not.toContain(name);
      expect(await names(true)).toContain(name);

      now += 7 * 86_400_000;
      expect(await failureOf(certificates.getDeletedCertificate(name))).toMatchObject({ statusCode: 404 });
      await certificates.beginCreateCertificate(name, unknownPolicy(name));
    } finally {
      await vault.kv.stop();
    }
  });
});
