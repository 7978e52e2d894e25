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
import { BindResult, combine, resultFor } from '../lib/gatewayQueue';
import { fail } from '../lib/outcome';
import { ErrorCodes } from '../lib/status';
import type { GatewayTarget } from './contracts';
import { Step, callQueue, sleep } from './durableCalls';
import { gatewayQueueId } from './gatewayQueueEntity';
import { jitter, writeGateway } from './gatewayUpdate';

/** A writer hands the lease on after this many batches, so one orchestration is not kept writing for others forever. */
export const MAX_BATCHES_PER_WRITER = 5;
/** A waiter gives up after this long (the writer lease makes progress likely long before). */
export const MAX_WAIT_HOURS = 6;

function* writeBatches(context: OrchestrationContext, target: GatewayTarget, ownRequestId: string): Step<BindResult | undefined> {
  const entity = gatewayQueueId(target.key);
  const instanceId = context.df.instanceId;
  const now = () => context.df.currentUtcDateTime.toISOString();
  let own: BindResult | undefined;
  for (let n = 0; n < MAX_BATCHES_PER_WRITER; n += 1) {
    // A burst (a batch and its neighbours, a deployment's worth of requests) arrives over a few
    // seconds: the first write waits one poll interval so the burst shares it. Against a PUT that
    // takes minutes this costs little and saves a whole PUT per burst.
    if (n === 0) yield* sleep(context, target.pollSeconds);
    const { batch, writer } = yield* callQueue(context, entity, 'take', { instanceId, now: now() });
    if (!writer || batch.length === 0) return own;
    const { bindings, force } = combine(batch);
    // A long write keeps the lease alive (fire and forget) so no waiter takes over a live writer.
    const heartbeat = () => context.df.signalEntity(entity, 'renew', { instanceId, now: now() });
    const written = yield* writeGateway(context, bindings, force, heartbeat);
    const results = batch.map((request) => ({ requestId: request.requestId, result: resultFor(request, written) }));
    yield* callQueue(context, entity, 'complete', { instanceId, now: now(), results });
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
    let { role } = yield* callQueue(context, entity, 'enqueue', { request, now: now() });
    const deadline = context.df.currentUtcDateTime.getTime() + MAX_WAIT_HOURS * 3_600_000;
    for (let waits = 0; ; waits += 1) {
      if (role === 'writer') {
        const own = yield* writeBatches(context, target, requestId);
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
    return { ok: false, ...toCodedFailure(error) };
  }
}
