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

  it('completes both with every listener present: no lost update, no PUT cancelling another', async () => {
    const batchA = [randomHostname('a1'), randomHostname('a2')];
    const batchB = [randomHostname('b1'), randomHostname('b2')];
    const putsBefore = app.stack.arm.putCount;
    const canceledBefore = app.stack.arm.canceledPuts;
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
    // The per-gateway write queue coalesces the two batches: at most one PUT each, none cancelling another.
    expect(app.stack.arm.putCount - putsBefore).toBeGreaterThanOrEqual(1);
    expect(app.stack.arm.putCount - putsBefore).toBeLessThanOrEqual(2);
    expect(app.stack.arm.canceledPuts - canceledBefore).toBe(0);
    expect(app.stack.arm.maxConcurrentPutsSeen).toBe(1);
  });
});
