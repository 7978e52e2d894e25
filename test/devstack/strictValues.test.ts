/**
 * Every durable boundary is a JSON round trip, as in the host (values cross it as JSON text:
 * history events, queue messages, the worker's invocation payloads): a Date arrives as its ISO
 * string and an undefined field is gone. And durable timers may fire late, never early
 * (timerLateness option, devstack/host/timerLateness.ts).
 */
import { describe, expect, it } from 'vitest';
import { HarnessError, type DurableHarnessOptions } from '../../devstack/host';
import { harnessSuite } from './fixtures/harnessSuite';

const suite = harnessSuite(() => import('./fixtures/strictApp'));
const harness = suite.harness;

/** What suite.app.jsonTrap(label) becomes after JSON: the Date is a string, the undefined field has no key. */
const arrived = (label: string) => ({ label, when: '2030-06-01T12:00:00.000Z' });

describe('JSON at every durable boundary', () => {
  it('round-trips orchestration input and output, custom status, activity, sub-orchestration and entity inputs and results', async () => {
    const h = harness();
    const id = await h.startNew(suite.app.Names.boundaries, { input: suite.app.jsonTrap('input') });
    const status = await h.waitForCompletion(id);
    expect(status.runtimeStatus).toBe('Completed');

    // toStrictEqual: `{ gone: undefined }` would not match, nor would a Date.
    expect(status.input).toStrictEqual(arrived('input'));
    expect(status.customStatus).toStrictEqual(arrived('status'));
    expect(suite.app.seen.get('activity:activity')).toStrictEqual(arrived('activity'));
    expect(suite.app.seen.get('entity:entity')).toStrictEqual(arrived('entity'));
    expect(status.output).toStrictEqual({
      inputSeen: arrived('input'),
      inputWhenType: 'string',
      activity: { got: arrived('activity'), ...arrived('activity-result') },
      child: { ranAs: `${id}-child`, input: arrived('child') },
      entity: { got: arrived('entity'), ...arrived('entity-result') },
      ...arrived('output'),
    });
    expect(h.getStatus(`${id}-child`).input).toStrictEqual(arrived('child'));
    expect(h.getEntity({ name: suite.app.Names.echoEntity, key: id }).state).toStrictEqual({ got: arrived('entity') });
  });

  it('round-trips the input a durable client sends and the status it reads', async () => {
    const h = harness();
    const started = await h.callHttp(suite.app.Names.start, {
      method: 'POST',
      url: `http://localhost:7071/api/strict/${suite.app.Names.boundaries}`,
      body: suite.app.jsonTrap('client'),
    });
    expect(started.status).toBe(202);
    const status = await h.waitForCompletion((started.json() as { id: string }).id);
    expect((status.output as { inputSeen: unknown }).inputSeen).toStrictEqual(arrived('client'));
  });
});

describe('timerLateness', () => {
  const sixTimers = { count: 6, stepMs: 60_000 };

  async function wakes(options: Partial<DurableHarnessOptions>, instanceId = 'late-timers'): Promise<Array<{ asked: string; woke: string }>> {
    const h = harness(options);
    await h.startNew(suite.app.Names.timers, { instanceId, input: sixTimers });
    const status = await h.waitForCompletion(instanceId);
    // The history keeps the requested times: TimerCreated and TimerFired carry FireAt as asked.
    const asked = (status.output as Array<{ asked: string }>).map((w) => w.asked);
    expect(status.history.filter((e) => e.EventType === 10).map((e) => e.FireAt)).toEqual(asked);
    expect(status.history.filter((e) => e.EventType === 11).map((e) => e.FireAt)).toEqual(asked);
    return status.output as Array<{ asked: string; woke: string }>;
  }
  const lateness = (w: { asked: string; woke: string }) => Date.parse(w.woke) - Date.parse(w.asked);

  it('fires each timer late by 0–30 s of virtual time, never early', async () => {
    const late = (await wakes({ timerLateness: { seed: 1 } })).map(lateness);
    expect(late).toHaveLength(6);
    for (const ms of late) {
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThanOrEqual(30_000);
    }
    expect(Math.max(...late)).toBeGreaterThan(1_000);
    expect(new Set(late).size).toBeGreaterThan(1);
  });

  it('is deterministic per seed and instance id, and exact without the option or with maxMs 0', async () => {
    const first = await wakes({ timerLateness: { maxMs: 5_000, seed: 'ci' } });
    expect(await wakes({ timerLateness: { maxMs: 5_000, seed: 'ci' } })).toEqual(first);
    expect(await wakes({ timerLateness: { maxMs: 5_000, seed: 'other' } })).not.toEqual(first);
    expect(first.every((w) => lateness(w) <= 5_000)).toBe(true);
    expect((await wakes({})).map(lateness)).toEqual([0, 0, 0, 0, 0, 0]);
    expect((await wakes({ timerLateness: { maxMs: 0, seed: 1 } })).map(lateness)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('refuses a negative bound', () => {
    expect(() => harness({ timerLateness: { maxMs: -1, seed: 1 } })).toThrow(HarnessError);
  });
});
