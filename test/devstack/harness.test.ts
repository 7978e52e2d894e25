/**
 * The durable host harness against a small sample app: orchestrations go through
 * durable-functions' own replay engine, activities and HTTP starters are the real handlers.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DurableHarness, HarnessError, installFakeFunctionsCore, type DurableHarnessOptions, type Registry } from '../../devstack/host';

type SampleApp = typeof import('./fixtures/sampleApp');

let registry: Registry;
let sample: SampleApp;
const harnesses: DurableHarness[] = [];

beforeAll(async () => {
  registry = installFakeFunctionsCore();
  // Installing twice must be harmless (several test files or helpers may do it).
  expect(installFakeFunctionsCore()).toBe(registry);
  // Imported only now: @azure/functions looks for @azure/functions-core on the first registration.
  sample = await import('./fixtures/sampleApp');
});

afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

function harness(options: Partial<DurableHarnessOptions> = {}): DurableHarness {
  const h = new DurableHarness({ registry, startTime: new Date('2030-01-01T00:00:00Z'), ...options });
  harnesses.push(h);
  return h;
}

describe('DurableHarness', () => {
  it('runs an orchestration with an activity, a retried activity, a timer, a sub-orchestration and a fan-out', async () => {
    const h = harness();
    const start = h.now().getTime();
    const key = randomUUID();
    sample.doubleConcurrency.max = 0;

    const id = await h.startNew(sample.Names.main, { input: { name: 'Ada', key } });
    const status = await h.waitForCompletion(id, { timeoutMs: 10_000 });

    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toEqual({ greeting: 'Hello Ada', attempts: 3, waited: sample.WAIT_MS, childResult: 'HELLO ADA (CHILD)', doubled: [2, 4, 6] });
    expect(sample.runs.get(`flaky:${key}`)).toBe(3);
    // Two retry delays (1 s, then 2 s with backoff 2) and the 60 s durable timer; nothing else moves time.
    expect(h.now().getTime() - start).toBe(1_000 + 2_000 + sample.WAIT_MS);
    const timerFireOffsets = status.history.filter((e) => e.EventType === 10).map((e) => Date.parse(String(e.FireAt)) - start);
    expect(timerFireOffsets).toEqual([1_000, 3_000, 3_000 + sample.WAIT_MS]);
    expect(h.customStatusHistory(id)).toEqual(['greeting', 'retrying', 'waiting', 'child', 'fan-out', 'done'].map((step) => ({ step })));
    expect(h.getStatus(`${id}:child`)).toMatchObject({ runtimeStatus: 'Completed', output: 'HELLO ADA (CHILD)', input: 'Ada' });
    expect(sample.doubleConcurrency.max).toBe(3);
    // Activity logs are captured with their function name; orchestration logs guarded by isReplaying appear once.
    expect(h.logs).toContainEqual({ functionName: sample.Names.greet, level: 'information', message: 'greeting Ada', instanceId: id });
    expect(h.logs.filter((l) => l.message === 'main orchestration finished')).toHaveLength(1);
    // Every episode is bracketed by OrchestratorStarted / OrchestratorCompleted.
    const brackets = status.history.filter((e) => e.EventType === 12 || e.EventType === 13).map((e) => e.EventType);
    expect(brackets.length).toBeGreaterThan(2);
    expect(brackets.every((t, i) => t === (i % 2 === 0 ? 12 : 13))).toBe(true);
  });

  it('refuses a time scale or an activity limit that is not a finite number above zero', () => {
    for (const bad of [Number.NaN, 0, -1, Number.POSITIVE_INFINITY]) {
      expect(() => harness({ realTimeScale: bad })).toThrow(/realTimeScale must be a finite number above 0/);
      expect(() => harness({ maxConcurrentActivityFunctions: bad })).toThrow(/maxConcurrentActivityFunctions must be/);
    }
    expect(() => harness({ maxConcurrentActivityFunctions: 2.5 })).toThrow(/maxConcurrentActivityFunctions must be a whole number above 0/);
  });

  it("runs at most host.json's maxConcurrentActivityFunctions activities at once; the rest wait their turn and all complete", async () => {
    const h = harness({ maxConcurrentActivityFunctions: 2 });
    sample.doubleConcurrency.max = 0;
    const id = await h.startNew(sample.Names.main, { input: { name: 'Lin', key: randomUUID() } });
    const status = await h.waitForCompletion(id, { timeoutMs: 10_000 });
    expect(status.output).toMatchObject({ doubled: [2, 4, 6] });
    expect(sample.doubleConcurrency.max).toBe(2);
  });

  it('starts no queued activity once closed, as a stopping host takes nothing more from its queue', async () => {
    const h = harness({ maxConcurrentActivityFunctions: 1 });
    sample.doubleConcurrency.started = 0;
    await h.startNew(sample.Names.main, { input: { name: 'Ivo', key: randomUUID() } });
    // The fan-out of three waits for the one slot: close while the first runs.
    await vi.waitFor(() => expect(sample.doubleConcurrency.current).toBe(1), { timeout: 5_000, interval: 1 });
    await h.close();
    expect(sample.doubleConcurrency.started).toBe(1);
    expect(sample.doubleConcurrency.current).toBe(0);
  });

  it("fires timers on wall time in 'wallClock' mode, while other work still runs; the default mode waits for quiet", async () => {
    for (const [mode, expectDoneWhileBlocked] of [
      ['wallClock', true],
      ['quiescent', false],
    ] as const) {
      const h = harness({ timerMode: mode, maxRealTimerDelayMs: 5 });
      sample.closeGate();
      const blocked = await h.startNew(sample.Names.gatedOrchestrator);
      const timed = await h.startNew(sample.Names.main, { input: { name: 'Bo', key: randomUUID() } });
      const finishedWhileBlocked = await h.waitForCompletion(timed, { timeoutMs: 1_500 }).then(
        () => true,
        () => false,
      );
      expect(finishedWhileBlocked, mode).toBe(expectDoneWhileBlocked);
      expect(h.getStatus(blocked).runtimeStatus).toBe('Running');
      sample.gate.open();
      expect((await h.waitForCompletion(blocked, { timeoutMs: 5_000 })).output).toBe('through');
      expect((await h.waitForCompletion(timed, { timeoutMs: 5_000 })).runtimeStatus).toBe('Completed');
    }
  });

  it('fails the orchestration with the activity error message when an activity fails without retry', async () => {
    const h = harness();
    const id = await h.startNew(sample.Names.failing);
    const status = await h.waitForCompletion(id);

    expect(status.runtimeStatus).toBe('Failed');
    expect(String(status.output)).toContain(`Orchestrator function '${sample.Names.failing}' failed`);
    expect(String(status.output)).toContain(`Activity function '${sample.Names.explode}' failed: [GatewayBusy] the gateway refused the update`);
    expect(h.customStatusHistory(id)).toEqual(['updating-gateway']);
  });

  it('serves an HTTP starter: 202 with management URLs, and the instance completes', async () => {
    const h = harness();
    const key = randomUUID();
    const response = await h.callHttp(sample.Names.start, {
      method: 'POST',
      url: `https://robot.example.net/api/orchestrators/${sample.Names.main}`,
      body: { name: 'Grace', key },
    });

    expect(response.status).toBe(202);
    const links = response.json() as Record<string, string>;
    expect(links.id).toMatch(/^[0-9a-f]{32}$/);
    expect(response.headers.location).toBe(links.statusQueryGetUri);
    const statusUri = new URL(links.statusQueryGetUri ?? '');
    expect(statusUri.origin).toBe('https://robot.example.net');
    expect(statusUri.pathname).toBe(`/runtime/webhooks/durabletask/instances/${links.id}`);
    expect(statusUri.searchParams.get('taskHub')).toBe('TestHubName');
    expect(statusUri.searchParams.get('connection')).toBe('Storage');
    expect(statusUri.searchParams.get('code')).toBeTruthy();
    expect(links.sendEventPostUri).toContain(`/instances/${links.id}/raiseEvent/{eventName}?`);
    expect(links.terminatePostUri).toContain(`/instances/${links.id}/terminate?reason={text}&`);
    expect(links.purgeHistoryDeleteUri).toContain(`/instances/${links.id}?taskHub=`);

    const status = await h.waitForCompletion(links.id ?? '');
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.input).toEqual({ name: 'Grace', key });

    // The client's getStatus goes over the RPC API; the webhook URL is served too.
    const viaFunction = await h.callHttp(sample.Names.status, { method: 'GET', url: `http://localhost:7071/api/status/${links.id}` });
    expect(viaFunction.status).toBe(200);
    expect(viaFunction.json()).toMatchObject({ runtimeStatus: 'Completed', customStatus: { step: 'done' } });
    const polled = await fetch(h.resolveWebhookUrl(links.statusQueryGetUri ?? ''));
    expect(polled.status).toBe(200);
    expect(await polled.json()).toMatchObject({ instanceId: links.id, runtimeStatus: 'Completed' });

    // Wrong method: the host finds no matching function.
    expect((await h.callHttp(sample.Names.start, { method: 'GET', url: 'http://localhost:7071/api/orchestrators/x' })).status).toBe(404);
  });

  it('delivers external events raised through the harness and through the durable client', async () => {
    const h = harness();
    const direct = await h.startNew(sample.Names.approval);
    await vi.waitFor(() => expect(h.getStatus(direct).customStatus).toBe('awaiting-approval'));
    await h.raiseEvent(direct, 'Approval', { approved: true, by: 'ops' });
    expect((await h.waitForCompletion(direct)).output).toEqual({ approved: true, by: 'ops' });
    expect(h.customStatusHistory(direct)).toEqual(['awaiting-approval', 'approved']);

    const viaClient = await h.startNew(sample.Names.approval, { instanceId: `approval-${randomUUID()}` });
    await vi.waitFor(() => expect(h.getStatus(viaClient).runtimeStatus).toBe('Running'));
    const raised = await h.callHttp(sample.Names.approve, {
      method: 'POST',
      url: `http://localhost:7071/api/approvals/${viaClient}`,
      body: { approved: false, by: 'security' },
    });
    expect(raised.status).toBe(202);
    const status = await h.waitForCompletion(viaClient);
    expect(status.output).toEqual({ approved: false, by: 'security' });
    expect(h.customStatusHistory(viaClient)).toEqual(['awaiting-approval', 'rejected']);
  });

  it('replays after a simulated host crash: the activity runs twice, the orchestration completes once', async () => {
    const h = harness({ crashAfterActivity: (name, attempt) => name === sample.Names.countRun && attempt === 1 });
    const key = randomUUID();
    const id = await h.startNew(sample.Names.crashy, { input: key });
    const status = await h.waitForCompletion(id);

    expect(status.runtimeStatus).toBe('Completed');
    expect(sample.runs.get(`count:${key}`)).toBe(2);
    expect(status.output).toEqual({ runsSeenByOrchestrator: 2 });
    expect(status.history.filter((e) => e.EventType === 4)).toHaveLength(1); // TaskScheduled
    expect(status.history.filter((e) => e.EventType === 5)).toHaveLength(1); // TaskCompleted
    expect(status.history.filter((e) => e.EventType === 1)).toHaveLength(1); // ExecutionCompleted
    expect(h.logs.some((l) => l.level === 'harness' && l.message.includes('crashed'))).toBe(true);
  });

  it('records the registrations with their trigger metadata', () => {
    const httpFunctions = registry.byTriggerType('httpTrigger');
    expect(httpFunctions.map((f) => f.name).sort()).toEqual([sample.Names.approve, sample.Names.start, sample.Names.status].sort());
    expect(httpFunctions.filter((f) => f.trigger.authLevel === 'anonymous')).toEqual([]);
    expect(registry.get(sample.Names.start)?.trigger).toMatchObject({
      type: 'httpTrigger',
      authLevel: 'function',
      methods: ['POST'],
      route: 'orchestrators/{orchestratorName}',
    });
    expect(registry.get(sample.Names.status)?.trigger.authLevel).toBe('admin');
    expect(registry.get(sample.Names.status)?.extraInputs.map((b) => b.type)).toEqual(['durableClient']);
    expect(registry.get(sample.Names.nightly)?.trigger).toMatchObject({ type: 'timerTrigger', schedule: '0 0 3 * * *' });
    expect(registry.get(sample.Names.main)?.triggerType).toBe('orchestrationTrigger');
    expect(registry.get(sample.Names.greet)?.triggerType).toBe('activityTrigger');
  });

  it('invokes timer functions with a durable client, and terminates and purges instances', async () => {
    const h = harness();
    await h.callTimer(sample.Names.nightly);
    await vi.waitFor(() => expect(h.getStatus('nightly-approval').runtimeStatus).toBe('Running'));

    await h.terminate('nightly-approval', 'no longer needed');
    const status = await h.waitForCompletion('nightly-approval');
    expect(status).toMatchObject({ runtimeStatus: 'Terminated', output: 'no longer needed' });
    expect(await h.purge('nightly-approval')).toBe(true);
    expect(h.has('nightly-approval')).toBe(false);
  });

  it('gives real time to timers up to maxRealTimerDelayMs', async () => {
    const h = harness({ maxRealTimerDelayMs: 60 });
    const started = Date.now();
    const id = await h.startNew(sample.Names.main, { input: { name: 'Lin', key: randomUUID() } });
    expect((await h.waitForCompletion(id)).runtimeStatus).toBe('Completed');
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 60 - 5); // three timers
  });

  it('refuses loudly what it does not emulate', async () => {
    const h = harness();
    const id = await h.startNew(sample.Names.durableHttp);
    await expect(h.waitForCompletion(id)).rejects.toThrow(HarnessError);
    await expect(h.waitForCompletion(id)).rejects.toThrow(/CallHttp/);
  });
});
