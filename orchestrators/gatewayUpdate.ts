/**
 * One gateway write, done the way it holds in Azure: start the PUT, poll its long-running
 * operation on durable timers, then read the gateway back and check every binding is there. A
 * write another writer superseded (operation `Canceled`, azure-cli issue 21156) or whose bindings
 * are gone afterwards is merged and written again, a bounded number of times; a gateway busy with
 * an operation that refuses ours (409 AnotherOperationInProgress) is waited out. Never throws.
 */
import type { OrchestrationContext } from 'durable-functions';
import { Activities, ActivityOutput, Binding, RefusedBinding } from '../lib/activityContracts';
import { toCodedFailure } from '../lib/errors';
import type { BindResult } from '../lib/gatewayQueue';
import { fail } from '../lib/outcome';
import { ErrorCodes } from '../lib/status';
import { GATEWAY_RETRY, Step, call, sleep } from './durableCalls';

/** Writes of one batch: the first, and two more to repair what another writer superseded or removed. */
export const MAX_WRITES = 3;
/** A real PUT takes minutes; one still running after this is reported rather than waited on forever. */
export const UPDATE_DEADLINE_MINUTES = 30;
/** How long to wait for a turn on a gateway that refuses our PUT (409), with jittered backoff (seconds). */
export const GATEWAY_TURN = { deadlineMinutes: 60, firstSeconds: 15, maxSeconds: 240 } as const;

/** Jitter in [0.5, 1.5) from newGuid: deterministic per instance and call, so replays agree. */
export function jitter(context: OrchestrationContext, label: string): number {
  return 0.5 + parseInt(context.df.newGuid(`${context.df.instanceId}:${label}`).slice(0, 4), 16) / 0x10000;
}

/** Polls until the operation ends: `Succeeded`, `Canceled` (superseded), or a failure. */
function* waitForUpdate(
  context: OrchestrationContext,
  operation: string,
  bindings: readonly Binding[],
  pollSeconds: number,
  heartbeat: () => void,
): Step<ActivityOutput<'checkGatewayUpdate'>> {
  const deadline = context.df.currentUtcDateTime.getTime() + UPDATE_DEADLINE_MINUTES * 60_000;
  for (;;) {
    yield* sleep(context, pollSeconds);
    heartbeat();
    const status = yield* call(context, Activities.checkGatewayUpdate, { operation, bindings: [...bindings] }, GATEWAY_RETRY);
    if (!status.ok || status.status !== 'InProgress') return status;
    if (context.df.currentUtcDateTime.getTime() >= deadline) {
      return fail(
        ErrorCodes.ApplicationGatewayUpdateFailed,
        `The gateway update was still running after ${UPDATE_DEADLINE_MINUTES} minutes; check the gateway's activity log`,
      );
    }
  }
}

/** `heartbeat` runs on every poll: the caller keeps its writer lease alive during a long write. */
/** After being superseded: until the other writer's configuration is the one the gateway answers (bounded). */
function* waitForOtherWriter(
  context: OrchestrationContext,
  baseEtag: string,
  pending: readonly Binding[],
  pollSeconds: number,
  heartbeat: () => void,
): Step<void> {
  const deadline = context.df.currentUtcDateTime.getTime() + UPDATE_DEADLINE_MINUTES * 60_000;
  while (context.df.currentUtcDateTime.getTime() < deadline) {
    yield* sleep(context, pollSeconds);
    heartbeat();
    const read = yield* call(context, Activities.checkGatewayBindings, { bindings: [...pending] }, GATEWAY_RETRY);
    if (!read.ok || read.etag !== baseEtag) return;
  }
}

export function* writeGateway(
  context: OrchestrationContext,
  bindings: readonly Binding[],
  force: boolean,
  heartbeat: () => void = () => undefined,
): Step<BindResult> {
  try {
    let pending = [...bindings];
    let refused: RefusedBinding[] = [];
    let updated = false;
    let lost: RefusedBinding[] = [];
    const turnDeadline = context.df.currentUtcDateTime.getTime() + GATEWAY_TURN.deadlineMinutes * 60_000;
    let busyWaits = 0;
    for (let write = 0; write < MAX_WRITES && pending.length > 0;) {
      const started = yield* call(context, Activities.startGatewayUpdate, { bindings: pending, force: force && write === 0 }, GATEWAY_RETRY);
      if (!started.ok && started.code === ErrorCodes.ApplicationGatewayBusy) {
        if (context.df.currentUtcDateTime.getTime() >= turnDeadline)
          return fail(started.code, `${started.message}; still busy after ${GATEWAY_TURN.deadlineMinutes} minutes`);
        const backoff = Math.min(GATEWAY_TURN.firstSeconds * 2 ** Math.min(busyWaits, 5), GATEWAY_TURN.maxSeconds);
        heartbeat();
        yield* sleep(context, Math.round(backoff * jitter(context, `gateway-busy:${busyWaits}`)));
        busyWaits += 1;
        continue;
      }
      if (!started.ok) return started;
      write += 1;
      refused = [...refused, ...started.refused];
      const refusedHosts = new Set(started.refused.map((r) => r.hostname));
      pending = pending.filter((b) => !refusedHosts.has(b.hostname));
      // Read after write: another writer may have removed or superseded what we wrote. A finished
      // operation comes back with that read; without a PUT (nothing to change) it is read here.
      let check: ActivityOutput<'checkGatewayBindings'>;
      if (started.operation !== undefined) {
        const done = yield* waitForUpdate(context, started.operation, pending, started.pollAfterSeconds, heartbeat);
        if (!done.ok) return done;
        if (done.status === 'Canceled') {
          // Superseded by another writer's PUT, built from what that writer had read: ours is lost.
          // Merging again at once would read the configuration before that PUT lands and cancel it
          // in turn (its listener lost): wait until the gateway's etag moves on, then merge again.
          lost = pending.map((b) => ({
            hostname: b.hostname,
            code: ErrorCodes.ApplicationGatewayUpdateLost,
            message: `${b.hostname}: the gateway update was canceled and superseded by another writer's update (CanceledAndSupersededDueToAnotherOperation)`,
          }));
          yield* waitForOtherWriter(context, started.etag, pending, started.pollAfterSeconds, heartbeat);
          continue;
        }
        if (done.status !== 'Succeeded') return fail(ErrorCodes.ApplicationGatewayUpdateFailed, `The gateway update ended ${done.status}`);
        updated = true;
        check = done;
      } else {
        check = yield* call(context, Activities.checkGatewayBindings, { bindings: pending }, GATEWAY_RETRY);
      }
      if (!check.ok) return check;
      lost = check.missing;
      const missingHosts = new Set(lost.map((m) => m.hostname));
      pending = pending.filter((b) => missingHosts.has(b.hostname));
    }
    return { ok: true, updated, refused: [...refused, ...(pending.length > 0 ? lost : [])] };
  } catch (error) {
    return { ok: false, ...toCodedFailure(error) };
  }
}
