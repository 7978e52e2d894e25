/**
 * One gateway update for a set of issued certificates. Writers contend for the gateway (a PUT takes
 * minutes in Azure and a concurrent one is refused), so "busy" is waited out on durable timers with
 * a deterministic per-instance jitter, up to a deadline, rather than a fixed number of attempts:
 * ten writers retrying in lockstep would exhaust any small count. Never throws.
 */
import type { OrchestrationContext } from 'durable-functions';
import { Activities, ActivityOutput, Binding } from '../lib/activityContracts';
import { toCodedFailure } from '../lib/errors';
import { ErrorCodes } from '../lib/status';
import { GATEWAY_RETRY, Step, call, sleep } from './durableCalls';

/** How long to wait for a turn on a busy gateway, and the backoff between looks (seconds). */
export const GATEWAY_TURN = { deadlineMinutes: 60, firstSeconds: 15, maxSeconds: 240 } as const;

export function* bindGateway(context: OrchestrationContext, bindings: readonly Binding[], force = false): Step<ActivityOutput<'bindGatewayListeners'>> {
  // Every way this can end is a value: a thrown activity failure (retries exhausted) included,
  // so callers handle one shape and never lose the fact that certificates are already in Key Vault.
  try {
    const deadline = context.df.currentUtcDateTime.getTime() + GATEWAY_TURN.deadlineMinutes * 60_000;
    for (let attempt = 0; ; attempt += 1) {
      // Transient faults (5xx, a failed long-running operation) are thrown and retried by GATEWAY_RETRY.
      const result = yield* call(context, Activities.bindGatewayListeners, { bindings: [...bindings], ...(force ? { force } : {}) }, GATEWAY_RETRY);
      if (result.ok || result.code !== ErrorCodes.ApplicationGatewayBusy) return result;
      if (context.df.currentUtcDateTime.getTime() >= deadline) {
        return { ...result, message: `${result.message}; still busy after ${GATEWAY_TURN.deadlineMinutes} minutes` };
      }
      // newGuid is deterministic per instance and call: the same jitter on every replay.
      const jitter = parseInt(context.df.newGuid(`${context.df.instanceId}:gateway:${attempt}`).slice(0, 4), 16) / 0xffff;
      const backoff = Math.min(GATEWAY_TURN.firstSeconds * 2 ** Math.min(attempt, 5), GATEWAY_TURN.maxSeconds);
      yield* sleep(context, Math.round(backoff * (0.5 + jitter)));
    }
  } catch (error) {
    return { ok: false, ...toCodedFailure(error) };
  }
}
