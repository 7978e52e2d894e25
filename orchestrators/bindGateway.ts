/** One gateway update for a set of issued certificates, retried while the gateway is busy. */
import type { OrchestrationContext, Task } from 'durable-functions';
import { Activities, ActivityOutput } from '../lib/activityContracts';
import type { Binding } from '../lib/gatewayMerge';
import { GATEWAY_RETRY, callActivity } from './durableCalls';

export function* bindGateway(context: OrchestrationContext, bindings: readonly Binding[], force = false): Generator<Task, ActivityOutput<'bindGatewayListeners'>, any> {
  // Busy (409 AnotherOperationInProgress, 412 stale etag, provisioningState Updating) is thrown
  // by the activity as retryable, so the durable retry policy waits on timers between attempts.
  return (yield callActivity(context, Activities.bindGatewayListeners, { bindings: [...bindings], ...(force ? { force } : {}) }, GATEWAY_RETRY)) as ActivityOutput<'bindGatewayListeners'>;
}
