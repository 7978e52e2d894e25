/**
 * A hostname longer than 64 octets: the CSR never carries it as a CN (RFC 5280 ub-common-name; CAs
 * refuse it at finalize, after the validation was spent), so it is issued with the name in the SAN
 * alone. The ACME proxy in front of Pebble enforces the CA's rule, since Pebble does not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import forge from 'node-forge';
import { AcmeProxy, startAcmeProxy } from '../../devstack/acme/acmeProxy';
import { AppOnStack, post, randomHostname, servedCertificate, startAppOnStack } from '../../devstack/stack/appOnStack';
import { loadCa } from '../../devstack/tls/testCa';
import { baselineClient, baselineIssue } from '../../bench/baseline';
import { withSetting } from './appFixture';

/** 86 characters, as in the report. */
function longHostname(): string {
  const tail = randomHostname('x');
  return `${'l'.repeat(40)}.${'m'.repeat(86 - 40 - 2 - tail.length)}.${tail}`;
}

describe('a hostname longer than 64 octets', () => {
  let app: AppOnStack;
  let proxy: AcmeProxy;
  let restore: () => void;
  beforeAll(async () => {
    app = await startAppOnStack();
    proxy = await startAcmeProxy({ ca: loadCa(), upstreamDirectoryUrl: app.stack.pebble.directoryUrl });
    restore = withSetting('AcmeEndpoint', proxy.directoryUrl);
  });
  afterAll(async () => {
    restore?.();
    await proxy?.stop();
    await app?.stop();
  });

  it('the CA refuses a CSR whose CN is the whole name (what the app used to send)', async () => {
    const host = longHostname();
    const client = await baselineClient({ ...app.stack, pebble: { ...app.stack.pebble, directoryUrl: proxy.directoryUrl } });
    await expect(baselineIssue(app.stack, client, host)).rejects.toThrow(/CN was longer than 64 bytes/);
  });

  it('is issued and served, with no CN in the CSR and the name in its SAN', async () => {
    const host = longHostname();
    expect(host).toHaveLength(86);
    const response = await post(app.harness, 'AddCertificateFunctions_HttpStart', { hostnames: [{ hostname: host }] });
    expect(response.status, response.body).toBe(202);
    const final = await app.harness.waitForCompletion(response.json().id, { timeoutMs: 90_000 });
    expect(final.runtimeStatus, JSON.stringify(final.customStatus)).toBe('Completed');
    const csr = forge.pki.certificationRequestFromPem(proxy.finalizedCsrs.at(-1) ?? '');
    expect(csr.subject.getField('CN')).toBeNull();
    const san = (csr.getAttribute({ name: 'extensionRequest' })?.extensions as Array<{ name: string; altNames?: Array<{ value: string }> }> | undefined)?.find(
      (e) => e.name === 'subjectAltName',
    );
    expect(san?.altNames?.map((a) => a.value)).toEqual([host]);
    const served = await servedCertificate(app.stack.dataPlane.httpsPort, host);
    expect(served.subjectAltName).toBe(`DNS:${host}`);
  });
});
