import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { AppOnStack, post, randomHostname, startAppOnStack } from '../../devstack/stack/appOnStack';
import { withSetting } from './appFixture';
import { forgetAcmeClients } from '../../lib/adapters/acme';

describe('a CA that requires External Account Binding', () => {
  let app: AppOnStack;
  const eab = { keyId: `kid-${randomBytes(4).toString('hex')}`, hmacKey: randomBytes(32).toString('base64url') };
  beforeAll(async () => {
    app = await startAppOnStack({ eab });
  });
  afterAll(async () => {
    await app?.stop();
  });

  async function issueOne() {
    const response = await post(app.harness, 'AddCertificateFunctions_HttpStart', { hostnames: [{ hostname: randomHostname('eab') }] });
    return app.harness.waitForCompletion(response.json().id, { timeoutMs: 60_000 });
  }

  it('registers with the EAB key from settings and issues', async () => {
    const final = await issueOne();
    expect(final.runtimeStatus, JSON.stringify(final.customStatus)).toBe('Completed');
  });

  it('fails with AcmeAccountError, without leaking the HMAC key, when the EAB key is wrong', async () => {
    const wrong = randomBytes(32).toString('base64url');
    const restore = [withSetting('AcmeEabHmacKey', wrong), withSetting('AcmeAccountKeySecretName', 'acme-account-key-2')];
    forgetAcmeClients();
    try {
      const final = await issueOne();
      expect(final.runtimeStatus).toBe('Failed');
      expect(final.customStatus).toMatchObject({ status: 'Failed', error: 'AcmeAccountError' });
      expect(JSON.stringify(final)).not.toContain(wrong);
      expect(JSON.stringify(app.harness.logs)).not.toContain(wrong);
    } finally {
      for (const undo of restore.reverse()) undo();
      forgetAcmeClients();
    }
  });
});
