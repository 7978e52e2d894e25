/**
 * The import's claim against other requests for the same certificate: two imports at once, an
 * import Key Vault refuses, and a forced renewal when the account's orders are spent (found by a
 * review that tried to break issue 14's fixes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppOnStack, post, randomHostname, startAppOnStack } from '../../devstack/stack/appOnStack';
import { keyVaultCertificateName } from '../../lib/naming';
import { hostname as asHostname } from '../fixtures/hostnames';
import { issue, pkcs8Base64 } from '../fixtures/certificates';

const IMPORT = 'AddCertificateWithPrivateKeyFunctions_HttpStart';
const SINGLE = 'AddCertificateFunctions_HttpStart';
const root = issue({ cn: 'Claims Test Root', ca: true });

describe('claims and the CA limits across starters', () => {
  let app: AppOnStack;
  beforeAll(async () => {
    app = await startAppOnStack();
  });
  afterAll(async () => {
    await app?.stop();
  });
  const versions = (host: string) => app.stack.keyVault.certificateVersions(keyVaultCertificateName(asHostname(host)));
  const importBody = (host: string) => {
    const leaf = issue({ cn: host, sans: [host], issuer: root });
    return { hostnames: [{ hostname: host, privatekey: pkcs8Base64(leaf.key), certificate: leaf.pem + root.pem }] };
  };

  it('two imports of one hostname at once: the one refused with 409 wrote nothing to Key Vault', async () => {
    const host = randomHostname('twinimport');
    // Key Vault holds the first import back for a second (as a slow vault would).
    app.stack.keyVault.injectFaults({ status: 503, count: 1, retryAfterSeconds: 1, match: (m, p) => m === 'POST' && p.endsWith('/import') });
    const first = post(app.harness, IMPORT, importBody(host));
    for (let i = 0; i < 300 && !app.stack.keyVault.requests.some((r) => r.status === 503 && r.path.endsWith('/import')); i += 1)
      await new Promise((r) => setTimeout(r, 10));
    const second = await post(app.harness, IMPORT, importBody(host));
    const firstResponse = await first;
    await app.harness.waitForIdle({ timeoutMs: 60_000 });
    // The second arrived while the first held the claim and was writing Key Vault: it must be refused, having written nothing.
    expect({ first: firstResponse.status, second: second.status, versions: versions(host).length }).toEqual({ first: 202, second: 409, versions: 1 });
  });

  it('an import refused by Key Vault can be retried at once, and an issuance right after it is not blocked', async () => {
    const host = randomHostname('kvfail');
    app.stack.keyVault.injectFaults({ status: 403, count: 1, match: (m, p) => m === 'POST' && p.endsWith('/import') });
    const failed = await post(app.harness, IMPORT, importBody(host));
    expect(failed.status, failed.body).toBe(502);
    expect(failed.body).not.toMatch(/\bat .*\.(ts|js):\d+|\/work\//);
    const issuance = await post(app.harness, SINGLE, { hostnames: [{ hostname: host }] });
    expect(issuance.status, issuance.body).toBe(202);
    const final = await app.harness.waitForCompletion(issuance.json().id, { timeoutMs: 90_000 });
    expect(final.runtimeStatus, JSON.stringify(final.customStatus)).toBe('Completed');
  });

  it('a forced renewal when the account has no new orders left is refused with 429 and the date, like issuance', async () => {
    const host = randomHostname('renew429');
    const first = await post(app.harness, SINGLE, { hostnames: [{ hostname: host }] });
    expect((await app.harness.waitForCompletion(first.json().id, { timeoutMs: 90_000 })).runtimeStatus).toBe('Completed');
    // Spend what is left of the account's 300 orders (the largest reservation that fits is granted).
    for (let count = 300; count > 290; count -= 1)
      await app.harness.signalEntity({ name: 'AcmeOrderLedger', key: 'account' }, 'reserve', { count, now: new Date().toISOString() });
    await app.harness.waitForIdle({ timeoutMs: 10_000 });
    const issuance = await post(app.harness, SINGLE, { hostnames: [{ hostname: randomHostname('x') }] });
    expect(issuance.status, issuance.body).toBe(429);
    const renewal = await post(app.harness, 'RenewCertificatesFunctions_HttpStart', { hostnames: [{ hostname: host }], force: true });
    if (renewal.status === 202) await app.harness.terminate(renewal.json().id, 'the test ends it');
    expect(renewal.status, renewal.body).toBe(429);
  }, 150_000);
});
