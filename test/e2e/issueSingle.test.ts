import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate, createPublicKey } from 'node:crypto';
import { AppOnStack, post, randomHostname, servedCertificate, startAppOnStack } from '../../devstack/stack/appOnStack';
import { pemBlocks, challengeBlobNames, gatewayJson, listenersFor } from './appFixture';
import { keyVaultCertificateName } from '../../lib/naming';
import { hostname as asHostname } from '../fixtures/hostnames';

const START = 'AddCertificateFunctions_HttpStart';

const EXPECTED_STEPS = [
  'GetApplicationGatewayPublicIpStep',
  'CheckDnsResolutionStep',
  'GetAcmeOrderStep',
  'GetAcmeHttp01ChallengeStep',
  'UploadValidationFileToBlobStorageStep',
  'VerifyValidationFileStep',
  'AnswerAcmeHttp01ChallengeStep',
  'CheckAcmeOrderStep',
  'CreateCertificateStep',
  'ConfigureApplicationGatewayStep',
  'Completed',
];

function steps(history: unknown[]): string[] {
  const names = history.map((s) => (s as { status: string }).status);
  return names.filter((n, i) => n !== names[i - 1]);
}

describe('issuing one certificate end to end', () => {
  let app: AppOnStack;
  beforeAll(async () => {
    // Durable timers fire up to 30 s (virtual) late, as on Azure Storage queues: nothing may depend on exact timing.
    app = await startAppOnStack({ timerLateness: { seed: 'issueSingle' } });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('answers 202 with the status URLs, issues from Pebble into Key Vault, binds the gateway and serves the certificate', async () => {
    const host = randomHostname();
    const putsBefore = app.stack.arm.putCount;
    const response = await post(app.harness, START, { hostnames: [{ hostname: host.toUpperCase() }] });
    expect(response.status).toBe(202);
    const payload = response.json();
    for (const key of ['id', 'statusQueryGetUri', 'sendEventPostUri', 'terminatePostUri', 'purgeHistoryDeleteUri'])
      expect(payload[key]).toEqual(expect.any(String));

    const final = await app.harness.waitForCompletion(payload.id, { timeoutMs: 60_000 });
    expect(final.runtimeStatus, JSON.stringify(final.customStatus)).toBe('Completed');
    expect(steps(app.harness.customStatusHistory(payload.id))).toEqual(EXPECTED_STEPS);
    expect(final.customStatus).toMatchObject({ status: 'Completed', error: null });

    // Key Vault: one version, chained to Pebble's root, key generated in the vault.
    const name = keyVaultCertificateName(asHostname(host));
    expect(app.stack.keyVault.certificateVersions(name)).toHaveLength(1);
    const stored = app.stack.keyVault.latestCertificateWithKey(name);
    expect(stored).toBeDefined();
    const chain = stored!.chainPem.map((pem) => new X509Certificate(pem));
    expect(chain.length).toBeGreaterThanOrEqual(2);
    const [root] = pemBlocks(await app.stack.pebble.rootPem());
    expect(chain[0]!.subjectAltName).toContain(`DNS:${host}`);
    expect(chain[0]!.verify(chain[1]!.publicKey)).toBe(true);
    expect(chain[chain.length - 1]!.verify(root!.publicKey)).toBe(true);
    expect(chain[0]!.checkPrivateKey(createPublicKey(stored!.keyPem) && (await import('node:crypto')).createPrivateKey(stored!.keyPem))).toBe(true);

    // Gateway: one listener and one rule for the hostname, a versionless secret id, one PUT.
    const gw = gatewayJson(app);
    const listeners = listenersFor(app, host);
    expect(listeners).toHaveLength(1);
    const rules = gw.properties.requestRoutingRules.filter((r: any) => r.properties.httpListener.id.toLowerCase() === listeners[0].id.toLowerCase());
    expect(rules).toHaveLength(1);
    const sslCert = gw.properties.sslCertificates.find((c: any) => c.id.toLowerCase() === listeners[0].properties.sslCertificate.id.toLowerCase());
    expect(sslCert.properties.keyVaultSecretId).toBe(`${app.stack.keyVault.url}/secrets/${name}`);
    expect(app.stack.arm.putCount).toBe(putsBefore + 1);

    // The gateway data plane presents the new certificate for the hostname.
    const served = await servedCertificate(app.stack.dataPlane.httpsPort, host);
    expect(served.fingerprint256).toBe(chain[0]!.fingerprint256);

    // No challenge file left behind.
    expect(await challengeBlobNames(app)).toEqual([]);
  });
});
