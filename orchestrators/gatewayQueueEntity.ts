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

export function gatewayQueueEntity(context: EntityContext<queue.GatewayQueueState>): void {
  const state = context.df.getState(() => queue.emptyQueue()) ?? queue.emptyQueue();
  const operation = context.df.operationName as GatewayQueueOperation;
  const input = context.df.getInput<unknown>();
  let answer: unknown = null;
  switch (operation) {
    case 'enqueue':
      answer = queue.enqueue(state, input as GatewayQueueOperations['enqueue']['input']);
      break;
    case 'take':
      answer = queue.take(state, input as GatewayQueueOperations['take']['input']);
      break;
    case 'complete':
      answer = queue.complete(state, input as GatewayQueueOperations['complete']['input']);
      break;
    case 'renew':
      queue.renew(state, input as GatewayQueueOperations['renew']['input']);
      break;
    case 'release':
      queue.release(state, input as GatewayQueueOperations['release']['input']);
      break;
    case 'announce':
      queue.announce(state, input as GatewayQueueOperations['announce']['input']);
      break;
    case 'withdraw':
      queue.withdraw(state, input as GatewayQueueOperations['withdraw']['input']);
      break;
    case 'peek':
      answer = queue.peek(state, input as GatewayQueueOperations['peek']['input']);
      break;
    case 'poll':
      answer = queue.poll(state, input as GatewayQueueOperations['poll']['input']);
      break;
    default:
      throw new Error(`${GATEWAY_QUEUE_ENTITY} has no operation "${String(operation)}"`);
  }
  context.df.setState(state);
  context.df.return(answer);
}

df.app.entity(GATEWAY_QUEUE_ENTITY, gatewayQueueEntity);
