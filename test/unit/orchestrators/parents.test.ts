/**
 * The parent orchestrations' decisions, with children and activities scripted: the batch binds
 * once, the renewal reports every certificate, the import binds with a forced refresh, and a busy
 * gateway is waited out up to a deadline.
 */
import { describe, expect, it } from 'vitest';
import { activityFailure, runOrchestrator } from './fakeContext';
import type { ManagedCertificate } from '../../../lib/activityContracts';
import { IssueCertificateOutput, Orchestrators } from '../../../orchestrators/contracts';
import { importCertificateOrchestrator } from '../../../orchestrators/importCertificate';
import { issueCertificatesOrchestrator } from '../../../orchestrators/issueCertificates';
import { renewCertificatesOrchestrator } from '../../../orchestrators/renewCertificates';
import { hostname } from '../../fixtures/hostnames';
import { GATEWAY, GATEWAY_IP, gatewayActivities } from './gatewayScript';
import type { Hostname } from '../../../lib/hostnames';

const secretOf = (h: string) => `https://vault.test/secrets/${h.replace(/\./g, '-')}`;

function issued(h: Hostname): IssueCertificateOutput {
  return {
    result: {
      ok: true,
      hostname: h,
      certificateName: h,
      gatewayIp: '203.0.113.10',
      version: 'v2',
      thumbprint: 'T',
      expiresOn: '2030-03-01T00:00:00.000Z',
      secretId: secretOf(h),
    },
  };
}

describe('the batch', () => {
  const [a, b, c] = ['a.batch.test', 'b.batch.test', 'c.batch.test'].map(hostname) as [Hostname, Hostname, Hostname];

  it('binds the issued certificates in one gateway update and reports the failed one by name', () => {
    const result = runOrchestrator(issueCertificatesOrchestrator, {
      name: Orchestrators.IssueCertificates,
      instanceId: 'batch-0123',
      input: { hostnames: [a, b, c], gateway: GATEWAY },
      activities: gatewayActivities(),
      subOrchestrations: {
        IssueCertificateOrchestrator: ({ hostname: h }) => (h === b ? { result: { ok: false, code: 'AcmeOrderInvalid', message: 'invalid' } } : issued(h)),
      },
    });
    expect(result.inputsOf('startGatewayUpdate')).toEqual([
      {
        bindings: [
          { hostname: a, keyVaultSecretId: secretOf(a) },
          { hostname: c, keyVaultSecretId: secretOf(c) },
        ],
        force: false,
      },
    ]);
    // Children get ids derived from the batch's and their hostname, never random ones and never a
    // single run's (issue-…), and the gateway's addresses the batch read once for all of them.
    expect(result.calls.flatMap((x) => (x.kind === 'subOrchestration' ? [x.instanceId] : []))).toEqual([
      'batch-0123-a-batch-test',
      'batch-0123-b-batch-test',
      'batch-0123-c-batch-test',
    ]);
    expect(result.activityNames().filter((n) => n === 'getGatewayPublicIp')).toHaveLength(1);
    for (const call of result.calls.filter((x) => x.kind === 'subOrchestration'))
      expect(call.input).toMatchObject({ gatewayAddresses: { ip: GATEWAY_IP, addresses: [GATEWAY_IP] } });
    expect(result.lastStatus).toMatchObject({
      status: 'Completed',
      error: 'SomeCertificatesFailed',
      counts: { completed: 2, failed: 1, pending: 0 },
      hostnames: ['Completed', 'Failed:AcmeOrderInvalid', 'Completed'],
    });
  });

  it('reports a child the host failed outright instead of hanging, and binds the rest', () => {
    const result = runOrchestrator(issueCertificatesOrchestrator, {
      name: Orchestrators.IssueCertificates,
      input: { hostnames: [a, b], gateway: GATEWAY },
      activities: gatewayActivities(),
      subOrchestrations: {
        IssueCertificateOrchestrator: ({ hostname: h }) => {
          if (h === a) throw activityFailure('InternalError', 'host failure');
          return issued(h);
        },
      },
    });
    expect(result.lastStatus).toMatchObject({ hostnames: ['Failed:InternalError', 'Completed'] });
    expect(result.output).toMatchObject({ hostnames: { [a]: { status: 'Failed', error: 'InternalError' }, [b]: { status: 'Completed' } } });
  });

  it('ends Failed without touching the gateway when every hostname failed', () => {
    const result = runOrchestrator(issueCertificatesOrchestrator, {
      name: Orchestrators.IssueCertificates,
      input: { hostnames: [a, b], gateway: GATEWAY },
      activities: gatewayActivities(),
      subOrchestrations: { IssueCertificateOrchestrator: () => ({ result: { ok: false, code: 'DnsLookupFailed', message: 'no resolver' } }) },
    });
    expect(result.activityNames()).toEqual(['getGatewayPublicIp']);
    expect(result.error?.message).toMatch(/^\[SomeCertificatesFailed\] All 2/);
    expect(result.lastStatus).toMatchObject({ status: 'Failed', error: 'SomeCertificatesFailed' });
  });

  it("fails every hostname with the gateway read's code when the gateway's address cannot be read, and starts no child", () => {
    const result = runOrchestrator(issueCertificatesOrchestrator, {
      name: Orchestrators.IssueCertificates,
      input: { hostnames: [a, b], gateway: GATEWAY },
      activities: gatewayActivities({
        getGatewayPublicIp: () => ({ ok: false, code: 'ApplicationGatewayNotFound', message: 'no gateway gw in rg' }),
      }),
      subOrchestrations: { IssueCertificateOrchestrator: ({ hostname: h }) => issued(h) },
    });
    expect(result.calls.filter((x) => x.kind === 'subOrchestration')).toEqual([]);
    expect(result.activityNames()).toEqual(['getGatewayPublicIp']);
    expect(result.error?.message).toMatch(/^\[SomeCertificatesFailed\] All 2 .*ApplicationGatewayNotFound/);
    expect(result.lastStatus).toMatchObject({ status: 'Failed', hostnames: ['Failed:ApplicationGatewayNotFound', 'Failed:ApplicationGatewayNotFound'] });
    // No instance id to follow: no child was started.
    expect(result.error?.message).not.toMatch(/"instanceId"/);
  });
});

describe('the import', () => {
  const host = hostname('import.gateway.test');
  const input = { hostname: host, certificateName: 'import-gateway-test', version: 'v1', gateway: GATEWAY };

  it('binds the imported version with a forced refresh', () => {
    const result = runOrchestrator(importCertificateOrchestrator, {
      name: Orchestrators.ImportCertificate,
      input,
      activities: {
        checkImportedCertificate: () => ({ ok: true, version: 'v1', thumbprint: 'T', expiresOn: '2031-01-01T00:00:00.000Z', secretId: secretOf(host) }),
        ...gatewayActivities(),
      },
    });
    expect(result.inputsOf('startGatewayUpdate')).toEqual([{ bindings: [{ hostname: host, keyVaultSecretId: secretOf(host) }], force: true }]);
    expect(result.lastStatus).toMatchObject({ status: 'Completed' });
  });

  it('fails when its Key Vault version is gone, binding nothing', () => {
    const result = runOrchestrator(importCertificateOrchestrator, {
      name: Orchestrators.ImportCertificate,
      input,
      activities: { checkImportedCertificate: () => ({ ok: false, code: 'ImportedCertificateNotFound', message: 'deleted' }) },
    });
    expect(result.activityNames()).toEqual(['checkImportedCertificate']);
    expect(result.lastStatus).toEqual({ status: 'Failed', error: 'ImportedCertificateNotFound', message: 'deleted' });
  });
});

describe('the renewal', () => {
  const cert = (name: string, extra: Partial<ManagedCertificate>): ManagedCertificate => ({
    certificateName: name,
    hostnames: [hostname(`${name}.renew.test`)],
    source: 'acme',
    version: 'v1',
    thumbprint: 'T',
    notBefore: '2029-01-01T00:00:00.000Z',
    notAfter: '2030-02-01T00:00:00.000Z',
    renewAfter: '2029-12-01T00:00:00.000Z',
    due: true,
    reason: 'due',
    pendingOperation: false,
    ...extra,
  });

  it('renews what is due in derived child ids, reports the rest, and refreshes the gateway once', () => {
    const result = runOrchestrator(renewCertificatesOrchestrator, {
      name: Orchestrators.RenewCertificates,
      input: { force: false, refreshGateway: true, concurrency: 2, gateway: GATEWAY },
      start: new Date('2030-01-05T01:02:03Z'),
      activities: {
        listManagedCertificates: () => ({
          ok: true,
          certificates: [
            cert('due1', {}),
            cert('due2', {}),
            cert('due3', {}),
            cert('fresh', { due: false, reason: 'not due' }),
            cert('badtag', { hostnames: [], problem: 'The "hostnames" tag of badtag holds an invalid hostname' }),
            cert('mine', { source: 'imported', due: false, renewAfter: '2029-12-31T00:00:00.000Z', reason: 'imported; expires soon' }),
          ],
        }),
        ...gatewayActivities(),
      },
      subOrchestrations: { IssueCertificateOrchestrator: ({ hostname: h }) => issued(h) },
    });
    const children = result.calls.flatMap((c) => (c.kind === 'subOrchestration' ? [c.instanceId] : []));
    expect(children).toEqual(['renew-due1-renew-test-20300105T010203', 'renew-due2-renew-test-20300105T010203', 'renew-due3-renew-test-20300105T010203']);
    // Bounded concurrency: two Task.all rounds for three certificates; the gateway's address read once for all.
    expect(result.calls.filter((c) => c.kind === 'all')).toHaveLength(2);
    expect(result.activityNames().filter((n) => n === 'getGatewayPublicIp')).toHaveLength(1);
    for (const call of result.calls.filter((c) => c.kind === 'subOrchestration')) expect(call.input).toMatchObject({ gatewayAddresses: { ip: GATEWAY_IP } });
    expect(result.inputsOf('startGatewayUpdate')).toHaveLength(1);
    expect(result.inputsOf('startGatewayUpdate')[0]?.force).toBe(true);
    const report = result.output as {
      renewed: unknown[];
      skipped: Array<{ certificateName: string }>;
      failed: Array<{ certificateName: string; error: string }>;
      expiringImported: Array<{ certificateName: string }>;
      gatewayRefreshed: boolean;
    };
    expect(report.renewed).toHaveLength(3);
    expect(report.skipped.map((s) => s.certificateName)).toEqual(['fresh']);
    expect(report.failed).toEqual([expect.objectContaining({ certificateName: 'badtag', error: 'InvalidInput' })]);
    expect(report.expiringImported.map((s) => s.certificateName)).toEqual(['mine']);
    expect(report.gatewayRefreshed).toBe(true);
    expect(result.lastStatus).toMatchObject({
      status: 'Completed',
      error: 'SomeCertificatesFailed',
      message: '3 renewed, 1 not due, 1 failed, 1 imported near expiry',
    });
  });

  it("reports every due certificate failed with the gateway read's code when the gateway's address cannot be read", () => {
    const result = runOrchestrator(renewCertificatesOrchestrator, {
      name: Orchestrators.RenewCertificates,
      input: { force: false, refreshGateway: true, concurrency: 2, gateway: GATEWAY },
      activities: {
        listManagedCertificates: () => ({ ok: true, certificates: [cert('due1', {}), cert('due2', {}), cert('fresh', { due: false, reason: 'not due' })] }),
        ...gatewayActivities({ getGatewayPublicIp: () => ({ ok: false, code: 'ApplicationGatewayNotFound', message: 'no gateway' }) }),
      },
      subOrchestrations: { IssueCertificateOrchestrator: ({ hostname: h }) => issued(h) },
    });
    expect(result.calls.filter((c) => c.kind === 'subOrchestration')).toEqual([]);
    expect(result.activityNames()).toEqual(['listManagedCertificates', 'getGatewayPublicIp']);
    const report = result.output as { failed: Array<{ certificateName: string; error: string }>; skipped: unknown[] };
    expect(report.failed.map((f) => [f.certificateName, f.error])).toEqual([
      ['due1', 'ApplicationGatewayNotFound'],
      ['due2', 'ApplicationGatewayNotFound'],
    ]);
    expect(report.skipped).toHaveLength(1);
  });

  it('ends Failed when the certificates cannot be listed', () => {
    const result = runOrchestrator(renewCertificatesOrchestrator, {
      name: Orchestrators.RenewCertificates,
      input: { force: true, refreshGateway: false, concurrency: 4, gateway: GATEWAY },
      activities: {
        listManagedCertificates: () => {
          throw activityFailure('KeyVaultError', 'Listing certificates failed (HTTP 503)');
        },
      },
    });
    expect(result.lastStatus).toMatchObject({ status: 'Failed', error: 'KeyVaultError' });
  });
});
