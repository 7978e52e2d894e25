import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppOnStack, post, randomHostname, servedCertificate, startAppOnStack } from '../../devstack/stack/appOnStack';
import { keyVaultCertificateName } from '../../lib/naming';
import { hostname as asHostname } from '../fixtures/hostnames';
import { resetConfigCache } from '../../lib/config';
import type { RenewalReport } from '../../orchestrators/contracts';

const RENEW = 'RenewCertificatesFunctions_HttpStart';
const YEAR = 365 * 86_400_000;
const SCHEDULE = '0 30 2 * * *';

describe('renewal', () => {
  let app: AppOnStack;
  let hosts: string[];
  beforeAll(async () => {
    process.env.RenewalSchedule = SCHEDULE;
    app = await startAppOnStack();
    hosts = [randomHostname('r1'), randomHostname('r2'), randomHostname('r3')];
    const response = await post(app.harness, 'AddMultipleCertificatesFunctions_HttpStart', { hostnames: hosts.map((hostname) => ({ hostname })) });
    const done = await app.harness.waitForCompletion(response.json().id, { timeoutMs: 90_000 });
    expect(done.runtimeStatus).toBe('Completed');
  });
  afterAll(async () => {
    delete process.env.RenewalSchedule;
    await app?.stop();
  });

  async function renew(body: unknown = {}): Promise<RenewalReport> {
    const response = await post(app.harness, RENEW, body);
    expect(response.status, response.body).toBe(202);
    const final = await app.harness.waitForCompletion(response.json().id, { timeoutMs: 90_000 });
    expect(final.runtimeStatus).toBe('Completed');
    return final.output as RenewalReport;
  }

  const versions = (host: string) => app.stack.keyVault.certificateVersions(keyVaultCertificateName(asHostname(host)));

  it('registers the timer with the schedule from settings', () => {
    const timer = app.registry.require('RenewCertificatesTimer');
    expect(timer.triggerType).toBe('timerTrigger');
    expect(timer.trigger.schedule).toBe(SCHEDULE);
  });

  it('lists managed certificates with expiry, source, renewal date and binding state', async () => {
    const response = await app.harness.callHttp('ListCertificates', { method: 'GET', url: 'http://localhost:7071/api/certificates?code=k' });
    expect(response.status).toBe(200);
    const listed = response.json().certificates as Array<Record<string, unknown>>;
    for (const host of hosts) {
      const entry = listed.find((c) => (c.hostnames as string[]).includes(host));
      expect(entry).toMatchObject({
        keyVaultName: keyVaultCertificateName(asHostname(host)),
        source: app.stack.pebble.directoryUrl,
        listenerBound: true,
        thumbprint: versions(host)[0]!.thumbprintHex.toUpperCase(),
      });
      expect(new Date(entry!.renewalDue as string).getTime()).toBeLessThan(new Date(entry!.notAfter as string).getTime());
    }
  });

  it('does not renew fresh certificates', async () => {
    const report = await renew();
    expect(report.renewed).toEqual([]);
    expect(report.skipped.map((s) => s.hostname).sort()).toEqual([...hosts].sort());
    for (const h of hosts) expect(versions(h)).toHaveLength(1);
  });

  it('renews due certificates as new versions without a gateway PUT; a hostname whose DNS moved fails alone', async () => {
    // Pebble certificates live 5 years: 4 years on, less than a third of the lifetime remains.
    app.harness.advance(4 * YEAR);
    const [ok1, ok2, moved] = hosts as [string, string, string];
    await app.stack.pebble.setARecord(moved, '127.0.0.9');
    const before = { puts: app.stack.arm.putCount, ok1: versions(ok1)[0]!, served: await servedCertificate(app.stack.dataPlane.httpsPort, ok1) };

    const report = await renew();
    expect(report.renewed.map((r) => r.hostname).sort()).toEqual([ok1, ok2].sort());
    expect(report.failed).toEqual([expect.objectContaining({ hostname: moved, error: 'HostnameNotResolvingToApplicationGateway' })]);
    expect(versions(ok1)).toHaveLength(2);
    expect(versions(ok1)[1]!.serialHex).not.toBe(before.ok1.serialHex);
    expect(versions(moved)).toHaveLength(1);
    expect(app.stack.arm.putCount).toBe(before.puts);

    const served = await servedCertificate(app.stack.dataPlane.httpsPort, ok1);
    expect(served.fingerprint256).not.toBe(before.served.fingerprint256);
    expect(served.serialNumber.toLowerCase().replace(/^0+/, '')).toBe(versions(ok1)[1]!.serialHex.toLowerCase().replace(/^0+/, ''));
  });

  it('refreshes the gateway right after renewal when RenewalRefreshGateway is on, and can be forced for chosen hostnames', async () => {
    process.env.RenewalRefreshGateway = 'true';
    resetConfigCache();
    try {
      const puts = app.stack.arm.putCount;
      const target = hosts[1]!;
      const report = await renew({ hostnames: [{ hostname: target }], force: true });
      expect(report.renewed.map((r) => r.hostname)).toEqual([target]);
      expect(report.gatewayRefreshed).toBe(true);
      expect(app.stack.arm.putCount).toBe(puts + 1);
    } finally {
      delete process.env.RenewalRefreshGateway;
      resetConfigCache();
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
