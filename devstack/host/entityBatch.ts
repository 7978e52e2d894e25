/**
 * Runs one batch of entity operations through the registered entity function, with the payload
 * the extension builds and the checks it applies to the answer.
 *
 * In: Bindings/EntityTriggerAttributeBindingProvider.cs (EntityContextToString) sends
 * `{ self: {name, key}, exists, state, batch: [{ name, input, isSignal }] }` — state and inputs are
 * JSON text or null, and no request id is sent. durable-functions (lib/src/entities/Entity.js) runs
 * the user function once per operation in that one invocation.
 * Out: the invocation's return value, serialized by the worker, read as
 * TaskEntityShim.OutOfProcResult: `{ entityExists, entityState, results: [{ isError, result,
 * duration }], signals: [{ target: {name, key}, name, input }] }`; a missing `entityExists` reads as
 * false and a missing `entityState` as null (Newtonsoft defaults).
 */
import type { RegisteredFunction } from './functionsCore';
import type { InvocationContexts } from './invocationContext';
import { HarnessError, EntityIdentity } from './types';
import type { RequestMessage } from './entityProtocol';
import { clone, errorMessage } from './values';

export interface EntityStateRecord {
  exists: boolean;
  /** SchedulerState.EntityState: the entity's state as JSON text, or null. */
  state: string | null;
}

export interface OperationOutcome {
  isError: boolean;
  result: string | null | undefined;
}

export interface SignalOut {
  target: EntityIdentity;
  name: string;
  input: string | null | undefined;
}

export interface BatchOutcome extends EntityStateRecord {
  results: OperationOutcome[];
  signals: SignalOut[];
}

export async function runEntityBatch(
  contexts: InvocationContexts,
  fn: RegisteredFunction,
  self: EntityIdentity,
  schedulerId: string,
  current: EntityStateRecord,
  operations: readonly RequestMessage[],
): Promise<BatchOutcome> {
  const payload = {
    self: { name: self.name, key: self.key },
    exists: current.exists,
    state: current.state,
    batch: operations.map((op) => ({ name: op.op, input: op.input ?? null, isSignal: op.signal === true })),
  };
  const context = await contexts.create(fn, schedulerId);
  let returned: unknown;
  try {
    returned = clone(await fn.handler(clone(payload), context));
  } catch (error) {
    // Entity.js catches what an operation throws; an error escaping the invocation is an internal
    // error in TaskEntityShim.ExecuteBatch, and the extension aborts the batch instead of committing it.
    throw new HarnessError(`entity function ${fn.name} (${schedulerId}) failed outside its operations: ${errorMessage(error)}`);
  }
  return readOutcome(fn.name, schedulerId, returned, operations.length);
}

function readOutcome(functionName: string, schedulerId: string, returned: unknown, batchSize: number): BatchOutcome {
  const where = `entity function ${functionName} (${schedulerId})`;
  if (!returned || typeof returned !== 'object' || Array.isArray(returned)) {
    // "Out of proc orchestrators must return a valid JSON schema." (TaskEntityShim.ExecuteOutOfProcBatch)
    throw new HarnessError(`${where} returned ${JSON.stringify(returned)}, not the entity batch result object.`);
  }
  const out = returned as Record<string, unknown>;
  const results = out.results;
  const signals = out.signals;
  if (!Array.isArray(results) || results.length < batchSize) {
    // The shim reads Results[i] for every operation of the batch: fewer results is an internal error.
    throw new HarnessError(`${where} returned ${Array.isArray(results) ? results.length : 'no'} results for a batch of ${batchSize} operations.`);
  }
  if (!Array.isArray(signals)) {
    throw new HarnessError(`${where} returned no signals list.`);
  }
  const state = out.entityState;
  if (state !== undefined && state !== null && typeof state !== 'string') {
    throw new HarnessError(`${where} returned an entityState that is not JSON text.`);
  }
  return {
    exists: out.entityExists === true,
    state: typeof state === 'string' ? state : null,
    // Results beyond the batch (an operation that called `return` twice) are never read.
    results: results.slice(0, batchSize).map((r) => readResult(where, r)),
    signals: signals.map((s) => readSignal(where, s)),
  };
}

function readResult(where: string, value: unknown): OperationOutcome {
  if (!value || typeof value !== 'object') throw new HarnessError(`${where} returned an operation result that is not an object.`);
  const r = value as Record<string, unknown>;
  if (r.result !== undefined && r.result !== null && typeof r.result !== 'string') {
    throw new HarnessError(`${where} returned an operation result that is not JSON text.`);
  }
  return { isError: r.isError === true, result: r.result as string | null | undefined };
}

function readSignal(where: string, value: unknown): SignalOut {
  const s = (value ?? {}) as Record<string, unknown>;
  const target = (s.target ?? {}) as Record<string, unknown>;
  if (typeof target.name !== 'string' || target.name === '' || typeof target.key !== 'string' || typeof s.name !== 'string') {
    // EntityId's JSON requires name and key (Required.Always), and the name must not be empty.
    throw new HarnessError(`${where} sent a signal without a valid target or operation: ${JSON.stringify(value)}.`);
  }
  return { target: { name: target.name.toLowerCase(), key: target.key }, name: s.name, input: s.input as string | null | undefined };
}
