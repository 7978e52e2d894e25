/**
 * The messages the Durable extension exchanges with entities, and entity ids, as the extension
 * writes them (Azure/azure-functions-durable-extension, src/WebJobs.Extensions.DurableTask/):
 * - EntityScheduler/RequestMessage.cs: an operation, signal or lock request (Newtonsoft, so
 *   properties in declaration order; `signal`, `input`, `parent`, `parentExecution`, `lockset`,
 *   `pos` are left out at their default values; `op` is written even when null).
 * - EntityScheduler/ResponseMessage.cs: `{ result, exceptionType? }`.
 * - EntityScheduler/ReleaseMessage.cs: `{ parent, id }`.
 * - EntityScheduler/EntityId.cs: the scheduler id `@name@key`, the name lower-cased.
 * The sorter fields (`Timestamp`, `Predecessor`, MessageSorter.cs) are left out: the harness
 * delivers every message exactly once and in order, and nothing on the JS side reads them.
 */
import { randomUUID } from 'node:crypto';
import type { RegisteredFunction, Registry } from './functionsCore';
import type { EntityIdentity } from './types';

export const ENTITY_TRIGGER = 'entityTrigger';

export interface RequestMessage {
  op: string | null;
  signal?: true;
  input?: string;
  id: string;
  parent?: string;
  parentExecution?: string;
  lockset?: EntityIdentity[];
  pos?: number;
}

export interface ReleaseMessage {
  parent: string;
  id: string;
}

export interface ResponseMessage {
  result: string | null;
  exceptionType?: string;
}

/** What an entity receives: an operation or lock request ("op" events), or a lock release ("release"). */
export type EntityMessage = { kind: 'request'; request: RequestMessage } | { kind: 'release'; release: ReleaseMessage };

/** EntityId's constructor: the name lower-cased, the key kept as it is. */
export function entityIdentity(name: string, key: string): EntityIdentity {
  if (!name) throw new Error('Invalid entity id: entity name must not be a null or empty string.');
  return { name: name.toLowerCase(), key };
}

export function schedulerId(id: EntityIdentity): string {
  return `@${id.name.toLowerCase()}@${id.key}`;
}

/** EntityId.GetEntityIdFromSchedulerId: the name runs to the second `@`, the key is the rest. */
export function entityIdFromSchedulerId(id: string): EntityIdentity {
  const at = id.indexOf('@', 1);
  if (!id.startsWith('@') || at < 0) throw new Error(`"${id}" is not an entity instance id (@name@key).`);
  return entityIdentity(id.substring(1, at), id.substring(at + 1));
}

/** A request id: the extension's `Guid`, written in the "D" format. */
export function newRequestId(): string {
  return randomUUID();
}

/** RequestMessage.SetInput: the input as JSON text; no input (null or undefined) leaves the field out. */
export function requestInput(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : JSON.stringify(value);
}

/** A RequestMessage with the extension's property order and default-value omissions. */
export function requestMessage(fields: RequestMessage): RequestMessage {
  const message: Partial<RequestMessage> = { op: fields.op };
  if (fields.signal) message.signal = true;
  if (fields.input !== undefined && fields.input !== null) message.input = fields.input;
  message.id = fields.id;
  if (fields.parent) message.parent = fields.parent;
  if (fields.parentExecution) message.parentExecution = fields.parentExecution;
  if (fields.lockset) message.lockset = fields.lockset.map((e) => ({ name: e.name, key: e.key }));
  if (fields.pos) message.pos = fields.pos;
  return message as RequestMessage;
}

/** The ResponseMessage an out-of-proc batch result becomes (TaskEntityShim.ExecuteOutOfProcBatch). */
export function responseMessage(result: string | null | undefined, isError: boolean): ResponseMessage {
  return isError ? { result: result ?? null, exceptionType: 'Error' } : { result: result ?? null };
}

/** The entity function for an entity name: function names compare case-insensitively (FunctionName). */
export function findEntityFunction(registry: Registry, entityName: string): RegisteredFunction | undefined {
  const wanted = entityName.toLowerCase();
  return registry.all().find((f) => f.triggerType === ENTITY_TRIGGER && f.name.toLowerCase() === wanted);
}

/**
 * DurableTaskExtension.ThrowIfFunctionDoesNotExist / GetInvalidEntityFunctionMessage, word for word
 * (including its quirk: it tests for known orchestrators before listing the known entities).
 */
export function unknownEntityMessage(registry: Registry, entityName: string): string {
  const entities = registry.byTriggerType(ENTITY_TRIGGER).map((f) => f.name);
  const orchestrators = registry.byTriggerType('orchestrationTrigger');
  const info =
    orchestrators.length > 0 ? `The following are the known entity functions: '${entities.join("', '")}'.` : 'No entity functions are currently registered!';
  return `The function '${entityName}' doesn't exist, is disabled, or is not an entity function. Additional info: ${info}`;
}
