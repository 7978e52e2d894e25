/**
 * Durable entities in the durable host harness: entities registered with the real `df.app.entity`,
 * called and signalled through the real `callEntity` / `signalEntity` / `lock`, replayed by
 * durable-functions' own replay engine (fixtures/entityApp.ts).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../devstack/host';
import { harnessSuite } from './fixtures/harnessSuite';

const suite = harnessSuite(() => import('./fixtures/entityApp'));
const harness = suite.harness;

const counter = (key: string) => ({ name: 'entCounter', key });
const EventSent = 14;
const EventRaised = 15;

/** Per batch (invocation) of one entity: when its first operation started and its last ended. */
function batchesOf(key: string): Array<{ invocationId: string; size: number; start: number; end: number }> {
  const byInvocation = new Map<string, { invocationId: string; size: number; start: number; end: number }>();
  for (const op of suite.app.operationsOf(key)) {
    const batch = byInvocation.get(op.invocationId) ?? { invocationId: op.invocationId, size: 0, start: op.start, end: op.end };
    batch.size++;
    batch.start = Math.min(batch.start, op.start);
    batch.end = Math.max(batch.end, op.end);
    byInvocation.set(op.invocationId, batch);
  }
  return [...byInvocation.values()].sort((a, b) => a.start - b.start);
}

describe('DurableHarness entities', () => {
  it('registers entities through df.app.entity with an entityTrigger binding', () => {
    expect(suite.registry.get(suite.app.Names.counter)?.triggerType).toBe('entityTrigger');
    expect(suite.registry.get(suite.app.Names.relay)?.triggerType).toBe('entityTrigger');
  });

  it('serializes concurrent calls: 10 callers see 10 distinct values, the counter ends at 10, batches of the entity never overlap', async () => {
    const h = harness();
    const key = randomUUID();
    const ids = await Promise.all(Array.from({ length: 10 }, () => h.startNew(suite.app.Names.addOnce, { input: { key } })));
    const outputs = await Promise.all(ids.map(async (id) => (await h.waitForCompletion(id)).output as number));

    expect([...outputs].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(h.getEntity(counter(key))).toEqual({ exists: true, state: 10 });
    const batches = batchesOf(key);
    expect(batches.reduce((n, b) => n + b.size, 0)).toBe(10);
    for (let i = 1; i < batches.length; i++) {
      expect(batches[i]!.start, `batch ${i} started before batch ${i - 1} ended`).toBeGreaterThanOrEqual(batches[i - 1]!.end);
    }
    // Requests that arrive while a batch runs wait and are coalesced into the next batch.
    expect(Math.max(...batches.map((b) => b.size))).toBeGreaterThan(1);
  });

  it('holds at most maxEntityOperationBatchSize operations in one batch', async () => {
    const h = harness({ maxEntityOperationBatchSize: 2 });
    const key = randomUUID();
    const ids = await Promise.all(Array.from({ length: 6 }, () => h.startNew(suite.app.Names.addOnce, { input: { key } })));
    for (const id of ids) await h.waitForCompletion(id);
    expect(h.getEntity(counter(key)).state).toBe(6);
    const sizes = batchesOf(key).map((b) => b.size);
    expect(
      sizes.every((size) => size <= 2),
      JSON.stringify(sizes),
    ).toBe(true);
    expect(sizes.length).toBeGreaterThanOrEqual(3);
  });

  it('writes EventSent (task id, request with its id) and answers with EventRaised named by that id', async () => {
    const h = harness();
    const key = randomUUID();
    const id = await h.startNew(suite.app.Names.addOnce, { input: { key } });
    const { history, output } = await h.waitForCompletion(id);
    expect(output).toBe(1);

    const sent = history.filter((e) => e.EventType === EventSent);
    expect(sent).toHaveLength(1);
    const request = JSON.parse(String(sent[0]!.Input)) as Record<string, unknown>;
    expect(sent[0]).toMatchObject({ EventId: 0, Name: 'op', InstanceId: `@entcounter@${key}` });
    expect(request).toMatchObject({ op: 'add', input: '1', parent: id });
    expect(Object.keys(request)).toEqual(['op', 'input', 'id', 'parent', 'parentExecution']);
    const raised = history.filter((e: HistoryEvent) => e.EventType === EventRaised);
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ Name: request.id, Input: JSON.stringify({ result: '1' }) });
  });

  it('returns an operation that throws to its caller as an error, and keeps its state change (a batch is not rolled back)', async () => {
    const h = harness();
    const key = randomUUID();
    const id = await h.startNew(suite.app.Names.failingCalls, { input: { key } });
    const status = await h.waitForCompletion(id);

    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toEqual({
      caught: [
        // Entity.js sends JSON.stringify(error): an Error becomes "{}", and the library raises Error({}).
        { isError: true, message: '[object Object]' },
        { isError: true, message: 'counter refused (string)' },
      ],
      after: 1100,
    });
    expect(h.getEntity(counter(key))).toEqual({ exists: true, state: 1100 });
    const responses = status.history.filter((e) => e.EventType === EventRaised).map((e) => JSON.parse(String(e.Input)));
    expect(responses.slice(0, 2)).toEqual([
      { result: '{}', exceptionType: 'Error' },
      { result: JSON.stringify('counter refused (string)'), exceptionType: 'Error' },
    ]);
  });

  it("delivers signals from orchestrations, from entities and from durable clients; one sender's messages arrive in order", async () => {
    const h = harness();
    const key = randomUUID();
    const id = await h.startNew(suite.app.Names.signalThenGet, { input: { key } });
    // The signal sent before the call is processed before it.
    expect((await h.waitForCompletion(id)).output).toBeGreaterThanOrEqual(5);
    await h.waitForIdle();
    // 5 (orchestration) + 7 (relayed by the relay entity) + 100 (signalled as the orchestration ended).
    expect(h.getEntity(counter(key))).toEqual({ exists: true, state: 112 });
    expect(h.getEntity({ name: suite.app.Names.relay, key })).toEqual({ exists: true, state: 1 });
    const sent = h.getStatus(id).history.filter((e) => e.EventType === EventSent);
    expect(sent.map((e) => [e.EventId, e.InstanceId])).toEqual([
      [0, `@entcounter@${key}`],
      [1, `@entrelay@${key}`],
      [2, `@entcounter@${key}`],
      [3, `@entcounter@${key}`],
    ]);
    expect(JSON.parse(String(sent[0]!.Input))).toMatchObject({ op: 'add', signal: true, input: '5' });

    await h.signalEntity(counter(key), 'add', 8);
    await h.waitForIdle();
    expect(h.getEntity(counter(key)).state).toBe(120);
  });

  it('serves readEntityState and signalEntity to a durable client', async () => {
    const h = harness();
    const key = randomUUID();
    const url = `http://localhost:7071/api/counters/${key}`;
    expect((await h.callHttp(suite.app.Names.entityHttp, { method: 'GET', url })).json()).toEqual({ exists: false, state: null });
    expect((await h.callHttp(suite.app.Names.entityHttp, { method: 'POST', url, body: { amount: 3 } })).status).toBe(202);
    await h.waitForIdle();
    expect((await h.callHttp(suite.app.Names.entityHttp, { method: 'GET', url })).json()).toEqual({ exists: true, state: 3 });
  });

  it('drops a call to an entity with no entity function, as the extension does: nothing is sent and the orchestration waits forever', async () => {
    // CallEntityAsync's check faults the call's task, which OutOfProcOrchestrationShim ignores (taskDispatch.ts).
    const h = harness();
    const id = await h.startNew(suite.app.Names.callUnknown);
    await expect(h.waitForCompletion(id, { timeoutMs: 300 })).rejects.toThrow(
      `task 0 never completes: the extension dropped the call to entity call 'get': The function 'entnosuchentity' doesn't exist, is disabled, or is not an entity function. ` +
        `Additional info: The following are the known entity functions: '${suite.app.Names.counter}', '${suite.app.Names.relay}'.`,
    );
    const status = h.getStatus(id);
    expect(status.runtimeStatus).toBe('Running');
    expect(status.history.filter((e) => e.EventType === EventSent)).toEqual([]);
  });

  it('keeps an entity call pending across a host crash after an activity: the replay reads it from history, nothing is lost or sent twice', async () => {
    const key = randomUUID();
    const h = harness({ crashAfterActivity: (name, attempt) => name === suite.app.Names.countRun && attempt === 1 });
    const status = await h.waitForCompletion(await h.startNew(suite.app.Names.crashy, { input: key }));

    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toEqual({ added: 1, run: 2, again: 1 });
    expect(suite.app.runs.get(key)).toBe(2);
    expect(suite.app.operationsOf(key).map((o) => o.operation)).toEqual(['add', 'get']);
    expect(h.getEntity(counter(key))).toEqual({ exists: true, state: 1 });
    expect(status.history.filter((e) => e.EventType === EventSent)).toHaveLength(2);
    expect(status.history.filter((e) => e.EventType === EventRaised)).toHaveLength(2);
    expect(status.history.filter((e) => e.EventType === 4)).toHaveLength(1); // TaskScheduled
    expect(h.logs.some((l) => l.level === 'harness' && l.message.includes('crashed'))).toBe(true);
  });

  it('runs a batch again after a host crash before its commit: the state changes once and the caller gets one answer', async () => {
    const key = randomUUID();
    const h = harness({ crashAfterEntityBatch: (entity, attempt) => entity.key === key && attempt === 1 });
    const status = await h.waitForCompletion(await h.startNew(suite.app.Names.addOnce, { input: { key } }));

    expect(status.output).toBe(1);
    expect(h.getEntity(counter(key))).toEqual({ exists: true, state: 1 });
    // The handler ran twice (the first batch's effects were lost with the host), from the same state.
    expect(suite.app.operationsOf(key).map((o) => o.operation)).toEqual(['add', 'add']);
    expect(new Set(suite.app.operationsOf(key).map((o) => o.invocationId)).size).toBe(2);
    expect(status.history.filter((e) => e.EventType === EventRaised)).toHaveLength(1);
  });

  it('stops an entity loudly when it signals an entity no function serves', async () => {
    const h = harness();
    const key = randomUUID();
    await h.signalEntity({ name: suite.app.Names.relay, key }, 'forward', { key, amount: 1, target: 'entNowhere' });
    await expect(h.waitForIdle()).rejects.toThrow(/@entrelay@.* signalled @entnowhere@.*doesn't exist, is disabled, or is not an entity function/);
  });

  it('refuses a client signal to an unknown entity or with a key the extension rejects', async () => {
    const h = harness();
    await expect(h.signalEntity({ name: 'entNowhere', key: 'k' }, 'add')).rejects.toThrow(/'entnowhere' doesn't exist/);
    await expect(h.signalEntity(counter('a/b'), 'add')).rejects.toThrow(/Entity keys must not contain/);
  });
});
