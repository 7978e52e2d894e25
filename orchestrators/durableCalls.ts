/**
 * Typed calls across the durable boundary, and the retry policies named with why those numbers.
 * The durable SDK hands back whatever a task produced (`any`); this module is the one place that
 * gives it the contract's type, so orchestrators write `yield* call(context, Activities.x, input)`
 * with no cast. Pure: imports only durable-functions and lib/ contracts.
 */
import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import type { ActivityInput, ActivityName, ActivityOutput } from '../lib/activityContracts';
import type { ClaimAnswer } from '../lib/certificateClaim';
import type { OrchestratorInput, OrchestratorName, OrchestratorOutput } from './contracts';
import type { GatewayQueueOperation, GatewayQueueOperations } from './gatewayQueueEntity';
import { type AcmeOrderLedgerOperations, acmeOrderLedgerId } from './acmeOrderLedger';

function retry(firstMs: number, attempts: number, coefficient: number, maxMs: number): df.RetryOptions {
  const options = new df.RetryOptions(firstMs, attempts);
  options.backoffCoefficient = coefficient;
  options.maxRetryIntervalInMilliseconds = maxMs;
  return options;
}

/** Throttling and blips of Key Vault, ACME or DNS: 5 s, 10 s, 20 s, 40 s — long enough for a 429's Retry-After. */
export const TRANSIENT_RETRY = retry(5_000, 5, 2, 60_000);

/** Transient gateway faults (5xx, a long-running update that ended Failed): 15 s doubling to 4 min, ~20 min in all. Contention is handled by bindGateway's own wait loop. */
export const GATEWAY_RETRY = retry(15_000, 8, 2, 240_000);

/** One attempt: for work the caller retries itself (each new ACME order is counted before it is asked for). */
export const NO_RETRY = retry(1_000, 1, 1, 1_000);

/** Clean-up must happen: more attempts over a longer span than other steps. */
export const CLEANUP_RETRY = retry(5_000, 8, 2, 300_000);

/** A scheduled task whose result has type `T` (a phantom type: nothing is added at run time). */
export interface TypedTask<T> extends Task {
  readonly __result?: T;
}

/** A step of an orchestrator: yields durable tasks, returns `T`. */
export type Step<T> = Generator<Task, T, unknown>;

type Results<T extends readonly TypedTask<unknown>[]> = { -readonly [I in keyof T]: T[I] extends TypedTask<infer R> ? R : never };

/** Schedules an activity (with a retry policy) without waiting: for `all` and `first`. */
export function activity<K extends ActivityName>(
  context: OrchestrationContext,
  name: K,
  input: ActivityInput<K>,
  policy: df.RetryOptions = TRANSIENT_RETRY,
): TypedTask<ActivityOutput<K>> {
  return context.df.callActivityWithRetry(name, policy, input);
}

/** Schedules a sub-orchestration with a derived (never random) instance id. */
export function subOrchestration<K extends OrchestratorName>(
  context: OrchestrationContext,
  name: K,
  input: OrchestratorInput<K>,
  instanceId: string,
): TypedTask<OrchestratorOutput<K>> {
  return context.df.callSubOrchestrator(name, input, instanceId);
}

/** Calls an operation of the gateway queue entity and returns its answer, typed by the entity's contract. */
export function* callQueue<K extends GatewayQueueOperation>(
  context: OrchestrationContext,
  entity: df.EntityId,
  operation: K,
  input: GatewayQueueOperations[K]['input'],
): Step<GatewayQueueOperations[K]['output']> {
  return (yield context.df.callEntity(entity, operation, input)) as GatewayQueueOperations[K]['output'];
}

/** Claims a certificate for this run (certificateClaimEntity.ts), taking over its starter's claim `handoverFrom`; the answer says who holds it otherwise. */
export function* claimCertificate(context: OrchestrationContext, entity: df.EntityId, handoverFrom?: string): Step<ClaimAnswer> {
  return (yield context.df.callEntity(entity, 'claim', {
    instanceId: context.df.instanceId,
    now: context.df.currentUtcDateTime.toISOString(),
    ...(handoverFrom ? { handoverFrom } : {}),
  })) as ClaimAnswer;
}

/** Takes `count` new orders from the ACME account's bucket (acmeOrderLedgerEntity.ts), or learns when they will be available. */
export function* reserveOrders(context: OrchestrationContext, count: number): Step<AcmeOrderLedgerOperations['reserve']['output']> {
  return (yield context.df.callEntity(acmeOrderLedgerId(), 'reserve', {
    count,
    now: context.df.currentUtcDateTime.toISOString(),
  })) as AcmeOrderLedgerOperations['reserve']['output'];
}

/** Waits for one task and returns its typed result; a failed task throws, as a yield does. */
export function* wait<T>(task: TypedTask<T>): Step<T> {
  return (yield task) as T;
}

/** Runs an activity and returns its output, typed by the contract. */
export function* call<K extends ActivityName>(
  context: OrchestrationContext,
  name: K,
  input: ActivityInput<K>,
  policy: df.RetryOptions = TRANSIENT_RETRY,
): Step<ActivityOutput<K>> {
  return yield* wait(activity(context, name, input, policy));
}

/** Waits for every task (Task.all) and returns their results in order; the first failure throws. */
export function* all<const T extends readonly TypedTask<unknown>[]>(context: OrchestrationContext, tasks: T): Step<Results<T>> {
  return (yield context.df.Task.all([...tasks])) as Results<T>;
}

/**
 * Waits for `task` while `background` runs as well (one Task.any schedules both). The background
 * task keeps running after `task` ends and is read later with `wait`, which returns at once if it
 * has ended. For work that does not depend on the steps it overlaps; a run that starts one must
 * wait for it on every way out, so that nothing of it runs after the run has ended.
 * Both tasks must be new: durable-functions puts a scheduled task's action into every
 * Task.any/Task.all it joins, and the extension then schedules it again
 * (Azure/azure-functions-durable-js#574); read a task that is already running with `wait`.
 */
export function* alongside<T>(context: OrchestrationContext, task: TypedTask<T>, background: TypedTask<unknown>): Step<T> {
  yield context.df.Task.any([task, background]);
  return yield* wait(task);
}

/** Waits for the first of `tasks` to end (Task.any) and returns that task; read each task alone afterwards, with `wait`. */
export function* first<T>(context: OrchestrationContext, tasks: readonly TypedTask<T>[]): Step<TypedTask<T>> {
  return (yield context.df.Task.any([...tasks])) as TypedTask<T>;
}

/** The orchestration's input, typed by its contract (the starter or parent built it from that type). */
export function inputOf<K extends OrchestratorName>(context: OrchestrationContext, _name: K): OrchestratorInput<K> {
  return context.df.getInput() as OrchestratorInput<K>;
}

/** A durable timer `seconds` from the orchestration's own clock (never the wall clock: replays must agree). */
export function* sleep(context: OrchestrationContext, seconds: number): Step<void> {
  const fireAt = new Date(context.df.currentUtcDateTime.getTime() + seconds * 1000);
  yield context.df.createTimer(fireAt);
}

export function log(context: OrchestrationContext, message: string): void {
  if (!context.df.isReplaying) context.log(message);
}
