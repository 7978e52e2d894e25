/**
 * The entity side of the extension: each entity's state, queue and lock, and the loop that runs
 * its batches — one batch at a time per entity, operations in arrival order, as the extension's
 * entity scheduler does (Azure/azure-functions-durable-extension, src/WebJobs.Extensions.DurableTask/):
 * - DurableTaskExtension.cs, EntityMiddleware: a work item first reads the messages delivered since
 *   the last one (requests are queued, except that requests from the lock holder go to the front;
 *   a release from the holder unlocks), then takes operations from the queue while it may dequeue
 *   (unlocked, or the head comes from the holder), up to maxEntityOperationBatchSize, stopping
 *   after a lock request;
 * - EntityScheduler/SchedulerState.cs: Enqueue, PutBack, MayDequeue;
 * - Listener/TaskEntityShim.cs, ExecuteOutOfProcBatch: the state is replaced by what the batch
 *   returned — an operation that threw is NOT rolled back (out-of-proc results carry one state for
 *   the whole batch; Entity.js mutates it in place) — then each call gets its ResponseMessage and
 *   each signal becomes a new request; ProcessLockRequest: lock, then forward the request to the
 *   next entity of the lock set or answer the orchestration;
 * - DurableEntityContext.cs, SendOutbox: messages leave in the order they were produced.
 */
import { runEntityBatch, type BatchOutcome } from './entityBatch';
import {
  entityIdFromSchedulerId,
  EntityMessage,
  findEntityFunction,
  newRequestId,
  requestMessage,
  RequestMessage,
  ResponseMessage,
  responseMessage,
  schedulerId,
  unknownEntityMessage,
} from './entityProtocol';
import type { InvocationContexts } from './invocationContext';
import type { HostRuntime } from './runtime';
import { EntityIdentity, EntitySnapshot, HarnessError } from './types';
import { LOCK_ACQUIRED_RESULT } from './wire';

/** Where responses go: the calling orchestration, by instance and execution id. */
export type ResponseSink = (parent: string, parentExecution: string | undefined, requestId: string, response: ResponseMessage, isLockResponse: boolean) => void;

interface EntityRecord {
  readonly schedulerId: string;
  readonly id: EntityIdentity;
  exists: boolean;
  state: string | null;
  /** SchedulerState.Queue: requests waiting for a batch. */
  queue: RequestMessage[];
  /** SchedulerState.LockedBy: the orchestration instance holding the lock. */
  lockedBy: string | null;
  /** Messages delivered but not yet read by a work item. */
  inbox: EntityMessage[];
  running: boolean;
  faulted: boolean;
  batchesRun: number;
}

const DEFAULT_MAX_BATCH = 50;

export class EntityScheduler {
  private readonly entities = new Map<string, EntityRecord>();
  private readonly maxBatch: number;
  private readonly faults: HarnessError[] = [];
  private faultWaiters: Array<(fault: HarnessError) => void> = [];

  constructor(
    private readonly runtime: HostRuntime,
    private readonly contexts: InvocationContexts,
    private readonly respond: ResponseSink,
  ) {
    this.maxBatch = runtime.options.maxEntityOperationBatchSize ?? DEFAULT_MAX_BATCH;
    if (!Number.isInteger(this.maxBatch) || this.maxBatch <= 0) {
      // DurableTaskOptions.Validate: "MaxEntityOperationBatchSize must be a positive integer value."
      throw new HarnessError('maxEntityOperationBatchSize must be a positive integer value.');
    }
  }

  /** Whether an entity function serves this entity name (callers check before they send). */
  hasFunction(entityName: string): boolean {
    return findEntityFunction(this.runtime.registry, entityName) !== undefined;
  }

  /** Delivers a message to an entity; its batches start when it is idle. */
  send(target: string, message: EntityMessage): void {
    const record = this.record(target);
    record.inbox.push(message);
    this.kick(record);
    this.runtime.changed();
  }

  snapshot(target: string): EntitySnapshot {
    const record = this.entities.get(target);
    if (!record) return { exists: false, state: undefined };
    return { exists: record.exists, state: record.state === null ? undefined : JSON.parse(record.state) };
  }

  /** The state text the client API reads (null unless the entity exists with a state). */
  serializedState(target: string): string | null {
    const record = this.entities.get(target);
    return record && record.exists ? record.state : null;
  }

  /** Some entity has work it can do now (a batch runs, or messages wait that may be processed). */
  busy(): boolean {
    for (const record of this.entities.values()) {
      if (!record.faulted && (record.running || this.hasWork(record))) return true;
    }
    return false;
  }

  describe(): string {
    const parts = [...this.entities.values()]
      .filter((r) => r.queue.length > 0 || r.inbox.length > 0 || r.lockedBy !== null || r.running)
      .map((r) => `${r.schedulerId}: ${r.queue.length} queued${r.lockedBy ? `, locked by ${r.lockedBy}` : ''}${r.running ? ', running' : ''}`);
    return parts.length > 0 ? parts.join('; ') : 'no entity work';
  }

  /** The first fault: an entity the harness had to stop because the extension could not have gone on. */
  get fault(): HarnessError | undefined {
    return this.faults[0];
  }

  /** Resolves with the first fault, at once if there was one. */
  firstFault(): Promise<HarnessError> {
    const first = this.faults[0];
    if (first) return Promise.resolve(first);
    return new Promise((resolve) => this.faultWaiters.push(resolve));
  }

  private record(target: string): EntityRecord {
    let record = this.entities.get(target);
    if (!record) {
      record = {
        schedulerId: target,
        id: entityIdFromSchedulerId(target),
        exists: false,
        state: null,
        queue: [],
        lockedBy: null,
        inbox: [],
        running: false,
        faulted: false,
        batchesRun: 0,
      };
      this.entities.set(target, record);
    }
    return record;
  }

  private mayDequeue(record: EntityRecord): boolean {
    const head = record.queue[0];
    return !!head && (record.lockedBy === null || record.lockedBy === head.parent);
  }

  private hasWork(record: EntityRecord): boolean {
    return record.inbox.length > 0 || this.mayDequeue(record);
  }

  private kick(record: EntityRecord): void {
    const runtime = this.runtime;
    if (record.running || record.faulted || runtime.closed || !this.hasWork(record)) return;
    record.running = true;
    const run = (async () => {
      try {
        while (!runtime.closed && this.hasWork(record)) await this.workItem(record);
      } catch (error) {
        this.stop(record, error instanceof HarnessError ? error : new HarnessError(`entity ${record.schedulerId}: ${String(error)}`));
      } finally {
        // In the same turn as the last look for work: a message sent from now on starts a new run.
        record.running = false;
      }
    })().finally(() => {
      runtime.inflight.delete(run);
      runtime.changed();
    });
    runtime.inflight.add(run);
  }

  private stop(record: EntityRecord, error: HarnessError): void {
    record.faulted = true;
    this.faults.push(error);
    this.runtime.note(`entity ${record.schedulerId} stopped: ${error.message}`);
    const waiters = this.faultWaiters;
    this.faultWaiters = [];
    for (const resolve of waiters) resolve(error);
  }

  /** One work item of the entity scheduler (EntityMiddleware): read messages, run a batch, send the outbox. */
  private async workItem(record: EntityRecord): Promise<void> {
    const holderMessages: RequestMessage[] = [];
    for (const message of record.inbox.splice(0)) {
      if (message.kind === 'release') {
        if (record.lockedBy === message.release.parent) record.lockedBy = null;
      } else if (record.lockedBy !== null && record.lockedBy === message.request.parent) {
        holderMessages.push(message.request);
      } else {
        record.queue.push(message.request);
      }
    }
    record.queue.unshift(...holderMessages);

    const operations: RequestMessage[] = [];
    let lockRequest: RequestMessage | undefined;
    while (this.mayDequeue(record) && operations.length < this.maxBatch) {
      const next = record.queue.shift() as RequestMessage;
      if (next.lockset) {
        lockRequest = next;
        break;
      }
      operations.push(next);
    }

    const outbox: Array<() => void> = [];
    if (operations.length > 0) {
      const outcome = await this.runBatch(record, operations);
      if (!outcome) {
        // The host "died" before committing: nothing of the batch happened, its messages come back.
        record.queue.unshift(...operations, ...(lockRequest ? [lockRequest] : []));
        return;
      }
      record.exists = outcome.exists;
      record.state = outcome.state;
      this.collectOutbox(record, operations, outcome, outbox);
    }
    if (lockRequest) this.grantLock(record, lockRequest, outbox);
    for (const send of outbox) send();
  }

  private async runBatch(record: EntityRecord, operations: RequestMessage[]): Promise<BatchOutcome | undefined> {
    const runtime = this.runtime;
    const fn = findEntityFunction(runtime.registry, record.id.name);
    if (!fn) throw new HarnessError(`messages reached ${record.schedulerId}, but ${unknownEntityMessage(runtime.registry, record.id.name)}`);
    record.batchesRun++;
    const outcome = await runEntityBatch(this.contexts, fn, record.id, record.schedulerId, { exists: record.exists, state: record.state }, operations);
    if (runtime.options.crashAfterEntityBatch?.({ ...record.id }, record.batchesRun)) {
      runtime.note(
        `host "crashed" after batch ${record.batchesRun} of entity ${record.schedulerId} (${operations.length} operations) ran; its messages are delivered again`,
      );
      return undefined;
    }
    return outcome;
  }

  private collectOutbox(record: EntityRecord, operations: RequestMessage[], outcome: BatchOutcome, outbox: Array<() => void>): void {
    operations.forEach((op, i) => {
      const result = outcome.results[i] as BatchOutcome['results'][number];
      if (result.isError) this.runtime.note(`entity ${record.schedulerId}: operation '${op.op}' failed: ${result.result ?? ''}`);
      if (!op.signal) {
        const response = responseMessage(result.result, result.isError);
        outbox.push(() => this.respond(op.parent ?? '', op.parentExecution, op.id, response, false));
      }
    });
    for (const signal of outcome.signals) {
      const target = schedulerId(signal.target);
      if (!this.hasFunction(signal.target.name)) {
        throw new HarnessError(`entity ${record.schedulerId} signalled ${target}, but ${unknownEntityMessage(this.runtime.registry, signal.target.name)}`);
      }
      // For entities the sender is the entity itself, with no execution id (TaskEntityShim).
      const request = requestMessage({ op: signal.name, signal: true, input: signal.input ?? undefined, id: newRequestId(), parent: record.schedulerId });
      outbox.push(() => this.send(target, { kind: 'request', request }));
    }
  }

  /** TaskEntityShim.ProcessLockRequest: this entity is locked; pass the request on, or answer it. */
  private grantLock(record: EntityRecord, request: RequestMessage, outbox: Array<() => void>): void {
    const lockset = request.lockset ?? [];
    const position = request.pos ?? 0;
    const expected = lockset[position];
    if (!expected || schedulerId(expected) !== record.schedulerId) {
      throw new HarnessError(`lock request ${request.id} reached ${record.schedulerId} at position ${position} of ${JSON.stringify(lockset)}.`);
    }
    record.lockedBy = request.parent ?? null;
    const next = lockset[position + 1];
    if (next) {
      const forwarded = requestMessage({ ...request, pos: position + 1 });
      outbox.push(() => this.send(schedulerId(next), { kind: 'request', request: forwarded }));
    } else {
      outbox.push(() => this.respond(request.parent ?? '', request.parentExecution, request.id, { result: LOCK_ACQUIRED_RESULT }, true));
    }
  }
}
