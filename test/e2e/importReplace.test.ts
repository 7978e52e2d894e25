/**
 * Importing over a certificate this app issues needs an explicit "replace": true — it takes the
 * hostname out of renewal — and a certificate unfit for a TLS server never replaces anything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppOnStack, post, randomHostname, servedCertificate, startAppOnStack } from '../../devstack/stack/appOnStack';
import { keyVaultCertificateName } from '../../lib/naming';
import { issue, pkcs8Base64 } from '../fixtures/certificates';
import { hostname as asHostname } from '../fixtures/hostnames';

const IMPORT = 'AddCertificateWithPrivateKeyFunctions_HttpStart';

describe('importing over an issued certificate', () => {
  let app: AppOnStack;
  let host: string;
  beforeAll(async () => {
    app = await startAppOnStack();
    host = randomHostname('replace');
    const issued = await post(app.harness, 'AddCertificateFunctions_HttpStart', { hostnames: [{ hostname: host }] });
    expect((await app.harness.waitForCompletion(issued.json().id, { timeoutMs: 90_000 })).runtimeStatus).toBe('Completed');
  });
  afterAll(async () => {
    await app?.stop();
  });

  const versions = () => app.stack.keyVault.certificateVersions(keyVaultCertificateName(asHostname(host)));

  it('answers 409 CertificateManagedByAcme without "replace": true, and changes nothing', async () => {
    const before = { versions: versions().length, served: (await servedCertificate(app.stack.dataPlane.httpsPort, host)).fingerprint256 };
    const leaf = issue({ cn: host, sans: [host] });
    const response = await post(app.harness, IMPORT, { hostnames: [{ hostname: host, privatekey: pkcs8Base64(leaf.key), certificate: leaf.pem }] });
    expect(response.status).toBe(409);
    expect(response.json().error).toMatchObject({ code: 'CertificateManagedByAcme', message: expect.stringMatching(/"replace": true/) });
    expect(versions()).toHaveLength(before.versions);
    expect((await servedCertificate(app.stack.dataPlane.httpsPort, host)).fingerprint256).toBe(before.served);
  });

  it('refuses a self-signed CA certificate even with "replace": true (400, nothing written)', async () => {
    const before = versions().length;
    const ca = issue({ cn: host, sans: [host], ca: true });
    const response = await post(app.harness, IMPORT, { hostnames: [{ hostname: host, privatekey: pkcs8Base64(ca.key), certificate: ca.pem, replace: true }] });
    expect(response.status).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'CertificateNotForServer' });
    expect(versions()).toHaveLength(before);
  });

  it('replaces it with "replace": true: a new version tagged source=imported, served by the gateway', async () => {
    const leaf = issue({ cn: host, sans: [host] });
    const response = await post(app.harness, IMPORT, {
      hostnames: [{ hostname: host, privatekey: pkcs8Base64(leaf.key), certificate: leaf.pem, replace: true }],
    });
    expect(response.status, response.body).toBe(202);
    expect((await app.harness.waitForCompletion(response.json().id, { timeoutMs: 60_000 })).runtimeStatus).toBe('Completed');
    expect(versions().at(-1)?.tags).toMatchObject({ source: 'imported' });
    expect((await servedCertificate(app.stack.dataPlane.httpsPort, host)).fingerprint256).toBe(leaf.cert.fingerprint256);
  });

  it('refuses a "replace" that is not a boolean', async () => {
    const leaf = issue({ cn: host, sans: [host] });
    const response = await post(app.harness, IMPORT, {
      hostnames: [{ hostname: host, privatekey: pkcs8Base64(leaf.key), certificate: leaf.pem, replace: 'yes' }],
    });
    expect(response.status).toBe(400);
  });
});
