/**
 * RFC 9773 ACME Renewal Information. Pebble 2.4 has none, so the ACME proxy adds the endpoint;
 * the expected certificate id is computed with openssl, independently of the app's code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { AppOnStack, post, randomHostname, startAppOnStack } from '../../devstack/stack/appOnStack';
import { AcmeProxy, startAcmeProxy } from '../../devstack/acme/acmeProxy';
import { loadCa } from '../../devstack/tls/testCa';
import { withSetting } from './appFixture';
import { keyVaultCertificateName } from '../../lib/naming';
import { hostname as asHostname } from '../fixtures/hostnames';
import type { RenewalReport } from '../../orchestrators/contracts';

function expectedCertId(pem: string): string {
  const text = spawnSync('openssl', ['x509', '-noout', '-ext', 'authorityKeyIdentifier'], { input: pem, encoding: 'utf8' }).stdout;
  const aki = /([0-9A-F]{2}(?::[0-9A-F]{2})+)/i.exec(text)?.[1]?.replace(/:/g, '') ?? '';
  let serial = new X509Certificate(pem).serialNumber;
  if (serial.length % 2) serial = `0${serial}`;
  // DER INTEGER: a leading zero byte when the high bit is set (RFC 9773 §4.1 example: 00:87:65:43:21).
  if (parseInt(serial.slice(0, 2), 16) & 0x80) serial = `00${serial}`;
  return `${Buffer.from(aki, 'hex').toString('base64url')}.${Buffer.from(serial, 'hex').toString('base64url')}`;
}

describe('renewal follows the CA renewal window (ARI)', () => {
  let app: AppOnStack;
  let proxy: AcmeProxy;
  let host: string;
  let window: { start: Date; end: Date } | undefined;
  let restoreEndpoint: (() => void) | undefined;
  beforeAll(async () => {
    // Late timers (up to 30 s virtual, as on Azure Storage queues): the ARI window logic must not depend on exact timing.
    app = await startAppOnStack({ timerLateness: { seed: 'renewalInfo' } });
    proxy = await startAcmeProxy({ ca: loadCa(), upstreamDirectoryUrl: app.stack.pebble.directoryUrl });
    proxy.offerRenewalInfo(() => window);
    restoreEndpoint = withSetting('AcmeEndpoint', proxy.directoryUrl);
    host = randomHostname('ari');
    const response = await post(app.harness, 'AddCertificateFunctions_HttpStart', { hostnames: [{ hostname: host }] });
    expect((await app.harness.waitForCompletion(response.json().id, { timeoutMs: 60_000 })).runtimeStatus).toBe('Completed');
  });
  afterAll(async () => {
    restoreEndpoint?.();
    await proxy?.stop();
    await app?.stop();
  });

  async function renew(): Promise<RenewalReport> {
    const response = await post(app.harness, 'RenewCertificatesFunctions_HttpStart', {});
    return (await app.harness.waitForCompletion(response.json().id, { timeoutMs: 60_000 })).output as RenewalReport;
  }

  it('asks with the RFC 9773 certificate id and waits while the window lies ahead', async () => {
    const now = app.harness.now().getTime();
    window = { start: new Date(now + 86_400_000), end: new Date(now + 2 * 86_400_000) };
    const report = await renew();
    expect(report.renewed).toEqual([]);
    expect(report.skipped).toEqual([expect.objectContaining({ hostname: host, renewAfter: window.start.toISOString(), reason: expect.stringMatching(/ARI/) })]);
    const leaf = app.stack.keyVault.latestCertificateWithKey(keyVaultCertificateName(asHostname(host)))!.chainPem[0]!;
    expect(proxy.renewalInfoRequests.at(-1)).toBe(expectedCertId(leaf));
  });

  it('renews a fresh certificate once the CA moves the window into the past (e.g. after a revocation notice)', async () => {
    const now = app.harness.now().getTime();
    window = { start: new Date(now - 3_600_000), end: new Date(now + 3_600_000) };
    const report = await renew();
    expect(report.renewed.map((r) => r.hostname)).toEqual([host]);
    expect(app.stack.keyVault.certificateVersions(keyVaultCertificateName(asHostname(host)))).toHaveLength(2);
  });
});
