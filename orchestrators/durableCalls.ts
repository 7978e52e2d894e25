/**
 * Typed calls across the durable boundary and the retry policies, named with why those numbers.
 * Pure: imports only durable-functions and lib/ contracts.
 */
import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import type { ActivityInput, ActivityName } from '../lib/activityContracts';

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

/** Clean-up must happen: more attempts over a longer span than other steps. */
export const CLEANUP_RETRY = retry(5_000, 8, 2, 300_000);

export function callActivity<K extends ActivityName>(context: OrchestrationContext, name: K, input: ActivityInput<K>, policy: df.RetryOptions = TRANSIENT_RETRY): Task {
  return context.df.callActivityWithRetry(name, policy, input);
}

/** A durable timer `seconds` from the orchestration's own clock (never the wall clock: replays must agree). */
export function sleep(context: OrchestrationContext, seconds: number): Task {
  const fireAt = new Date(context.df.currentUtcDateTime.getTime() + seconds * 1000);
  return context.df.createTimer(fireAt);
}

export function log(context: OrchestrationContext, message: string): void {
  if (!context.df.isReplaying) context.log(message);
}
