import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate, createPrivateKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { AppOnStack, post, randomHostname, servedCertificate, startAppOnStack } from '../../devstack/stack/appOnStack';
import { listenersFor, gatewayJson } from './appFixture';
import { keyVaultCertificateName } from '../../lib/naming';
import { hostname as asHostname } from '../fixtures/hostnames';
import { DAY, issue, pkcs8Base64 } from '../fixtures/certificates';

const START = 'AddCertificateWithPrivateKeyFunctions_HttpStart';
const EXPECTED_STEPS = ['ImportCertificateStep', 'ConfigureApplicationGatewayStep', 'Completed'];

// ----- a CA made here ---------------------------------------------------------------------------

const root = issue({ cn: 'Robot Import Test Root', ca: true });
const intermediate = issue({ cn: 'Robot Import Test Intermediate', ca: true, issuer: root });

// ----- helpers ----------------------------------------------------------------------------------

function steps(history: unknown[]): string[] {
  const names = history.map((s) => (s as { status: string }).status);
  return names.filter((n, i) => n !== names[i - 1]);
}

function sslCertificateOf(app: AppOnStack, listener: any): any {
  return gatewayJson(app).properties.sslCertificates.find((c: any) => c.id.toLowerCase() === listener.properties.sslCertificate.id.toLowerCase());
}

function importRequests(app: AppOnStack): number {
  return app.stack.keyVault.requests.filter((r) => r.method === 'POST' && /\/import$/.test(r.path)).length;
}

/** Every place the durable store or the logs could have kept a copy of what the user sent. */
function everythingRecorded(app: AppOnStack, instanceId: string, responseBody: string): string {
  return [
    responseBody,
    JSON.stringify(app.harness.customStatusHistory(instanceId)),
    JSON.stringify(app.harness.getStatus(instanceId)),
    JSON.stringify(app.harness.logs),
  ].join('\n');
}

function expectNoSecrets(text: string, secrets: string[]): void {
  expect(text).not.toContain('PRIVATE KEY');
  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThan(8);
    expect(text).not.toContain(secret);
  }
}

/** The key's base64, whole and as a 64-character window from its middle (a PEM line would be one). */
function keySecrets(key: KeyObject): string[] {
  const b64 = pkcs8Base64(key);
  return [b64, b64.slice(600, 664)];
}

describe('importing an existing certificate end to end', () => {
  let app: AppOnStack;
  beforeAll(async () => {
    app = await startAppOnStack();
  });
  afterAll(async () => {
    await app?.stop();
  });

  async function importAndWait(body: unknown) {
    const response = await post(app.harness, START, body);
    expect(response.status, response.body).toBe(202);
    const payload = response.json();
    for (const key of ['id', 'statusQueryGetUri', 'sendEventPostUri', 'terminatePostUri', 'purgeHistoryDeleteUri'])
      expect(payload[key]).toEqual(expect.any(String));
    const final = await app.harness.waitForCompletion(payload.id, { timeoutMs: 60_000 });
    return { response, id: payload.id as string, final };
  }

  it('answers 202, stores the PFX in Key Vault tagged source=imported, binds one listener and serves exactly the imported leaf; no key material is recorded', async () => {
    const host = randomHostname('import');
    const leaf = issue({ cn: host, sans: [host], issuer: intermediate });
    const putsBefore = app.stack.arm.putCount;

    const { response, id, final } = await importAndWait({
      hostnames: [{ hostname: host, privatekey: pkcs8Base64(leaf.key), certificate: leaf.pem + intermediate.pem }],
    });
    expect(id).toMatch(/^import-/);
    expect(final.runtimeStatus, JSON.stringify(final.customStatus)).toBe('Completed');
    expect(steps(app.harness.customStatusHistory(id))).toEqual(EXPECTED_STEPS);
    expect(final.customStatus).toMatchObject({ status: 'Completed', error: null });
    expect(final.input).toEqual({
      hostname: host,
      certificateName: keyVaultCertificateName(asHostname(host)),
      version: expect.any(String),
      gateway: { key: expect.any(String), pollSeconds: expect.any(Number) },
      // The starter's claim, which the run takes over: the run's id and a random one-off token, nothing secret.
      claimToken: expect.stringMatching(/^import-[a-z0-9-]+#[0-9a-f-]{36}$/),
    });

    // Key Vault: one version with our tags, holding the leaf, its chain and the user's key.
    const name = keyVaultCertificateName(asHostname(host));
    const versions = app.stack.keyVault.certificateVersions(name);
    expect(versions).toHaveLength(1);
    expect(versions[0]!.tags).toEqual({ 'managed-by': 'appgw-acme-robot', hostnames: host, source: 'imported' });
    expect(versions[0]!.version).toBe((final.input as { version: string }).version);
    const stored = app.stack.keyVault.latestCertificateWithKey(name)!;
    expect(stored.chainPem.map((pem) => new X509Certificate(pem).fingerprint256)).toEqual([leaf.cert.fingerprint256, intermediate.cert.fingerprint256]);
    expect(leaf.cert.checkPrivateKey(createPrivateKey(stored.keyPem))).toBe(true);

    // Gateway: one listener for the hostname, the versionless secret id, one PUT.
    const listeners = listenersFor(app, host);
    expect(listeners).toHaveLength(1);
    expect(sslCertificateOf(app, listeners[0]).properties.keyVaultSecretId).toBe(`${app.stack.keyVault.url}/secrets/${name}`);
    expect(app.stack.arm.putCount).toBe(putsBefore + 1);

    // The data plane presents the imported leaf for the hostname.
    const served = await servedCertificate(app.stack.dataPlane.httpsPort, host);
    expect(served.fingerprint256).toBe(leaf.cert.fingerprint256);

    expectNoSecrets(everythingRecorded(app, id, response.body), keySecrets(leaf.key));
  });

  it('imports an encrypted PEM key with its password, and neither the key nor the password is recorded anywhere', async () => {
    const host = randomHostname('import-enc');
    const leaf = issue({ cn: host, sans: [`*.${host.split('.').slice(1).join('.')}`], issuer: intermediate });
    const password = `pw-${Math.random().toString(36).slice(2)}-secret`;
    const encrypted = leaf.key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: password }) as string;

    const { response, id, final } = await importAndWait({ hostnames: [{ hostname: host, privatekey: encrypted, certificate: leaf.pem, password }] });
    expect(final.runtimeStatus, JSON.stringify(final.customStatus)).toBe('Completed');
    expect(steps(app.harness.customStatusHistory(id))).toEqual(EXPECTED_STEPS);
    expect((await servedCertificate(app.stack.dataPlane.httpsPort, host)).fingerprint256).toBe(leaf.cert.fingerprint256);

    const encryptedBody = encrypted.split('\n').slice(1, -2).join('');
    expectNoSecrets(everythingRecorded(app, id, response.body), [...keySecrets(leaf.key), password, encryptedBody.slice(100, 164)]);
  });

  it('a second import for the same hostname adds a version and the gateway serves it, with still one listener', async () => {
    const host = randomHostname('reimport');
    const first = issue({ cn: host, sans: [host], issuer: intermediate });
    const second = issue({ cn: host, sans: [host], issuer: intermediate });
    expect((await importAndWait({ hostnames: [{ hostname: host, privatekey: pkcs8Base64(first.key), certificate: first.pem }] })).final.runtimeStatus).toBe(
      'Completed',
    );
    const putsBefore = app.stack.arm.putCount;
    const { final } = await importAndWait({ hostnames: [{ hostname: host, privatekey: pkcs8Base64(second.key), certificate: second.pem + intermediate.pem }] });
    expect(final.runtimeStatus, JSON.stringify(final.customStatus)).toBe('Completed');
    // Same versionless secret id, so nothing changes, but a re-import PUTs anyway: the gateway re-reads Key Vault now, not in ~4 h.
    expect(app.stack.arm.putCount).toBe(putsBefore + 1);

    expect(app.stack.keyVault.certificateVersions(keyVaultCertificateName(asHostname(host)))).toHaveLength(2);
    expect(listenersFor(app, host)).toHaveLength(1);
    expect((await servedCertificate(app.stack.dataPlane.httpsPort, host)).fingerprint256).toBe(second.cert.fingerprint256);
  });

  describe('bad input: 400 with a code, nothing stored, gateway untouched, nothing started', () => {
    const host = randomHostname('bad');
    const leaf = issue({ cn: host, sans: [host], issuer: intermediate });
    const expired = issue({ cn: host, sans: [host], issuer: intermediate, notBefore: new Date(Date.now() - 100 * DAY), notAfter: new Date(Date.now() - DAY) });
    const otherHost = issue({ cn: 'elsewhere.robot.test', sans: ['elsewhere.robot.test'], issuer: intermediate });
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const encrypted = leaf.key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'the right one' }) as string;
    const entry = (fields: Record<string, unknown>) => ({
      hostnames: [{ hostname: host, privatekey: pkcs8Base64(leaf.key), certificate: leaf.pem + intermediate.pem, ...fields }],
    });

    const cases: Array<[string, unknown, string, RegExp]> = [
      ['a key that does not match', entry({ privatekey: pkcs8Base64(stranger) }), 'CertificateKeyMismatch', /does not belong/],
      ['an expired certificate', entry({ privatekey: pkcs8Base64(expired.key), certificate: expired.pem }), 'CertificateExpired', /expired on/],
      [
        'a certificate for another hostname',
        entry({ privatekey: pkcs8Base64(otherHost.key), certificate: otherHost.pem }),
        'CertificateDoesNotCoverHostname',
        /does not cover/,
      ],
      ['a wrong password', entry({ privatekey: encrypted, password: 'the wrong one' }), 'InvalidInput', /password .* is wrong/],
      ['a missing password for an encrypted key', entry({ privatekey: encrypted }), 'InvalidInput', /encrypted: send its password/],
      ['garbage base64', entry({ certificate: 'this is %% not base64' }), 'InvalidInput', /neither PEM nor valid base64/],
      ['trailing garbage after the PEM', entry({ certificate: `${leaf.pem}${intermediate.pem}garbage` }), 'InvalidInput', /after the last PEM block/],
      ['a chain out of order', entry({ certificate: leaf.pem + root.pem + intermediate.pem }), 'InvalidInput', /not in order/],
      ['a missing certificate field', { hostnames: [{ hostname: host, privatekey: pkcs8Base64(leaf.key) }] }, 'InvalidInput', /certificate is required/],
      ['an unknown field', entry({ pfx: 'x' }), 'InvalidInput', /unknown field "pfx"/],
      ['two hostnames', { hostnames: [entry({}).hostnames[0], { hostname: randomHostname() }] }, 'InvalidInput', /exactly one/],
      ['a wildcard hostname', entry({ hostname: '*.robot.test' }), 'InvalidInput', /wildcard/],
    ];

    it.each(cases)('refuses %s', async (_name, body, code, message) => {
      const names = app.stack.keyVault.certificateNames();
      const imports = importRequests(app);
      const puts = app.stack.arm.putCount;
      const instances = app.harness.instanceIds();
      const logCount = app.harness.logs.length;

      const response = await post(app.harness, START, body);
      expect(response.status, response.body).toBe(400);
      const json = response.json();
      expect(json.error.code).toBe(code);
      expect(json.error.message).toMatch(message);
      expect(response.body).not.toMatch(/\bat .+\.(ts|js):\d+/);
      expect(response.body).not.toContain('the wrong one');
      expectNoSecrets(response.body + JSON.stringify(app.harness.logs.slice(logCount)), keySecrets(leaf.key));

      expect(app.stack.keyVault.certificateNames()).toEqual(names);
      expect(importRequests(app)).toBe(imports);
      expect(app.stack.arm.putCount).toBe(puts);
      expect(app.harness.instanceIds()).toEqual(instances);
    });
  });

  it('answers 502 with a coded error and starts nothing when Key Vault refuses the import', async () => {
    const host = randomHostname('kv-denied');
    const leaf = issue({ cn: host, sans: [host], issuer: intermediate });
    const instances = app.harness.instanceIds();
    const puts = app.stack.arm.putCount;
    app.stack.keyVault.injectFaults({ status: 403, count: 1, match: (method, path) => method === 'POST' && /\/import$/.test(path) });

    const response = await post(app.harness, START, { hostnames: [{ hostname: host, privatekey: pkcs8Base64(leaf.key), certificate: leaf.pem }] });
    expect(response.status, response.body).toBe(502);
    expect(response.json().error.code).toBe('KeyVaultAccessDenied');
    expectNoSecrets(response.body, keySecrets(leaf.key));
    expect(app.stack.keyVault.certificateNames()).not.toContain(keyVaultCertificateName(asHostname(host)));
    expect(app.harness.instanceIds()).toEqual(instances);
    expect(app.stack.arm.putCount).toBe(puts);
  });
});
