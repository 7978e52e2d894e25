/**
 * Entity critical sections (`context.df.lock`) in the durable host harness, and the out-of-proc
 * schema they need: V4, what the extension bundle delivers today (devstack/host/schema.ts).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_OUT_OF_PROC_SCHEMA, ReplaySchema } from '../../devstack/host';
import { harnessSuite } from './fixtures/harnessSuite';

const suite = harnessSuite(() => import('./fixtures/entityApp'));
const harness = suite.harness;

const counter = (key: string) => ({ name: 'entCounter', key });
const EventSent = 14;

describe('DurableHarness entity locks (schema V4)', () => {
  it('advertises schema V4 by default', () => {
    expect(DEFAULT_OUT_OF_PROC_SCHEMA).toBe(ReplaySchema.V4);
  });

  it('runs critical sections one at a time: no lost update, no operation of another caller inside a section', async () => {
    const h = harness();
    const key = randomUUID();
    const sections = ['a', 'b', 'c'];
    const locked = await Promise.all(sections.map((by) => h.startNew(suite.app.Names.lockedIncrement, { input: { key, by } })));
    const plain = await Promise.all([1, 2].map(() => h.startNew(suite.app.Names.addOnce, { input: { key } })));
    for (const id of [...locked, ...plain]) expect((await h.waitForCompletion(id)).runtimeStatus).toBe('Completed');
    // Released in `finally`: the orchestration no longer holds locks when it returns.
    for (const id of locked) expect(h.getStatus(id).output).toBe(false);

    // Three read-pause-write increments and two adds: 5, which only holds if no write was lost.
    expect(h.getEntity(counter(key)).state).toBe(5);
    const log = suite.app
      .operationsOf(key)
      .map((o) => ({ operation: o.operation, by: typeof o.input === 'object' && o.input ? (o.input as { by: string }).by : o.input }));
    for (const by of sections) {
      const read = log.findIndex((o) => o.operation === 'get' && o.by === by);
      expect(log[read + 1], `section ${by}: ${JSON.stringify(log)}`).toEqual({ operation: 'set', by });
    }

    const history = h.getStatus(locked[0]!).history;
    const sent = history.filter((e) => e.EventType === EventSent);
    expect(sent.map((e) => e.Name)).toEqual(['op', 'op', 'op', 'release']);
    expect(JSON.parse(String(sent[0]!.Input))).toMatchObject({ op: null, lockset: [{ name: 'entcounter', key }], parent: locked[0] });
    expect(JSON.parse(String(sent[3]!.Input))).toEqual({ parent: locked[0], id: JSON.parse(String(sent[0]!.Input)).id });
  });

  it('releases the locks of an orchestration that completes holding them', async () => {
    const h = harness();
    const key = randomUUID();
    const holder = await h.startNew(suite.app.Names.lockAndReturn, { input: { key } });
    expect((await h.waitForCompletion(holder)).output).toBe('returned holding the lock');
    const sent = h.getStatus(holder).history.filter((e) => e.EventType === EventSent);
    expect(sent.map((e) => [e.EventId, e.Name])).toEqual([
      [0, 'op'],
      [1, 'release'],
    ]);
    expect((await h.waitForCompletion(await h.startNew(suite.app.Names.addOnce, { input: { key } }))).output).toBe(1);
  });

  it('keeps the locks of an orchestration that fails without releasing them; a release in `finally` still goes out', async () => {
    const h = harness();
    const released = randomUUID();
    const failed = await h.waitForCompletion(await h.startNew(suite.app.Names.lockAndFail, { input: { key: released, release: true } }));
    expect(failed.runtimeStatus).toBe('Failed');
    expect(String(failed.output)).toContain('failed inside the critical section');
    expect((await h.waitForCompletion(await h.startNew(suite.app.Names.addOnce, { input: { key: released } }))).output).toBe(1);

    // TaskOrchestrationShim releases leftover locks only after a successful end.
    const kept = randomUUID();
    expect((await h.waitForCompletion(await h.startNew(suite.app.Names.lockAndFail, { input: { key: kept, release: false } }))).runtimeStatus).toBe('Failed');
    const blocked = await h.startNew(suite.app.Names.addOnce, { input: { key: kept } });
    await expect(h.waitForCompletion(blocked, { timeoutMs: 300 })).rejects.toThrow(/locked by/);
    expect(h.getStatus(blocked).runtimeStatus).toBe('Running');
    expect(h.getEntity(counter(kept)).exists).toBe(false);
  });

  it("fails an orchestration that breaks a locking rule with the library's LockingRulesViolationError", async () => {
    const h = harness();
    const status = await h.waitForCompletion(await h.startNew(suite.app.Names.lockRuleBreaker, { input: { key: randomUUID() } }));
    expect(status.runtimeStatus).toBe('Failed');
    expect(String(status.output)).toContain('Cannot call an entity from within a critical section unless it is one of the locked entities.');
  });
});

describe('DurableHarness with an extension before 3.13 (schema V3)', () => {
  it("fails lock with the library's own error and still runs plain entity calls", async () => {
    const h = harness({ outOfProcSchemaVersion: ReplaySchema.V3 });
    const key = randomUUID();
    const status = await h.waitForCompletion(await h.startNew(suite.app.Names.lockedIncrement, { input: { key, by: 'x' } }));
    expect(status.runtimeStatus).toBe('Failed');
    expect(status.output).toBe(
      `Orchestrator function '${suite.app.Names.lockedIncrement}' failed: lock requires a Durable Functions extension that supports OOProc schema V4 or higher ` +
        '(this extension supports up to V3). Please upgrade the Microsoft.Azure.WebJobs.Extensions.DurableTask package.',
    );
    expect((await h.waitForCompletion(await h.startNew(suite.app.Names.addOnce, { input: { key } }))).output).toBe(1);
  });

  it('refuses a schema the extension never advertised', () => {
    expect(() => harness({ outOfProcSchemaVersion: ReplaySchema.V1 })).toThrow(/outOfProcSchemaVersion/);
  });
});
