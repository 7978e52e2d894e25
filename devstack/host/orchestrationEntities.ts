/**
 * The orchestration side of entities: what the extension writes to an orchestration's history and
 * sends when the orchestrator returns CallEntity (7), SignalEntity (9), LockEntities (13) and
 * ReleaseEntities (14), and how answers come back.
 *
 * Extension (Azure/azure-functions-durable-extension, src/WebJobs.Extensions.DurableTask/):
 * - Listener/OutOfProcOrchestrationShim.cs replays each action through the .NET context API:
 *   CallEntityAsync / SignalEntity → DurableOrchestrationContext.CallDurableTaskFunctionAsync, which
 *   first checks that an entity function exists (DurableTaskExtension.ThrowIfFunctionDoesNotExist),
 *   then sends a RequestMessage with a new id as event "op" (SendEntityMessage → SendEvent: history
 *   EventSent, one task id) and, for a call, waits for the event named by that id
 *   (WaitForEntityResponse). The check's exception surfaces differently: SignalEntity waits on the
 *   already-faulted task and rethrows, so the orchestration fails with that message; for a call (and
 *   LockAsync) it only faults the task, which the shim ignores, so the call is dropped and never
 *   answered (taskDispatch.ts).
 * - LockAsync sends one lock request to the first entity of the sorted lock set and waits for the
 *   event named by its id; ReleaseLocks sends one "release" per locked entity (PR #3453 maps 13/14
 *   onto these). TaskOrchestrationShim.Execute calls ReleaseLocks after the orchestrator ends
 *   successfully; on failure it does not, so an entity the orchestration did not release itself
 *   stays locked (extension issues #1977, #2743).
 * Library (durable-functions 3.5.0, lib/src/orchestrations/TaskOrchestrationExecutor.js): on replay
 * an EventSent whose EventId is an open CallEntity/LockEntities task re-keys that task by the id in
 * its Input; an EventRaised with that Name completes it: for a call, `Input` is a ResponseMessage
 * whose `result` is JSON-parsed and whose `exceptionType` turns it into `Error(result)`.
 */
import { HeldLock, Instance, isTerminal } from './instanceStore';
import {
  entityIdentity,
  EntityMessage,
  newRequestId,
  requestInput,
  requestMessage,
  ResponseMessage,
  schedulerId,
  unknownEntityMessage,
} from './entityProtocol';
import type { EntityScheduler } from './entityScheduler';
import type { FireAndForget } from './executorProbe';
import type { LibAction } from './libraryShapes';
import type { HostRuntime } from './runtime';
import type { Work } from './taskDispatch';
import { HarnessError, HistoryEvent } from './types';
import { ActionType, ENTITY_RELEASE_EVENT, ENTITY_REQUEST_EVENT, EventType } from './wire';

/** The extension refused an action while replaying it: the orchestration fails with this message. */
export class ExtensionRejection extends Error {
  override readonly name = 'ExtensionRejection';
}

export class OrchestrationEntities {
  private scheduler!: EntityScheduler;

  constructor(private readonly runtime: HostRuntime) {}

  attach(scheduler: EntityScheduler): void {
    this.scheduler = scheduler;
  }

  /** Why the extension refuses a CallEntity or LockEntities action (an entity with no function), if it does. */
  entityProblem(action: LibAction): string | undefined {
    const names = action.actionType === ActionType.LockEntities ? (action.lockSet ?? []).map((e) => e.name) : [entityNameOf(action.instanceId)];
    const unknown = names.find((name) => !this.scheduler.hasFunction(name));
    return unknown === undefined ? undefined : unknownEntityMessage(this.runtime.registry, unknown.toLowerCase());
  }

  /** CallEntity: EventSent now; the answer arrives later as EventRaised named by the request id. */
  callWork(instance: Instance, taskId: number, action: LibAction): Work {
    const target = this.knownEntity(action.instanceId);
    const request = requestMessage({
      op: action.operation ?? null,
      input: requestInput(action.input),
      id: newRequestId(),
      parent: instance.instanceId,
      parentExecution: instance.executionId,
    });
    return this.sendWork(taskId, target, { kind: 'request', request });
  }

  /** LockEntities: one lock request to the first entity; it travels along the lock set. */
  lockWork(instance: Instance, taskId: number, action: LibAction): Work {
    const lockset = (action.lockSet ?? []).map((e) => entityIdentity(e.name, e.key));
    const first = lockset[0];
    if (!first) throw new HarnessError(`orchestration ${instance.name} asked for a lock on no entity.`);
    for (const entity of lockset) this.knownEntity(schedulerId(entity));
    const request = requestMessage({ op: null, id: newRequestId(), parent: instance.instanceId, parentExecution: instance.executionId, lockset });
    instance.entityLock = { requestId: request.id, entities: lockset.map(schedulerId), acquired: false };
    return this.sendWork(taskId, schedulerId(first), { kind: 'request', request });
  }

  /** SignalEntity and ReleaseEntities actions the orchestrator recorded and the extension has not yet sent. */
  fireAndForgetWork(instance: Instance, records: readonly FireAndForget[]): Work[] {
    const works: Work[] = [];
    for (const { action, firstId, count } of records) {
      if (instance.dispatched.has(firstId)) continue;
      if (action.actionType === ActionType.SignalEntity) {
        const target = this.knownEntity(action.instanceId);
        const request = requestMessage({
          op: action.operation ?? null,
          signal: true,
          input: requestInput(action.input),
          id: newRequestId(),
          parent: instance.instanceId,
          parentExecution: instance.executionId,
        });
        works.push(this.sendWork(firstId, target, { kind: 'request', request }));
      } else if (action.actionType === ActionType.ReleaseEntities) {
        const lock = instance.entityLock;
        if (!lock || lock.entities.length !== count) {
          throw new HarnessError(`orchestration ${instance.name} released ${count} locks, but holds ${lock ? lock.entities.length : 'none'}.`);
        }
        works.push(...this.releaseWorks(instance, lock, firstId));
      } else {
        throw new HarnessError(`orchestration ${instance.name} recorded a fire-and-forget action of type ${action.actionType} the harness does not know.`);
      }
      for (let id = firstId; id < firstId + count; id++) instance.dispatched.add(id);
    }
    return works;
  }

  /** TaskOrchestrationShim.Execute: after a successful end, locks still held are released (ids from `nextId`). */
  implicitReleaseWork(instance: Instance, nextId: number): Work[] {
    const lock = instance.entityLock;
    return lock && lock.acquired ? this.releaseWorks(instance, lock, nextId) : [];
  }

  /** An entity's answer to a call or lock request, raised on the caller's execution (ResponseSink). */
  deliverResponse(parent: string, parentExecution: string | undefined, requestId: string, response: ResponseMessage, isLockResponse: boolean): void {
    const runtime = this.runtime;
    const instance = runtime.instances.get(parent);
    if (!instance || isTerminal(instance) || instance.executionId !== parentExecution) {
      runtime.note(`entity response ${requestId} for ${parent} dropped: that execution is no longer running`);
      return;
    }
    if (isLockResponse && instance.entityLock?.requestId === requestId) instance.entityLock.acquired = true;
    runtime.deliver(instance, instance.generation, runtime.event(EventType.EventRaised, { Name: requestId, Input: JSON.stringify(response) }));
  }

  private releaseWorks(instance: Instance, lock: HeldLock, firstId: number): Work[] {
    instance.entityLock = undefined;
    return lock.entities.map((target, i) =>
      this.sendWork(firstId + i, target, { kind: 'release', release: { parent: instance.instanceId, id: lock.requestId } }),
    );
  }

  /** A signal's or call's target; for a signal, the extension's refusal fails the orchestration (SignalEntity rethrows). */
  private knownEntity(target: string | undefined): string {
    if (!target) throw new HarnessError('an entity action carries no entity instance id.');
    const name = entityNameOf(target);
    if (!this.scheduler.hasFunction(name)) throw new ExtensionRejection(unknownEntityMessage(this.runtime.registry, name));
    return target;
  }

  private sendWork(taskId: number, target: string, message: EntityMessage): Work {
    const event: HistoryEvent = this.runtime.event(
      EventType.EventSent,
      {
        InstanceId: target,
        Name: message.kind === 'request' ? ENTITY_REQUEST_EVENT : ENTITY_RELEASE_EVENT,
        Input: JSON.stringify(message.kind === 'request' ? message.request : message.release),
      },
      taskId,
    );
    return { events: [event], start: () => this.scheduler.send(target, message) };
  }
}

/** The entity name of a scheduler id `@name@key`. */
function entityNameOf(target: string | undefined): string {
  if (!target) throw new HarnessError('an entity action carries no entity instance id.');
  const at = target.indexOf('@', 1);
  return at > 0 ? target.substring(1, at) : target;
}
