/**
 * The Durable extension fails an orchestration whose custom status is over 16 KB of UTF-16
 * (8,703 code units of JSON pass, 8,704 fail: MessagePayloadDataConverter). The worst cases the
 * issue names must fit: MaxHostnamesPerRequest hostnames of 253 characters all failing with the
 * longest message, and a renewal over 1,000 certificates.
 */
import { describe, expect, it } from 'vitest';
import type { ManagedCertificate } from '../../../lib/activityContracts';
import { MAX_HOSTNAMES_PER_REQUEST_LIMIT } from '../../../lib/config';
import { Orchestrators } from '../../../orchestrators/contracts';
import { issueCertificatesOrchestrator } from '../../../orchestrators/issueCertificates';
import { renewCertificatesOrchestrator } from '../../../orchestrators/renewCertificates';
import { hostname } from '../../fixtures/hostnames';
import { runOrchestrator } from './fakeContext';
import { GATEWAY, gatewayActivities } from './gatewayScript';

const LIMIT_CODE_UNITS = 8703;
const longest = (statuses: unknown[]) => Math.max(...statuses.map((s) => JSON.stringify(s).length));

/** A valid 253-character hostname, distinct per index. */
function longHostname(i: number) {
  const head = `h${i}`.padEnd(63, 'a');
  return hostname(`${head}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(253 - 63 * 3 - 3 - 5)}.test`);
}

describe('custom status stays under the 16 KB the host allows', () => {
  it(`for ${MAX_HOSTNAMES_PER_REQUEST_LIMIT} hostnames of 253 characters all failing with the longest message`, () => {
    const hosts = Array.from({ length: MAX_HOSTNAMES_PER_REQUEST_LIMIT }, (_, i) => longHostname(i));
    expect(hosts.every((h) => h.length === 253)).toBe(true);
    const result = runOrchestrator(issueCertificatesOrchestrator, {
      name: Orchestrators.IssueCertificates,
      input: { hostnames: hosts, gateway: GATEWAY },
      activities: gatewayActivities(),
      subOrchestrations: {
        IssueCertificateOrchestrator: ({ hostname: h }) => ({
          result: { ok: false, code: 'ApplicationGatewayListenerShadowed', message: `${h} ${'x'.repeat(5000)}` },
        }),
      },
    });
    expect(result.statuses.length).toBeGreaterThan(MAX_HOSTNAMES_PER_REQUEST_LIMIT);
    expect(longest(result.statuses)).toBeLessThanOrEqual(LIMIT_CODE_UNITS);
    // The details are not lost: the output (not size-limited) has every hostname's message.
    expect(result.error?.message).toMatch(/SomeCertificatesFailed/);
    for (const h of hosts.slice(0, 3)) expect(result.error?.message).toContain(`"hostname":"${h}","error":"ApplicationGatewayListenerShadowed"`);
  });

  it('for a renewal over 1,000 certificates, with failures', () => {
    const certs: ManagedCertificate[] = Array.from({ length: 1000 }, (_, i) => ({
      certificateName: `c${i}`,
      hostnames: [longHostname(i)],
      source: 'acme',
      version: 'v1',
      thumbprint: 'T',
      notBefore: '2029-01-01T00:00:00.000Z',
      notAfter: '2030-02-01T00:00:00.000Z',
      renewAfter: '2029-12-01T00:00:00.000Z',
      due: true,
      reason: 'due',
      pendingOperation: false,
    }));
    const result = runOrchestrator(renewCertificatesOrchestrator, {
      name: Orchestrators.RenewCertificates,
      input: { force: false, refreshGateway: true, concurrency: 50, gateway: GATEWAY },
      activities: { listManagedCertificates: () => ({ ok: true, certificates: certs }), ...gatewayActivities() },
      subOrchestrations: {
        IssueCertificateOrchestrator: ({ hostname: h }) => ({ result: { ok: false, code: 'AcmeOrderInvalid', message: `${h} ${'y'.repeat(3000)}` } }),
      },
    });
    expect(longest(result.statuses)).toBeLessThanOrEqual(LIMIT_CODE_UNITS);
    expect(result.lastStatus).toMatchObject({ status: 'Completed', counts: { renewed: 0, failed: 1000 } });
    expect((result.output as { failed: unknown[] }).failed).toHaveLength(1000);
  });
});
