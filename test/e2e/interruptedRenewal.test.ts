/**
 * A renewal that fails after the Key Vault CSR exists leaves a pending operation, whose
 * placeholder is the certificate's latest version. The certificate must stay listed (with its
 * last complete version and `pendingOperation`), be renewed when forced (reusing the pending
 * operation), and be renewed when due years later — never silently dropped from renewal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppOnStack, post, randomHostname, startAppOnStack } from '../../devstack/stack/appOnStack';
import { keyVaultCertificateName } from '../../lib/naming';
import type { RenewalReport } from '../../orchestrators/contracts';
import { hostname as asHostname } from '../fixtures/hostnames';

const YEAR = 365 * 86_400_000;

describe('a renewal interrupted after the Key Vault CSR', () => {
  let app: AppOnStack;
  beforeAll(async () => {
    app = await startAppOnStack();
  });
  afterAll(async () => {
    await app?.stop();
  });

  async function renew(body: unknown): Promise<RenewalReport> {
    const response = await post(app.harness, 'RenewCertificatesFunctions_HttpStart', body);
    expect(response.status, response.body).toBe(202);
    return (await app.harness.waitForCompletion(response.json().id, { timeoutMs: 120_000 })).output as RenewalReport;
  }

  it('keeps the certificate listed and renewed: forced now, and when due years later', async () => {
    const host = randomHostname('pending');
    const name = keyVaultCertificateName(asHostname(host));
    const issued = await post(app.harness, 'AddCertificateFunctions_HttpStart', { hostnames: [{ hostname: host }] });
    expect((await app.harness.waitForCompletion(issued.json().id, { timeoutMs: 90_000 })).runtimeStatus).toBe('Completed');
    const first = app.stack.keyVault.certificateVersions(name)[0]!;

    // The merge is refused once (after the CA issued and the CSR exists): the renewal fails, the pending operation stays.
    app.stack.keyVault.injectFaults({ status: 400, count: 1, match: (method, path) => method === 'POST' && /\/pending\/merge$/.test(path) });
    const failed = await renew({ hostnames: [{ hostname: host }], force: true });
    expect(failed.failed).toEqual([expect.objectContaining({ hostname: host, error: 'KeyVaultError' })]);
    expect(app.stack.keyVault.pendingOperation(name)?.status).toBe('inProgress');

    // Listed, with its last complete version and the pending operation flagged.
    const listed = await app.harness.callHttp('ListCertificates', { method: 'GET', url: 'http://localhost:7071/api/certificates?code=k' });
    const entry = (listed.json().certificates as Array<Record<string, unknown>>).find((c) => c.keyVaultName === name);
    expect(entry).toMatchObject({ hostnames: [host], version: first.version, pendingOperation: true, listenerBound: true });

    // Forced: renewed, reusing the pending operation's key and CSR.
    const forced = await renew({ hostnames: [{ hostname: host }], force: true });
    expect(forced.renewed.map((r) => r.hostname)).toEqual([host]);
    expect(app.stack.keyVault.certificateVersions(name)).toHaveLength(2);
    expect(app.stack.keyVault.pendingOperation(name)?.status).not.toBe('inProgress');

    // Due four years later (Pebble certificates live five): renewed by the ordinary run.
    app.harness.advance(4 * YEAR);
    const due = await renew({});
    expect(due.renewed.map((r) => r.hostname)).toContain(host);
    expect(app.stack.keyVault.certificateVersions(name)).toHaveLength(3);
  }, 240_000);
});
