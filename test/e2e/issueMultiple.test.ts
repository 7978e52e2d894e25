import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppOnStack, post, randomHostname, servedCertificate, startAppOnStack } from '../../devstack/stack/appOnStack';
import { challengeBlobNames, listenersFor, rulesFor, gatewayJson } from './appFixture';
import { keyVaultCertificateName } from '../../lib/naming';
import { hostname as asHostname } from '../fixtures/hostnames';
import { EventType } from '../../devstack/host/wire';

const MULTI = 'AddMultipleCertificatesFunctions_HttpStart';

describe('issuing several certificates in one request', () => {
  let app: AppOnStack;
  beforeAll(async () => {
    app = await startAppOnStack();
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('issues each hostname (one through a two-hop CNAME chain) and binds all of them with one gateway PUT', async () => {
    const [a, b, viaCname] = [randomHostname('a'), randomHostname('b'), randomHostname('alias')];
    const hop = randomHostname('hop');
    const target = randomHostname('gw');
    await app.stack.pebble.setCname(viaCname, hop);
    await app.stack.pebble.setCname(hop, target);
    await app.stack.pebble.setARecord(target, app.stack.gatewayIp);
    const putsBefore = app.stack.arm.putCount;

    const response = await post(app.harness, MULTI, { hostnames: [{ hostname: a }, { hostname: b }, { hostname: viaCname }] });
    expect(response.status).toBe(202);
    const final = await app.harness.waitForCompletion(response.json().id, { timeoutMs: 90_000 });
    expect(final.runtimeStatus, JSON.stringify(final.customStatus)).toBe('Completed');
    expect(final.customStatus).toMatchObject({ status: 'Completed', error: null });
    // Progress is published per hostname as each child ends, before the single gateway update.
    const progress = app.harness.customStatusHistory(response.json().id) as Array<{
      status: string;
      message: string;
      counts: { issued: number; pending: number };
      hostnames: string[];
    }>;
    // (Two children ending in the same replay episode publish one status, so not every count is seen.)
    const partial = progress.filter((p) => p.status === 'IssueCertificatesStep' && /^[12] of 3/.test(p.message));
    // The batch reads its children in request order: a partial count is published by every episode
    // that ends with some, but not all, of the children ended from the first one on.
    const requestOrder = final.history.filter((e) => e.EventType === EventType.SubOrchestrationInstanceCreated).map((e) => e.EventId);
    const ended = new Set<unknown>();
    let partialPrefixEpisodes = 0;
    for (const e of final.history) {
      if (e.EventType === EventType.SubOrchestrationInstanceCompleted) ended.add(e.TaskScheduledId);
      if (e.EventType !== EventType.OrchestratorCompleted) continue;
      const prefix = requestOrder.findIndex((id) => !ended.has(id));
      if (prefix > 0) partialPrefixEpisodes += 1;
    }
    expect(partial.length > 0).toBe(partialPrefixEpisodes > 0);
    for (const p of partial) {
      const done = Number(p.message[0]);
      // Issued children wait for the batch's single bind.
      expect(p.hostnames.filter((state) => state === 'Issued')).toHaveLength(done);
      expect(p.counts.issued).toBe(done);
    }
    // customStatus: counts and one state per hostname in request order; the output has the details.
    expect(final.customStatus).toMatchObject({
      counts: { pending: 0, issued: 0, completed: 3, failed: 0 },
      hostnames: ['Completed', 'Completed', 'Completed'],
    });
    for (const host of [a, b, viaCname]) {
      expect((final.output as any).hostnames[host]).toMatchObject({ status: 'Completed' });
      const listeners = listenersFor(app, host);
      expect(listeners).toHaveLength(1);
      expect(rulesFor(app, listeners[0].id)).toHaveLength(1);
      const versions = app.stack.keyVault.certificateVersions(keyVaultCertificateName(asHostname(host)));
      expect(versions).toHaveLength(1);
      const served = await servedCertificate(app.stack.dataPlane.httpsPort, host);
      expect(served.fingerprint.replace(/:/g, '').toLowerCase()).toBe(versions[0]!.thumbprintHex.toLowerCase());
    }
    expect(app.stack.arm.putCount).toBe(putsBefore + 1);
    expect((await challengeBlobNames(app)).length).toBe(0);
    const priorities = gatewayJson(app).properties.requestRoutingRules.map((r: any) => r.properties.priority);
    expect(new Set(priorities).size).toBe(priorities.length);
  });

  it('issues and binds the good hostnames when one of three does not resolve to the gateway', async () => {
    const [good1, bad, good2] = [randomHostname('ok1'), randomHostname('elsewhere'), randomHostname('ok2')];
    await app.stack.pebble.setARecord(bad, '127.0.0.9');
    const putsBefore = app.stack.arm.putCount;
    const response = await post(app.harness, MULTI, { hostnames: [{ hostname: good1 }, { hostname: bad }, { hostname: good2 }] });
    const final = await app.harness.waitForCompletion(response.json().id, { timeoutMs: 90_000 });
    expect(final.runtimeStatus).toBe('Completed');
    const status = final.customStatus as any;
    expect(status.error).toBe('SomeCertificatesFailed');
    expect(status).toMatchObject({
      counts: { completed: 2, failed: 1, pending: 0 },
      hostnames: ['Completed', 'Failed:HostnameNotResolvingToApplicationGateway', 'Completed'],
    });
    const details = (final.output as any).hostnames;
    expect(details[bad]).toMatchObject({ status: 'Failed', error: 'HostnameNotResolvingToApplicationGateway', message: expect.stringContaining(bad) });
    expect(details[good1]).toMatchObject({ status: 'Completed' });
    expect(details[good2]).toMatchObject({ status: 'Completed' });
    expect(listenersFor(app, good1)).toHaveLength(1);
    expect(listenersFor(app, good2)).toHaveLength(1);
    expect(listenersFor(app, bad)).toHaveLength(0);
    expect(app.stack.keyVault.certificateNames()).not.toContain(keyVaultCertificateName(asHostname(bad)));
    expect(app.stack.arm.putCount).toBe(putsBefore + 1);
  });

  it("survives the host's 16 KB custom-status limit with 50 hostnames of 253 characters that all fail", async () => {
    const tag = randomHostname('big').split('.')[0]!.slice(0, 20);
    const hosts = Array.from(
      { length: 50 },
      (_, i) => `${`${tag}${i}`.padEnd(63, 'a')}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(253 - 63 * 3 - 3 - 5)}.test`,
    );
    const response = await post(app.harness, MULTI, { hostnames: hosts.map((hostname) => ({ hostname })) });
    expect(response.status, response.body).toBe(202);
    const final = await app.harness.waitForCompletion(response.json().id, { timeoutMs: 180_000 });
    // Failed by its own verdict (every hostname failed), not by the host refusing a large status.
    expect(final.runtimeStatus).toBe('Failed');
    expect(final.customStatus).toMatchObject({ status: 'Failed', error: 'SomeCertificatesFailed', counts: { failed: 50 } });
    expect(JSON.stringify(final.customStatus).length).toBeLessThanOrEqual(8703);
  }, 240_000);
});
