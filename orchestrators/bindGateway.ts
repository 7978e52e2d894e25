/**
 * Binding certificates to the gateway through its write queue (gatewayQueueEntity.ts): every
 * orchestration that binds — issuance, batch, import, renewal refresh — enqueues its bindings;
 * the first becomes the writer and writes batches (each batch is every request queued meanwhile,
 * merged into one PUT: N concurrent requests cost about two PUTs, not N), the others wait for
 * their result. A writer that dies is replaced when its lease expires. Never throws.
 */
import type { OrchestrationContext } from 'durable-functions';
import type { Binding } from '../lib/activityContracts';
import { toCodedFailure } from '../lib/errors';
import { BindResult, Taken, combine, resultFor } from '../lib/gatewayQueue';
import { fail } from '../lib/outcome';
import { ErrorCodes } from '../lib/status';
import type { GatewayTarget } from './contracts';
import { Step, callQueue, sleep } from './durableCalls';
import { gatewayQueueId } from './gatewayQueueEntity';
import { jitter, writeGateway } from './gatewayUpdate';

/**
 * A writer waits at most this many poll intervals for announced writers before its first write:
 * the burst of a deployment shares one PUT, and a writer that is slow (or stuck) delays the others
 * by a bounded time (30 s at the default 10 s interval, against a PUT that takes a minute or more).
 */
export const MAX_GATHER_POLLS = 3;
/** A writer hands the lease on after this many batches, so one orchestration is not kept writing for others forever. */
export const MAX_BATCHES_PER_WRITER = 5;
/** A waiter gives up after this long (the writer lease makes progress likely long before). */
export const MAX_WAIT_HOURS = 6;

/**
 * Says, when a run starts, that it will write the gateway once its issuance ends, so that a writer
 * that is ready first waits for it (bounded) and both share one PUT. Fire and forget: a signal.
 */
export function announceGatewayWrite(context: OrchestrationContext, target: GatewayTarget): void {
  context.df.signalEntity(gatewayQueueId(target.key), 'announce', { instanceId: context.df.instanceId, now: context.df.currentUtcDateTime.toISOString() });
}

/** Withdraws the announcement of a run that ends without writing (harmless after it wrote). */
export function withdrawGatewayWrite(context: OrchestrationContext, target: GatewayTarget): void {
  context.df.signalEntity(gatewayQueueId(target.key), 'withdraw', { instanceId: context.df.instanceId });
}

/**
 * Before the first write: while other runs that announced a write are still issuing, wait for them
 * one poll interval at a time, at most MAX_GATHER_POLLS intervals. With nobody announced the
 * writer writes at once; requests that arrive during its PUT share the next one.
 */
function* gather(context: OrchestrationContext, target: GatewayTarget, announced: number): Step<void> {
  const entity = gatewayQueueId(target.key);
  for (let polls = 0; announced > 0 && polls < MAX_GATHER_POLLS; polls += 1) {
    yield* sleep(context, target.pollSeconds);
    ({ announced } = yield* callQueue(context, entity, 'peek', { instanceId: context.df.instanceId, now: context.df.currentUtcDateTime.toISOString() }));
  }
}

/**
 * Writes batches while this run holds the lease: the first (taken with the enqueue, or after
 * gathering), then whatever queued during each write (taken with the completion), at most
 * MAX_BATCHES_PER_WRITER. Returns this run's own result once its request was written.
 */
function* writeBatches(
  context: OrchestrationContext,
  target: GatewayTarget,
  ownRequestId: string,
  first: { announced: number; taken?: Taken },
): Step<BindResult | undefined> {
  const entity = gatewayQueueId(target.key);
  const instanceId = context.df.instanceId;
  const now = () => context.df.currentUtcDateTime.toISOString();
  let own: BindResult | undefined;
  let taken: Taken | undefined = first.taken;
  if (!taken) {
    yield* gather(context, target, first.announced);
    taken = yield* callQueue(context, entity, 'take', { instanceId, now: now() });
  }
  for (let n = 0; n < MAX_BATCHES_PER_WRITER; n += 1) {
    const { batch, writer }: Taken = taken;
    if (!writer || batch.length === 0) return own;
    const { bindings, force } = combine(batch);
    // A long write keeps the lease alive (fire and forget) so no waiter takes over a live writer.
    const heartbeat = () => context.df.signalEntity(entity, 'renew', { instanceId, now: now() });
    const written = yield* writeGateway(context, bindings, force, heartbeat);
    const results = batch.map((request) => ({ requestId: request.requestId, result: resultFor(request, written) }));
    // Recording the results takes the next batch in the same operation (none after the last allowed one).
    const takeNext = n + 1 < MAX_BATCHES_PER_WRITER;
    taken = yield* callQueue(context, entity, 'complete', { instanceId, now: now(), results, takeNext });
    own ??= results.find((r) => r.requestId === ownRequestId)?.result;
  }
  yield* callQueue(context, entity, 'release', { instanceId });
  return own;
}

export function* bindGateway(context: OrchestrationContext, target: GatewayTarget, bindings: readonly Binding[], force = false): Step<BindResult> {
  try {
    const entity = gatewayQueueId(target.key);
    const instanceId = context.df.instanceId;
    const now = () => context.df.currentUtcDateTime.toISOString();
    // newGuid is deterministic per instance and call order: a replay enqueues the same request id.
    const requestId = context.df.newGuid(`${instanceId}:gateway-request`);
    const request = { requestId, instanceId, bindings: [...bindings], force };
    const queued = yield* callQueue(context, entity, 'enqueue', { request, now: now() });
    let role = queued.role;
    const deadline = context.df.currentUtcDateTime.getTime() + MAX_WAIT_HOURS * 3_600_000;
    for (let waits = 0; ; waits += 1) {
      if (role === 'writer') {
        // Only the first turn gathers: a waiter that becomes the writer later writes what queued meanwhile.
        const own = yield* writeBatches(context, target, requestId, waits === 0 ? queued : { announced: 0 });
        if (own) return own;
      }
      if (context.df.currentUtcDateTime.getTime() >= deadline) {
        return fail(ErrorCodes.ApplicationGatewayBusy, `Waited ${MAX_WAIT_HOURS} hours for a turn to write the gateway; check for a stuck orchestration`);
      }
      yield* sleep(context, Math.max(1, Math.round(target.pollSeconds * jitter(context, `gateway-wait:${waits}`))));
      const answer = yield* callQueue(context, entity, 'poll', { requestId, instanceId, now: now() });
      if (answer.status === 'done') return answer.result;
      role = answer.status === 'write' ? 'writer' : 'waiter';
    }
  } catch (error) {
    // The enqueue itself may have failed, leaving this run's announcement: withdrawn (harmless if queued).
    withdrawGatewayWrite(context, target);
    return { ok: false, ...toCodedFailure(error) };
  }
}
