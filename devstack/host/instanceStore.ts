/**
 * The harness's instance store: one record per orchestration instance (history, inbox, status,
 * custom status), as the extension keeps them in its task hub, and the views tests read.
 */
import { randomUUID } from 'node:crypto';
import type { HarnessError, HistoryEvent, InstanceStatus, RuntimeStatus } from './types';
import { clone } from './values';

export interface ParentLink {
  instance: Instance;
  generation: number;
  taskId: number;
}

/** The entity locks an orchestration asked for (LockEntities), until it releases them. */
export interface HeldLock {
  requestId: string;
  /** The locked entities' scheduler ids, in lock order. */
  entities: string[];
  /** The last entity answered: the lock is held (the extension sets ContextLocks then). */
  acquired: boolean;
}

export interface Instance {
  instanceId: string;
  /** Identifies this execution; entity responses addressed to another execution are dropped. */
  executionId: string;
  name: string;
  input: unknown;
  parent?: ParentLink;
  runtimeStatus: RuntimeStatus;
  output: unknown;
  customStatus: unknown;
  customStatuses: unknown[];
  createdTime: number;
  lastUpdatedTime: number;
  /** Committed history (episodes that finished). */
  history: HistoryEvent[];
  /** Events that arrived and wait for the next episode. */
  inbox: HistoryEvent[];
  /** Task ids whose work was dispatched in this execution (cleared by continue-as-new). */
  dispatched: Set<number>;
  /** Calls the extension dropped (taskDispatch.ts): task id → why; they never complete. */
  dropped: Map<number, string>;
  /** Bumped by continue-as-new, terminate and purge: results of older work are dropped. */
  generation: number;
  replayRequested: boolean;
  activityRuns: Map<string, number>;
  entityLock?: HeldLock;
  harnessError?: HarnessError;
  done: Promise<void>;
  markDone: () => void;
  wake?: () => void;
}

const TERMINAL: ReadonlySet<RuntimeStatus> = new Set(['Completed', 'Failed', 'Terminated']);

export function isTerminal(instance: Instance): boolean {
  return TERMINAL.has(instance.runtimeStatus);
}

/** A new, pending instance whose inbox holds its ExecutionStarted event. */
export function newInstance(fields: {
  instanceId: string;
  name: string;
  input: unknown;
  parent: ParentLink | undefined;
  nowMs: number;
  executionStarted: HistoryEvent;
}): Instance {
  let markDone!: () => void;
  const done = new Promise<void>((resolve) => (markDone = resolve));
  return {
    instanceId: fields.instanceId,
    executionId: newExecutionId(),
    name: fields.name,
    input: clone(fields.input),
    parent: fields.parent,
    runtimeStatus: 'Pending',
    output: undefined,
    customStatus: undefined,
    customStatuses: [],
    createdTime: fields.nowMs,
    lastUpdatedTime: fields.nowMs,
    history: [],
    inbox: [fields.executionStarted],
    dispatched: new Set(),
    dropped: new Map(),
    generation: 0,
    replayRequested: false,
    activityRuns: new Map(),
    done,
    markDone,
  };
}

/** DTFx execution ids are GUIDs without dashes. */
export function newExecutionId(): string {
  return randomUUID().replace(/-/g, '');
}

export class InstanceStore {
  private readonly byId = new Map<string, Instance>();

  get(instanceId: string): Instance | undefined {
    return this.byId.get(instanceId);
  }

  require(instanceId: string): Instance {
    const instance = this.byId.get(instanceId);
    if (!instance) throw new Error(`No orchestration instance with id "${instanceId}".`);
    return instance;
  }

  has(instanceId: string): boolean {
    return this.byId.has(instanceId);
  }

  /** Whether `instance` is still the one stored under its id (not purged or replaced). */
  isCurrent(instance: Instance): boolean {
    return this.byId.get(instance.instanceId) === instance;
  }

  set(instance: Instance): void {
    this.byId.set(instance.instanceId, instance);
  }

  delete(instanceId: string): boolean {
    return this.byId.delete(instanceId);
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }

  all(): Instance[] {
    return [...this.byId.values()];
  }
}

/** Keeps the latest custom status and the list of distinct ones (consecutive repeats collapsed). */
export function recordCustomStatus(instance: Instance, customStatus: unknown): void {
  instance.customStatus = clone(customStatus);
  if (customStatus === undefined) return;
  const last = instance.customStatuses[instance.customStatuses.length - 1];
  if (instance.customStatuses.length === 0 || JSON.stringify(last) !== JSON.stringify(customStatus)) {
    instance.customStatuses.push(clone(customStatus));
  }
}

export function statusOf(instance: Instance): InstanceStatus {
  return {
    instanceId: instance.instanceId,
    name: instance.name,
    runtimeStatus: instance.runtimeStatus,
    input: clone(instance.input),
    output: clone(instance.output),
    customStatus: clone(instance.customStatus),
    createdTime: new Date(instance.createdTime),
    lastUpdatedTime: new Date(instance.lastUpdatedTime),
    history: clone(instance.history),
  };
}
