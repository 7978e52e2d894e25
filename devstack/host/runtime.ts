/**
 * What one harness's parts share: the instance store, the clock and timers, the work in flight and
 * the logs, and the few primitives that move an instance along: deliver an event, finish it, tell
 * its parent, terminate it.
 */
import { cpus } from 'node:os';
import pLimit from 'p-limit';
import type { LogLevel } from '@azure/functions';
import type { Registry } from './functionsCore';
import { Instance, InstanceStore, isTerminal } from './instanceStore';
import { checkSchemaOption } from './schema';
import { timerLateness } from './timerLateness';
import { DurableTimers } from './timers';
import { DurableHarnessOptions, HarnessError, HistoryEvent, LogEntry } from './types';
import { EventType, ReplaySchemaVersion } from './wire';

/** What the runtime needs to know about the entities' side (entityScheduler.ts). */
export interface EntityActivity {
  busy(): boolean;
  describe(): string;
}
import { iso } from './values';

export class HostRuntime {
  readonly logs: LogEntry[] = [];
  readonly registry: Registry;
  readonly instances = new InstanceStore();
  readonly timers: DurableTimers;
  /** The out-of-proc schema the harness advertises (schema.ts). */
  readonly schemaVersion: ReplaySchemaVersion;
  entities: EntityActivity = { busy: () => false, describe: () => 'no entity work' };
  closed = false;
  runningActivities = 0;
  runningEpisodes = 0;
  readonly inflight = new Set<Promise<void>>();
  /** Runs an activity once one of the worker's maxConcurrentActivityFunctions slots is free. */
  readonly activitySlot: pLimit.Limit;
  readonly drivers = new Set<Promise<void>>();

  constructor(readonly options: DurableHarnessOptions) {
    this.registry = options.registry;
    this.schemaVersion = checkSchemaOption(options.outOfProcSchemaVersion);
    const slots = options.maxConcurrentActivityFunctions ?? 10 * cpus().length;
    if (!Number.isInteger(slots) || slots < 1) throw new HarnessError(`maxConcurrentActivityFunctions must be a whole number above 0, not ${slots}`);
    this.activitySlot = pLimit(slots);
    this.timers = new DurableTimers({
      startMs: (options.startTime ?? new Date()).getTime(),
      maxRealDelayMs: Math.max(0, options.maxRealTimerDelayMs ?? 0),
      realTimeScale: positive('realTimeScale', options.realTimeScale ?? 1),
      mode: options.timerMode ?? 'quiescent',
      lateness: timerLateness(options.timerLateness, (message) => this.note(message)),
      isClosed: () => this.closed,
      isQuiescent: () => this.isQuiescent(),
      fire: (t) => this.deliver(t.instance, t.generation, this.event(EventType.TimerFired, { TimerId: t.taskId, FireAt: iso(t.fireAt) })),
    });
  }

  get clockMs(): number {
    return this.timers.clockMs;
  }

  changed(): void {
    this.timers.changed();
  }

  event(eventType: number, fields: Record<string, unknown> = {}, eventId = -1, timestampMs = this.clockMs): HistoryEvent {
    return { EventType: eventType, EventId: eventId, IsPlayed: false, Timestamp: iso(timestampMs), ...fields };
  }

  /** Queues an event for the instance's next episode, unless the work it answers is stale. */
  deliver(instance: Instance, generation: number, event: HistoryEvent): void {
    if (instance.generation !== generation || isTerminal(instance) || !this.instances.isCurrent(instance)) return;
    instance.inbox.push({ ...event, Timestamp: iso(this.clockMs) });
    instance.wake?.();
    this.changed();
  }

  finish(instance: Instance): void {
    this.timers.dropFor(instance);
    instance.wake?.();
    instance.markDone();
    this.changed();
  }

  notifyParent(instance: Instance, succeeded: boolean, resultOrReason: string): void {
    const parent = instance.parent;
    if (!parent) return;
    const event = succeeded
      ? this.event(EventType.SubOrchestrationInstanceCompleted, { TaskScheduledId: parent.taskId, Result: resultOrReason })
      : this.event(EventType.SubOrchestrationInstanceFailed, { TaskScheduledId: parent.taskId, Reason: resultOrReason, Details: '' });
    this.deliver(parent.instance, parent.generation, event);
  }

  /** Like the extension, terminating a finished instance is a no-op. */
  terminate(instance: Instance, reason: string): void {
    if (isTerminal(instance)) return;
    instance.generation++;
    instance.runtimeStatus = 'Terminated';
    instance.output = reason;
    instance.lastUpdatedTime = this.clockMs;
    instance.history.push(this.event(EventType.ExecutionTerminated, { Input: reason }));
    this.note(`instance ${instance.instanceId} (${instance.name}) terminated: ${reason}`);
    this.notifyParent(instance, false, `Orchestrator function '${instance.name}' was terminated: ${reason}`);
    this.finish(instance);
  }

  failWithHarnessError(instance: Instance, error: HarnessError): void {
    if (isTerminal(instance)) return;
    instance.harnessError = error;
    instance.generation++;
    instance.runtimeStatus = 'Failed';
    instance.output = `DurableHarness: ${error.message}`;
    instance.lastUpdatedTime = this.clockMs;
    this.note(`instance ${instance.instanceId} (${instance.name}): ${error.message}`);
    this.notifyParent(instance, false, `Orchestrator function '${instance.name}' failed: ${instance.output as string}`);
    this.finish(instance);
  }

  /** Returns false when the instance has already finished. */
  raiseEvent(instance: Instance, name: string, serializedData: string | undefined): boolean {
    if (isTerminal(instance)) return false;
    this.deliver(instance, instance.generation, this.event(EventType.EventRaised, { Name: name, Input: serializedData }));
    return true;
  }

  /**
   * Nothing runs and nothing waits to be replayed (no entity either): the only thing that can happen next is a timer.
   * Virtual time jumps only then, so an activity in flight never "takes" virtual hours.
   */
  isQuiescent(): boolean {
    if (this.runningActivities > 0 || this.runningEpisodes > 0 || this.entities.busy()) return false;
    for (const instance of this.instances.all()) {
      if (!isTerminal(instance) && (instance.inbox.length > 0 || instance.replayRequested)) return false;
    }
    return true;
  }

  describePending(instance: Instance): string {
    const timers = this.timers
      .pendingFor(instance)
      .map((t) => `timer ${t.taskId} at ${iso(t.fireAt)}${t.dueAt !== t.fireAt ? ` (fires ${iso(t.dueAt)})` : ''}`);
    const dropped = [...instance.dropped].map(([taskId, why]) => `task ${taskId} never completes: ${why}`);
    const queued = this.activitySlot.pendingCount;
    const parts = [`${this.runningActivities - queued} activities running and ${queued} queued for a slot harness-wide`, ...timers, ...dropped];
    if (instance.inbox.length > 0) parts.push(`${instance.inbox.length} events queued`);
    if (instance.entityLock) parts.push(`${instance.entityLock.acquired ? 'holding' : 'waiting for'} locks on ${instance.entityLock.entities.join(', ')}`);
    parts.push(`entities: ${this.entities.describe()}`);
    return parts.join(', ');
  }

  captureLog(functionName: string, level: LogLevel, message: string, instanceId?: string): void {
    this.logs.push({ functionName, level, message, ...(instanceId ? { instanceId } : {}) });
    this.options.log?.(`[${functionName}${instanceId ? ` ${instanceId}` : ''}] ${level}: ${message}`);
  }

  note(message: string): void {
    this.logs.push({ functionName: 'DurableHarness', level: 'harness', message });
    this.options.log?.(`[DurableHarness] ${message}`);
  }
}

/** An option that must be a finite number above zero (NaN would stall every timer). */
function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new HarnessError(`${name} must be a finite number above 0, not ${value}`);
  return value;
}
