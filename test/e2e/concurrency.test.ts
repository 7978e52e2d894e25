import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppOnStack, post, randomHostname, startAppOnStack } from '../../devstack/stack/appOnStack';
import { listenersFor } from './appFixture';

describe('fault 6: two multi-hostname requests against one gateway at once', () => {
  let app: AppOnStack;
  beforeAll(async () => {
    app = await startAppOnStack();
    // A slower update widens the window in which the second writer finds the gateway busy.
    app.stack.arm.setPutDurationMs(300);
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('completes both with every listener present: no lost update, no overlapping accepted PUT', async () => {
    const batchA = [randomHostname('a1'), randomHostname('a2')];
    const batchB = [randomHostname('b1'), randomHostname('b2')];
    const putsBefore = app.stack.arm.putCount;
    const [ra, rb] = await Promise.all([
      post(app.harness, 'AddMultipleCertificatesFunctions_HttpStart', { hostnames: batchA.map((hostname) => ({ hostname })) }),
      post(app.harness, 'AddMultipleCertificatesFunctions_HttpStart', { hostnames: batchB.map((hostname) => ({ hostname })) }),
    ]);
    const [fa, fb] = await Promise.all([
      app.harness.waitForCompletion(ra.json().id, { timeoutMs: 120_000 }),
      app.harness.waitForCompletion(rb.json().id, { timeoutMs: 120_000 }),
    ]);
    expect(fa.runtimeStatus, JSON.stringify(fa.customStatus)).toBe('Completed');
    expect(fb.runtimeStatus, JSON.stringify(fb.customStatus)).toBe('Completed');
    for (const host of [...batchA, ...batchB]) expect(listenersFor(app, host), host).toHaveLength(1);
    // One accepted PUT per batch; any other attempt was refused by the gateway (409/412), never applied over the other.
    expect(app.stack.arm.putCount).toBe(putsBefore + 2);
    for (const rejected of app.stack.arm.rejectedPuts) expect(['AnotherOperationInProgress', 'PreconditionFailed']).toContain(rejected.code);
  });
});
