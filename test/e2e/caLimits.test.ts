/**
 * Unbounded CA work: `force` renews, it does not spend the week's quota in a minute, and issuance
 * past the CA's limit per name set is refused with 429 and the date it becomes possible — counted
 * from Key Vault before the CA is asked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppOnStack, post, randomHostname, startAppOnStack } from '../../devstack/stack/appOnStack';
import { CERTIFICATES_PER_NAME_SET } from '../../lib/caLimits';
import { keyVaultCertificateName } from '../../lib/naming';
import type { RenewalReport } from '../../orchestrators/contracts';
import { hostname as asHostname } from '../fixtures/hostnames';

describe("the CA's limits", () => {
  let app: AppOnStack;
  beforeAll(async () => {
    app = await startAppOnStack();
  });
  afterAll(async () => {
    await app?.stop();
  });

  it(`renews by force at most up to ${CERTIFICATES_PER_NAME_SET} certificates per name in a week, then answers issuance with 429`, async () => {
    const host = randomHostname('quota');
    const versions = () => app.stack.keyVault.certificateVersions(keyVaultCertificateName(asHostname(host))).length;
    const first = await post(app.harness, 'AddCertificateFunctions_HttpStart', { hostnames: [{ hostname: host }] });
    expect((await app.harness.waitForCompletion(first.json().id, { timeoutMs: 90_000 })).runtimeStatus).toBe('Completed');
    let last: RenewalReport | undefined;
    for (let i = 0; i < CERTIFICATES_PER_NAME_SET + 1; i += 1) {
      const response = await post(app.harness, 'RenewCertificatesFunctions_HttpStart', { hostnames: [{ hostname: host }], force: true });
      expect(response.status).toBe(202);
      last = (await app.harness.waitForCompletion(response.json().id, { timeoutMs: 90_000 })).output as RenewalReport;
    }
    expect(versions()).toBe(CERTIFICATES_PER_NAME_SET);
    expect(last?.renewed).toEqual([]);
    expect(last?.skipped).toEqual([
      expect.objectContaining({ hostname: host, reason: expect.stringMatching(/limit of 5 certificates per name in 7 days is used up until/) }),
    ]);

    const refused = await post(app.harness, 'AddCertificateFunctions_HttpStart', { hostnames: [{ hostname: host }] });
    expect(refused.status).toBe(429);
    expect(refused.json().error).toMatchObject({ code: 'AcmeRateLimited', message: expect.stringMatching(/after \d{4}-\d\d-\d\dT/) });
    expect(Number(refused.headers['Retry-After'] ?? refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(versions()).toBe(CERTIFICATES_PER_NAME_SET);
  }, 180_000);
});

describe("the CA's new orders per account", () => {
  // A stack of its own: the account's order bucket starts full.
  let app: AppOnStack;
  beforeAll(async () => {
    app = await startAppOnStack();
  });
  afterAll(async () => {
    await app?.stop();
  });

  it("answers 429 when the account's new orders for the next 3 hours are spent, and says when enough are back", async () => {
    // 299 of the account's 300 orders are spent (as if by other runs): one hostname fits, two do not.
    await app.harness.signalEntity({ name: 'AcmeOrderLedger', key: 'account' }, 'reserve', { count: 299, now: new Date().toISOString() });
    await app.harness.waitForIdle({ timeoutMs: 10_000 });
    const refused = await post(app.harness, 'AddMultipleCertificatesFunctions_HttpStart', {
      hostnames: [{ hostname: randomHostname('o1') }, { hostname: randomHostname('o2') }],
    });
    expect(refused.status, refused.body).toBe(429);
    expect(refused.json().error).toMatchObject({
      code: 'AcmeRateLimited',
      message: expect.stringMatching(/300 new orders per 3 hours.*2 more can be created after \d{4}-/),
    });
    const retryAfter = Number(refused.headers['Retry-After'] ?? refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(36);
    const one = await post(app.harness, 'AddCertificateFunctions_HttpStart', { hostnames: [{ hostname: randomHostname('o3') }] });
    expect(one.status, one.body).toBe(202);
    expect((await app.harness.waitForCompletion(one.json().id, { timeoutMs: 90_000 })).runtimeStatus).toBe('Completed');
  });
});
