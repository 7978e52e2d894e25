/**
 * The bundle a publish deploys (dist/main.js), run on the local stack instead of the sources: its
 * starters, orchestrations, entities and activities issue and bind a certificate, and its lazily
 * evaluated dependencies (scripts/build.ts: the durable client's HTTP stack, the SDKs) load when used.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppOnStack, post, randomHostname, servedCertificate, startAppOnStack } from '../../devstack/stack/appOnStack';
import { buildApp } from '../../scripts/build';

describe('the deployed bundle on the local stack', () => {
  let app: AppOnStack;
  beforeAll(async () => {
    app = await startAppOnStack({ entry: await buildApp() });
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
  });

  it('was loaded instead of the sources', () => {
    const sources = Object.keys(require.cache).filter((f) => /[\\/]functions[\\/]index\.ts$/.test(f));
    expect(sources).toEqual([]);
    expect(Object.keys(require.cache).some((f) => /[\\/]dist[\\/]main\.js$/.test(f))).toBe(true);
  });

  it('issues, binds and serves a certificate: the starter, the orchestration and its timers use the lazily evaluated dependencies', async () => {
    const host = randomHostname('bundle');
    const response = await post(app.harness, 'AddCertificateFunctions_HttpStart', { hostnames: [{ hostname: host }] });
    expect(response.status, response.body).toBe(202);
    const final = await app.harness.waitForCompletion(response.json().id, { timeoutMs: 120_000 });
    expect(final.runtimeStatus, JSON.stringify(final.customStatus)).toBe('Completed');
    const served = await servedCertificate(app.stack.dataPlane.httpsPort, host);
    expect(served.subjectAltName).toBe(`DNS:${host}`);
  });
});
