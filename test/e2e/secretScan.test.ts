/**
 * Security: run the flows, then scan everything a user, an operator or the durable store can see
 * for key material, tokens and storage keys. None may appear.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretClient } from '@azure/keyvault-secrets';
import { AppOnStack, post, randomHostname, startAppOnStack } from '../../devstack/stack/appOnStack';
import { fakeCredential } from '../../devstack/stack/localStack';
import { AZURITE_KEY } from '../../devstack/azurite/azurite';

function pemBody(pem: string): string[] {
  // Distinctive slices of the base64 body: a leak of any part of a key is a leak.
  const body = pem.replace(/-----[^-]+-----|\s/g, '');
  return [body.slice(64, 128), body.slice(-128, -64)].filter((s) => s.length >= 32);
}

describe('nothing secret is observable', () => {
  let app: AppOnStack;
  const observed: string[] = [];
  beforeAll(async () => {
    app = await startAppOnStack();
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('issuance, a failure and renewal expose no key, token or storage key in responses, customStatus, history or logs', async () => {
    const good = randomHostname('scan');
    const bad = randomHostname('scanbad');
    await app.stack.pebble.setARecord(bad, '127.0.0.9');
    for (const body of [{ hostnames: [{ hostname: good }, { hostname: bad }] }]) {
      const response = await post(app.harness, 'AddMultipleCertificatesFunctions_HttpStart', body);
      observed.push(response.body);
      await app.harness.waitForCompletion(response.json().id, { timeoutMs: 90_000 });
    }
    const renew = await post(app.harness, 'RenewCertificatesFunctions_HttpStart', { force: true });
    observed.push(renew.body);
    await app.harness.waitForCompletion(renew.json().id, { timeoutMs: 90_000 });
    const list = await app.harness.callHttp('ListCertificates', { method: 'GET', url: 'http://localhost:7071/api/certificates' });
    observed.push(list.body);

    for (const id of app.harness.instanceIds()) {
      const status = app.harness.getStatus(id);
      observed.push(JSON.stringify(status.input), JSON.stringify(status.output), JSON.stringify(status.customStatus), JSON.stringify(status.history));
      observed.push(...app.harness.customStatusHistory(id).map((s) => JSON.stringify(s)));
    }
    observed.push(...app.harness.logs.map((l) => l.message));
    const everything = observed.join('\n');

    const accountKey =
      (await new SecretClient(app.stack.keyVault.url, fakeCredential, { disableChallengeResourceVerification: true }).getSecret('acme-account-key')).value ??
      '';
    expect(accountKey).toMatch(/PRIVATE KEY/);
    const forbidden = [
      'PRIVATE KEY',
      ...app.stack.keyVault.privateKeyPems().flatMap(pemBody),
      ...pemBody(accountKey),
      'test-token-not-a-secret',
      AZURITE_KEY,
      'Bearer ',
    ];
    expect(app.stack.keyVault.privateKeyPems().length).toBeGreaterThan(0);
    for (const needle of forbidden) expect(everything.includes(needle), `found ${needle.slice(0, 20)}…`).toBe(false);
    // Error texts carry no stack frames or SDK request ids.
    expect(everything).not.toMatch(/\n\s+at .+\.(ts|js):\d+/);
    expect(everything).not.toMatch(/x-ms-request-id|RequestId:/i);
  });

  it('refusals expose nothing either: a key pasted as a hostname, a wrong password, a key whose KDF cost is refused, an import over an issued certificate', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { issue } = await import('../fixtures/certificates');
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'sec1', format: 'pem' }) as string;
    const host = randomHostname('scanrefuse');
    const leaf = issue({ cn: host, sans: [host] });
    const password = 'correct-horse-battery-staple-42';
    const encrypted = leaf.key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: password }) as string;
    const responses = [
      await post(app.harness, 'AddCertificateFunctions_HttpStart', { hostnames: [{ hostname: ec }] }),
      await post(app.harness, 'AddCertificateFunctions_HttpStart', { hostnames: [{ hostname: host, [ec.slice(40, 100)]: 1 }] }),
      await post(app.harness, 'AddCertificateWithPrivateKeyFunctions_HttpStart', {
        hostnames: [{ hostname: host, privatekey: encrypted, certificate: leaf.pem, password: `${password}-wrong` }],
      }),
      await post(app.harness, 'AddCertificateWithPrivateKeyFunctions_HttpStart', { hostnames: [{ hostname: host, privatekey: ec, certificate: leaf.pem }] }),
    ];
    for (const r of responses) expect(r.status).toBeGreaterThanOrEqual(400);
    const everything = [...responses.map((r) => r.body), ...app.harness.logs.map((l) => l.message)].join('\n');
    for (const needle of ['PRIVATE KEY', ...pemBody(ec), ...pemBody(encrypted), password])
      expect(everything.includes(needle), `found ${needle.slice(0, 20)}…`).toBe(false);
    expect(everything).not.toMatch(/\n\s+at .+\.(ts|js):\d+/);
  });
});
