/**
 * Renewal end to end. Each test issues its own certificates and asserts only on them; the one
 * that moves the clock four years runs on a stack of its own, so no test depends on another's
 * clock or certificates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppOnStack, post, randomHostname, servedCertificate, startAppOnStack } from '../../devstack/stack/appOnStack';
import { keyVaultCertificateName } from '../../lib/naming';
import { hostname as asHostname } from '../fixtures/hostnames';
import type { RenewalReport } from '../../orchestrators/contracts';
import { withSetting } from './appFixture';

const RENEW = 'RenewCertificatesFunctions_HttpStart';
const YEAR = 365 * 86_400_000;
const SCHEDULE = '0 30 2 * * *';

async function issueAll(app: AppOnStack, count: number, label: string): Promise<string[]> {
  const hosts = Array.from({ length: count }, (_, i) => randomHostname(`${label}${i}`));
  const response = await post(app.harness, 'AddMultipleCertificatesFunctions_HttpStart', { hostnames: hosts.map((hostname) => ({ hostname })) });
  const done = await app.harness.waitForCompletion(response.json().id, { timeoutMs: 90_000 });
  expect(done.runtimeStatus).toBe('Completed');
  return hosts;
}

async function renew(app: AppOnStack, body: unknown = {}): Promise<RenewalReport> {
  const response = await post(app.harness, RENEW, body);
  expect(response.status, response.body).toBe(202);
  const final = await app.harness.waitForCompletion(response.json().id, { timeoutMs: 90_000 });
  expect(final.runtimeStatus).toBe('Completed');
  return final.output as RenewalReport;
}

const versionsOf = (app: AppOnStack, host: string) => app.stack.keyVault.certificateVersions(keyVaultCertificateName(asHostname(host)));

describe('renewal', () => {
  let app: AppOnStack;
  let restoreSchedule: () => void;
  beforeAll(async () => {
    restoreSchedule = withSetting('RenewalSchedule', SCHEDULE);
    app = await startAppOnStack();
  });
  afterAll(async () => {
    await app?.stop();
    restoreSchedule?.();
  });

  it('registers the timer with the schedule from settings', () => {
    const timer = app.registry.require('RenewCertificatesTimer');
    expect(timer.triggerType).toBe('timerTrigger');
    expect(timer.trigger.schedule).toBe(SCHEDULE);
  });

  it('lists managed certificates with expiry, source, renewal date and binding state', async () => {
    const hosts = await issueAll(app, 3, 'list');
    const response = await app.harness.callHttp('ListCertificates', { method: 'GET', url: 'http://localhost:7071/api/certificates?code=k' });
    expect(response.status).toBe(200);
    const listed = response.json().certificates as Array<Record<string, unknown>>;
    for (const host of hosts) {
      const entry = listed.find((c) => (c.hostnames as string[]).includes(host));
      expect(entry).toMatchObject({
        keyVaultName: keyVaultCertificateName(asHostname(host)),
        source: app.stack.pebble.directoryUrl,
        listenerBound: true,
        thumbprint: versionsOf(app, host)[0]!.thumbprintHex.toUpperCase(),
      });
      expect(new Date(entry!.renewalDue as string).getTime()).toBeLessThan(new Date(entry!.notAfter as string).getTime());
    }
  });

  it('does not renew fresh certificates', async () => {
    const hosts = await issueAll(app, 2, 'fresh');
    const report = await renew(app);
    expect(report.renewed.map((r) => r.hostname)).toEqual(expect.not.arrayContaining(hosts));
    expect(report.skipped.map((s) => s.hostname)).toEqual(expect.arrayContaining(hosts));
    for (const h of hosts) expect(versionsOf(app, h)).toHaveLength(1);
  });

  it('refreshes the gateway right after renewal when RenewalRefreshGateway is on, and can be forced for chosen hostnames', async () => {
    const [target, other] = await issueAll(app, 2, 'forced');
    const restore = withSetting('RenewalRefreshGateway', 'true');
    try {
      const puts = app.stack.arm.putCount;
      const report = await renew(app, { hostnames: [{ hostname: target }], force: true });
      expect(report.renewed.map((r) => r.hostname)).toEqual([target]);
      expect(report.gatewayRefreshed).toBe(true);
      expect(app.stack.arm.putCount).toBe(puts + 1);
      expect(versionsOf(app, target!)).toHaveLength(2);
      expect(versionsOf(app, other!)).toHaveLength(1);
    } finally {
      restore();
    }
  });

  it('refuses a second renewal while one is running, from the timer and from HTTP', async () => {
    const first = await post(app.harness, RENEW, {});
    expect(first.status).toBe(202);
    const second = await post(app.harness, RENEW, {});
    expect(second.status).toBe(409);
    await app.harness.callTimer('RenewCertificatesTimer');
    expect(app.harness.logs.some((l) => l.functionName === 'RenewCertificatesTimer' && /still running/.test(l.message))).toBe(true);
    await app.harness.waitForCompletion(first.json().id, { timeoutMs: 90_000 });
    await app.harness.callTimer('RenewCertificatesTimer');
    expect(app.harness.logs.some((l) => l.functionName === 'RenewCertificatesTimer' && /Started/.test(l.message))).toBe(true);
    await app.harness.waitForCompletion('renew-certificates', { timeoutMs: 90_000 });
  });
});

describe('renewal when certificates come due', () => {
  let app: AppOnStack;
  beforeAll(async () => {
    app = await startAppOnStack();
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('renews due certificates as new versions without a gateway PUT; a hostname whose DNS moved fails alone', async () => {
    const [ok1, ok2, moved] = (await issueAll(app, 3, 'due')) as [string, string, string];
    // Pebble certificates live 5 years: 4 years on, less than a third of the lifetime remains.
    app.harness.advance(4 * YEAR);
    await app.stack.pebble.setARecord(moved, '127.0.0.9');
    const before = { puts: app.stack.arm.putCount, ok1: versionsOf(app, ok1)[0]!, served: await servedCertificate(app.stack.dataPlane.httpsPort, ok1) };

    const report = await renew(app);
    expect(report.renewed.map((r) => r.hostname).sort()).toEqual([ok1, ok2].sort());
    expect(report.failed).toEqual([expect.objectContaining({ hostname: moved, error: 'HostnameNotResolvingToApplicationGateway' })]);
    expect(versionsOf(app, ok1)).toHaveLength(2);
    expect(versionsOf(app, ok1)[1]!.serialHex).not.toBe(before.ok1.serialHex);
    expect(versionsOf(app, moved)).toHaveLength(1);
    expect(app.stack.arm.putCount).toBe(before.puts);

    const served = await servedCertificate(app.stack.dataPlane.httpsPort, ok1);
    expect(served.fingerprint256).not.toBe(before.served.fingerprint256);
    expect(served.serialNumber.toLowerCase().replace(/^0+/, '')).toBe(versionsOf(app, ok1)[1]!.serialHex.toLowerCase().replace(/^0+/, ''));
  });
});
