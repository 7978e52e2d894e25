/**
 * The durable entity that serializes and coalesces all writes to one Application Gateway (its key
 * names the gateway). The Durable extension runs an entity's operations one at a time, in arrival
 * order, whatever the number of callers — that is the serialization point. The state machine is
 * lib/gatewayQueue.ts; this file maps operation names to it.
 *
 * Why an entity and not a critical section (`context.df.lock`): locks need the Durable extension's
 * out-of-proc schema V4 (extension 3.13.0+); plain entity calls work with every bundled extension,
 * and a lock alone would serialize writes without coalescing them (N requests, N PUTs).
 */
import * as df from 'durable-functions';
import type { EntityContext } from 'durable-functions';
import * as queue from '../lib/gatewayQueue';

export const GATEWAY_QUEUE_ENTITY = 'GatewayQueue';

/** Each operation's input and answer: the contract between the entity and its callers. */
export interface GatewayQueueOperations {
  enqueue: { input: { request: queue.GatewayWriteRequest; now: string }; output: { role: queue.Role; announced: number; taken?: queue.Taken } };
  announce: { input: { instanceId: string; now: string }; output: null };
  withdraw: { input: { instanceId: string }; output: null };
  peek: { input: { instanceId: string; now: string }; output: { announced: number } };
  take: { input: { instanceId: string; now: string }; output: queue.Taken };
  complete: {
    input: { instanceId: string; now: string; results: Array<{ requestId: string; result: queue.BindResult }>; takeNext?: boolean };
    output: queue.Taken;
  };
  renew: { input: { instanceId: string; now: string }; output: null };
  release: { input: { instanceId: string }; output: null };
  poll: { input: { requestId: string; instanceId: string; now: string }; output: queue.PollAnswer };
}
export type GatewayQueueOperation = keyof GatewayQueueOperations;

/** The entity id of a gateway's queue; `key` comes from `gatewayEntityKey` (lib/naming.ts). */
export function gatewayQueueId(key: string): df.EntityId {
  return new df.EntityId(GATEWAY_QUEUE_ENTITY, key);
}

/** Each operation's state transition (lib/gatewayQueue.ts); `void` ones answer null. */
const OPERATIONS: {
  [K in GatewayQueueOperation]: (state: queue.GatewayQueueState, input: GatewayQueueOperations[K]['input']) => GatewayQueueOperations[K]['output'] | void;
} = {
  enqueue: queue.enqueue,
  take: queue.take,
  complete: queue.complete,
  renew: queue.renew,
  release: queue.release,
  announce: queue.announce,
  withdraw: queue.withdraw,
  peek: queue.peek,
  poll: queue.poll,
};

export function gatewayQueueEntity(context: EntityContext<queue.GatewayQueueState>): void {
  const state = context.df.getState(() => queue.emptyQueue()) ?? queue.emptyQueue();
  const operation = context.df.operationName ?? '';
  if (!Object.hasOwn(OPERATIONS, operation)) throw new Error(`${GATEWAY_QUEUE_ENTITY} has no operation "${String(operation)}"`);
  const apply = OPERATIONS[operation as GatewayQueueOperation] as (state: queue.GatewayQueueState, input: unknown) => unknown;
  const answer = apply(state, context.df.getInput<unknown>()) ?? null;
  context.df.setState(state);
  context.df.return(answer);
}

df.app.entity(GATEWAY_QUEUE_ENTITY, gatewayQueueEntity);
