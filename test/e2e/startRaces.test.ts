/**
 * Starters that race: exactly one run per certificate at a time, whichever starters meet; the
 * others get 409 naming the running instance (or, when they slipped past the check, end
 * CertificateBusy before doing anything) — never a 500, never two runs writing one certificate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppOnStack, post, randomHostname, startAppOnStack } from '../../devstack/stack/appOnStack';
import { keyVaultCertificateName } from '../../lib/naming';
import { hostname as asHostname } from '../fixtures/hostnames';
import { issue, pkcs8Base64 } from '../fixtures/certificates';

const SINGLE = 'AddCertificateFunctions_HttpStart';
const MULTI = 'AddMultipleCertificatesFunctions_HttpStart';

describe('racing starters', () => {
  let app: AppOnStack;
  beforeAll(async () => {
    app = await startAppOnStack();
  });
  afterAll(async () => {
    await app?.stop();
  });

  const versions = (host: string) => app.stack.keyVault.certificateVersions(keyVaultCertificateName(asHostname(host))).length;
  const createAcmeOrders = (id: string) => app.harness.getStatus(id).history.filter((e) => e.EventType === 4 && e.Name === 'createAcmeOrder').length;

  it('two identical POSTs at the same moment: one 202, one 409 with the running instance, no 500', async () => {
    const host = randomHostname('twin');
    const body = { hostnames: [{ hostname: host }] };
    const responses = await Promise.all([post(app.harness, SINGLE, body), post(app.harness, SINGLE, body)]);
    expect(responses.map((r) => r.status).sort()).toEqual([202, 409]);
    const conflict = responses.find((r) => r.status === 409)!;
    expect(conflict.json()).toMatchObject({ error: { code: 'Conflict' }, id: expect.any(String) });
    expect(JSON.stringify(app.harness.logs)).not.toMatch(/at .*\.ts:\d+/);
    const accepted = responses.find((r) => r.status === 202)!;
    expect((await app.harness.waitForCompletion(accepted.json().id, { timeoutMs: 90_000 })).runtimeStatus).toBe('Completed');
    expect(versions(host)).toBe(1);
  });

  it('a single and a batch for the same hostname at once: one run issues it, the other is refused or stands aside', async () => {
    const host = randomHostname('both');
    const other = randomHostname('other');
    const [single, batch] = await Promise.all([
      post(app.harness, SINGLE, { hostnames: [{ hostname: host }] }),
      post(app.harness, MULTI, { hostnames: [{ hostname: host }, { hostname: other }] }),
    ]);
    for (const r of [single, batch]) expect([202, 409]).toContain(r.status);
    const finals = await Promise.all(
      [single, batch].filter((r) => r.status === 202).map((r) => app.harness.waitForCompletion(r.json().id, { timeoutMs: 120_000 })),
    );
    // Exactly one version for the hostname: never two runs writing its certificate.
    expect(versions(host)).toBe(1);
    // The other hostname is issued by the batch when it started; a batch refused at its starter starts nothing.
    expect(versions(other)).toBe(batch.status === 202 ? 1 : 0);
    // A batch that lost the race reports it by code, not InternalError.
    for (const f of finals) expect(JSON.stringify(f.customStatus)).not.toMatch(/InternalError/);
    const orders = app.harness
      .instanceIds()
      .filter((id) => id.endsWith(asHostname(host).replace(/-/g, '--').replace(/\./g, '-')))
      .map(createAcmeOrders);
    expect(orders.reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('an issuance while a renewal of that certificate runs is refused (409) or stands aside, sharing nothing', async () => {
    const host = randomHostname('renewing');
    const first = await post(app.harness, SINGLE, { hostnames: [{ hostname: host }] });
    expect((await app.harness.waitForCompletion(first.json().id, { timeoutMs: 90_000 })).runtimeStatus).toBe('Completed');
    const [renewal, issuance] = await Promise.all([
      post(app.harness, 'RenewCertificatesFunctions_HttpStart', { hostnames: [{ hostname: host }], force: true }),
      post(app.harness, SINGLE, { hostnames: [{ hostname: host }] }),
    ]);
    expect(renewal.status).toBe(202);
    expect([202, 409]).toContain(issuance.status);
    const renewed = await app.harness.waitForCompletion(renewal.json().id, { timeoutMs: 120_000 });
    const issued = issuance.status === 202 ? await app.harness.waitForCompletion(issuance.json().id, { timeoutMs: 120_000 }) : undefined;
    // Whichever ran, one more version at most, and never a Key Vault failure from a shared pending operation.
    expect(versions(host)).toBeLessThanOrEqual(2);
    expect(JSON.stringify([renewed.output, issued?.customStatus])).not.toMatch(/KeyVaultError/);
  });

  it('an issuance that starts while an import writes Key Vault stops at the claim: the import is bound, nothing is shared', async () => {
    const host = randomHostname('importing');
    const root = issue({ cn: 'Race Test Root', ca: true });
    const leaf = issue({ cn: host, sans: [host], issuer: root });
    // Key Vault holds the import back (503 with Retry-After, retried by the SDK) after the starter
    // claimed the certificate: the issuance arrives in that window, past every starter check.
    app.stack.keyVault.injectFaults({ status: 503, count: 1, retryAfterSeconds: 1, match: (method, path) => method === 'POST' && path.endsWith('/import') });
    const importing = post(app.harness, 'AddCertificateWithPrivateKeyFunctions_HttpStart', {
      hostnames: [{ hostname: host, privatekey: pkcs8Base64(leaf.key), certificate: leaf.pem + root.pem }],
    });
    const claimHeld = async () => {
      for (let i = 0; i < 200; i += 1) {
        if (app.stack.keyVault.requests.some((r) => r.status === 503 && r.path.endsWith('/import'))) return;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error('the import never reached Key Vault');
    };
    await claimHeld();
    const issuance = await post(app.harness, SINGLE, { hostnames: [{ hostname: host }] });
    const imported = await importing;
    expect(imported.status, imported.body).toBe(202);
    const importFinal = await app.harness.waitForCompletion(imported.json().id, { timeoutMs: 90_000 });
    expect(importFinal.runtimeStatus, JSON.stringify(importFinal.customStatus)).toBe('Completed');
    if (issuance.status === 202) {
      const issued = await app.harness.waitForCompletion(issuance.json().id, { timeoutMs: 90_000 });
      expect(issued.customStatus).toMatchObject({ status: 'Failed', error: 'CertificateBusy' });
      expect(createAcmeOrders(issuance.json().id)).toBe(0);
    } else {
      expect(issuance.status).toBe(409);
    }
    // One version, the imported one, and no pending operation the issuance could have left.
    const stored = app.stack.keyVault.certificateVersions(keyVaultCertificateName(asHostname(host)));
    expect(stored.map((v) => v.tags.source)).toEqual(['imported']);
    expect(app.stack.keyVault.pendingOperation(keyVaultCertificateName(asHostname(host)))).toBeUndefined();
  });
});
