/**
 * The gateway write queue (the entity's state machine): one writer at a time, requests that
 * arrive during a write coalesce into the next one, nothing is lost when a writer dies.
 */
import { describe, expect, it } from 'vitest';
import {
  BindResult,
  GatewayWriteRequest,
  combine,
  complete,
  emptyQueue,
  enqueue,
  poll,
  release,
  resultFor,
  take,
  WRITER_LEASE_MINUTES,
  ANNOUNCEMENT_MINUTES,
  announce,
  peek,
  withdraw,
} from '../../lib/gatewayQueue';
import { hostname } from '../fixtures/hostnames';

const T0 = '2030-01-01T00:00:00.000Z';
const at = (minutes: number) => new Date(new Date(T0).getTime() + minutes * 60_000).toISOString();
const request = (id: string, ...hosts: string[]): GatewayWriteRequest => ({
  requestId: id,
  instanceId: id.replace('r', 'i'),
  bindings: hosts.map((h) => ({ hostname: hostname(h), keyVaultSecretId: `https://v/secrets/${h}` })),
  force: false,
});
const ok: BindResult = { ok: true, updated: true, refused: [] };

describe('the gateway write queue', () => {
  it('makes the first requester the writer (its batch taken with the enqueue) and the others waiters, then coalesces the waiters into one batch', () => {
    const state = emptyQueue();
    const first = enqueue(state, { request: request('r1', 'a.test.example'), now: T0 });
    expect(first).toMatchObject({ role: 'writer', announced: 0, taken: { writer: true } });
    expect(first.taken?.batch.map((r) => r.requestId)).toEqual(['r1']);
    // Nine more arrive while the first PUT is in flight.
    for (let i = 2; i <= 10; i += 1)
      expect(enqueue(state, { request: request(`r${i}`, `h${i}.test.example`), now: at(1) })).toEqual({ role: 'waiter', announced: 0 });
    // Recording the first batch's result takes the next batch in the same operation.
    const second = complete(state, { instanceId: 'i1', now: at(2), results: [{ requestId: 'r1', result: ok }], takeNext: true });
    expect(second.batch).toHaveLength(9);
    const third = complete(state, { instanceId: 'i1', now: at(3), results: second.batch.map((r) => ({ requestId: r.requestId, result: ok })), takeNext: true });
    expect(third).toEqual({ batch: [], writer: false });
    expect(state.writer).toBeUndefined();
    for (let i = 2; i <= 10; i += 1) expect(poll(state, { requestId: `r${i}`, instanceId: `i${i}`, now: at(4) })).toEqual({ status: 'done', result: ok });
    expect(state.results).toEqual({});
  });

  it('tells a waiter to wait while the writer holds a live lease', () => {
    const state = emptyQueue();
    enqueue(state, { request: request('r1', 'a.test.example'), now: T0 });
    enqueue(state, { request: request('r2', 'b.test.example'), now: T0 });
    expect(poll(state, { requestId: 'r2', instanceId: 'i2', now: at(WRITER_LEASE_MINUTES - 1) })).toEqual({ status: 'wait' });
  });

  it("hands a dead writer's batch and the queue to the waiter that takes over after the lease", () => {
    const state = emptyQueue();
    enqueue(state, { request: request('r1', 'a.test.example'), now: T0 });
    take(state, { instanceId: 'i1', now: T0 });
    enqueue(state, { request: request('r2', 'b.test.example'), now: at(1) });
    // i1 never completes.
    expect(poll(state, { requestId: 'r2', instanceId: 'i2', now: at(WRITER_LEASE_MINUTES + 1) })).toEqual({ status: 'write' });
    expect(take(state, { instanceId: 'i2', now: at(WRITER_LEASE_MINUTES + 1) }).batch.map((r) => r.requestId)).toEqual(['r1', 'r2']);
    // The old writer coming back cannot take the lease from the new one.
    expect(take(state, { instanceId: 'i1', now: at(WRITER_LEASE_MINUTES + 2) })).toEqual({ batch: [], writer: false });
  });

  it('lets a waiter become the writer when the writer hands off with requests still queued', () => {
    const state = emptyQueue();
    enqueue(state, { request: request('r1', 'a.test.example'), now: T0 });
    take(state, { instanceId: 'i1', now: T0 });
    enqueue(state, { request: request('r2', 'b.test.example'), now: T0 });
    complete(state, { instanceId: 'i1', now: T0, results: [{ requestId: 'r1', result: ok }] });
    release(state, { instanceId: 'i1' });
    expect(poll(state, { requestId: 'r2', instanceId: 'i2', now: T0 })).toEqual({ status: 'write' });
    expect(take(state, { instanceId: 'i2', now: T0 }).batch.map((r) => r.requestId)).toEqual(['r2']);
  });

  it('does not queue a replayed request twice', () => {
    const state = emptyQueue();
    enqueue(state, { request: request('r1', 'a.test.example'), now: T0 });
    enqueue(state, { request: request('r1', 'a.test.example'), now: T0 });
    expect(take(state, { instanceId: 'i1', now: T0 }).batch).toHaveLength(1);
  });

  it('counts announced writers until they queue, withdraw or lapse', () => {
    const state = emptyQueue();
    announce(state, { instanceId: 'i2', now: T0 });
    announce(state, { instanceId: 'i3', now: T0 });
    announce(state, { instanceId: 'i4', now: at(10) });
    // The writer's own announcement never counts.
    announce(state, { instanceId: 'i1', now: T0 });
    // A writer with announced writers to wait for does not take its batch yet.
    expect(enqueue(state, { request: request('r1', 'a.test.example'), now: at(1) })).toEqual({ role: 'writer', announced: 3 });
    enqueue(state, { request: request('r2', 'b.test.example'), now: at(2) });
    withdraw(state, { instanceId: 'i3' });
    expect(peek(state, { instanceId: 'i1', now: at(3) })).toEqual({ announced: 1 });
    // i4 never writes nor withdraws (terminated): it stops counting once its announcement lapses.
    expect(peek(state, { instanceId: 'i1', now: at(10 + ANNOUNCEMENT_MINUTES - 1) })).toEqual({ announced: 1 });
    expect(peek(state, { instanceId: 'i1', now: at(10 + ANNOUNCEMENT_MINUTES) })).toEqual({ announced: 0 });
    expect(state.announced).toEqual({});
  });

  it('reads a state written before announcements existed', () => {
    const state = emptyQueue();
    delete state.announced;
    expect(peek(state, { instanceId: 'i1', now: T0 })).toEqual({ announced: 0 });
    withdraw(state, { instanceId: 'i1' });
    expect(enqueue(state, { request: request('r1', 'a.test.example'), now: T0 })).toMatchObject({ role: 'writer', announced: 0 });
  });

  it('drops results nobody collected after a day', () => {
    const state = emptyQueue();
    state.results.old = { result: ok, at: T0 };
    enqueue(state, { request: request('r9', 'z.test.example'), now: at(25 * 60) });
    expect(state.results).toEqual({});
  });
});

describe('combining a batch', () => {
  it('writes every hostname once, the later request winning, forced if any request is', () => {
    const combined = combine([request('r1', 'a.test.example', 'b.test.example'), { ...request('r2', 'b.test.example'), force: true }]);
    expect(combined.force).toBe(true);
    expect(combined.bindings.map((b) => b.hostname)).toEqual(['a.test.example', 'b.test.example']);
  });

  it("gives each request only its own hostnames' refusals", () => {
    const batch: BindResult = {
      ok: true,
      updated: true,
      refused: [{ hostname: hostname('b.test.example'), code: 'ApplicationGatewayListenerShadowed', message: 'shadowed' }],
    };
    expect(resultFor(request('r1', 'a.test.example'), batch)).toEqual({ ok: true, updated: true, refused: [] });
    expect(resultFor(request('r2', 'b.test.example'), batch)).toEqual(batch);
    const failed: BindResult = { ok: false, code: 'ApplicationGatewayAccessDenied', message: 'denied' };
    expect(resultFor(request('r1', 'a.test.example'), failed)).toEqual(failed);
  });
});
