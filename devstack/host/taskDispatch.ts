/**
 * Turns each task an orchestrator opened into the history events to commit (TaskScheduled,
 * TimerCreated, SubOrchestrationInstanceCreated, EventSent) and the work to start once they are
 * committed: run the real activity, arm a durable timer, create the child instance, send an entity
 * its call or lock request (orchestrationEntities.ts).
 */
import type { InvocationContexts } from './invocationContext';
import { Instance, isTerminal, ParentLink } from './instanceStore';
import { decodeActionInput, encodeActionInput, isRetryable, LibAction, LibTask, retryDelayMs } from './libraryShapes';
import type { OrchestrationEntities } from './orchestrationEntities';
import type { HostRuntime } from './runtime';
import { HarnessError, HistoryEvent } from './types';
import { clone, errorMessage, iso, serialize } from './values';
import { ACTION_NAMES, ActionType, EventType } from './wire';

export interface Work {
  events: HistoryEvent[];
  start: () => void;
}

export type CreateInstance = (name: string, instanceId: string, input: unknown, parent?: ParentLink) => Instance;

export class TaskDispatcher {
  constructor(
    private readonly runtime: HostRuntime,
    private readonly contexts: InvocationContexts,
    private readonly createInstance: CreateInstance,
    private readonly entities: OrchestrationEntities,
  ) {}

  /** Turns one newly opened task into the events to commit and the work to start after commit. */
  workFor(instance: Instance, taskId: number, task: LibTask, nowMs: number): Work | undefined {
    const generation = instance.generation;
    const action = task.actionObj;
    if (action === 'noOp') {
      // Follow-ups of callActivityWithRetry / callSubOrchestratorWithRetry: after a failure the
      // library waits for a timer (id n+1), then for the next attempt's result (id n+2).
      const retry = task.parent;
      if (!isRetryable(retry) || !retry.actionObj || retry.actionObj === 'noOp') {
        throw new HarnessError(`task ${taskId} of ${instance.name} is a bare NoOpTask the harness does not understand.`);
      }
      if (retry.isWaitingOnTimer) {
        const failedAttempt = (retry.attemptNumber ?? 2) - 1;
        return this.timerWork(instance, generation, taskId, nowMs + retryDelayMs(retry.retryOptions, failedAttempt));
      }
      return this.callWork(instance, generation, taskId, retry.actionObj);
    }
    if (!action || typeof action !== 'object' || typeof action.actionType !== 'number') {
      throw new HarnessError(`task ${taskId} of ${instance.name} has no action the harness understands.`);
    }
    if (action.actionType === ActionType.CreateTimer) {
      if (action.isCanceled) return undefined;
      return this.timerWork(instance, generation, taskId, new Date(action.fireAt ?? nowMs).getTime());
    }
    return this.callWork(instance, generation, taskId, action);
  }

  private alreadyRecorded(instance: Instance, eventType: number, taskId: number): boolean {
    return instance.history.some((e) => e.EventType === eventType && e.EventId === taskId);
  }

  private callWork(instance: Instance, generation: number, taskId: number, action: LibAction): Work {
    const runtime = this.runtime;
    switch (action.actionType) {
      case ActionType.CallActivity:
      case ActionType.CallActivityWithRetry: {
        const name = action.functionName ?? '';
        const events = this.alreadyRecorded(instance, EventType.TaskScheduled, taskId)
          ? []
          : [runtime.event(EventType.TaskScheduled, { Name: name, Input: encodeActionInput(action.input) }, taskId)];
        return { events, start: () => this.runActivity(instance, generation, taskId, name, decodeActionInput(action.input)) };
      }
      case ActionType.CallSubOrchestrator:
      case ActionType.CallSubOrchestratorWithRetry: {
        const name = action.functionName ?? '';
        const childId = action.instanceId || `${instance.instanceId}:${taskId}`;
        const input = action.input;
        return {
          // Unlike activity inputs, sub-orchestration inputs are not pre-encoded by the library.
          events: [runtime.event(EventType.SubOrchestrationInstanceCreated, { Name: name, InstanceId: childId, Input: input === undefined ? undefined : serialize(input) }, taskId)],
          start: () => {
            try {
              this.createInstance(name, childId, input, { instance, generation, taskId });
            } catch (error) {
              runtime.deliver(instance, generation, runtime.event(EventType.SubOrchestrationInstanceFailed, { TaskScheduledId: taskId, Reason: errorMessage(error), Details: '' }));
            }
          },
        };
      }
      case ActionType.CallEntity:
      case ActionType.LockEntities:
        // After its EventSent is in the history, the library keys the task by the request id, so
        // an entity task still open under its number has never been sent.
        if (this.alreadyRecorded(instance, EventType.EventSent, taskId)) {
          throw new HarnessError(`task ${taskId} of ${instance.name} is still open under its number although its EventSent is in the history.`);
        }
        return action.actionType === ActionType.CallEntity ? this.entities.callWork(instance, taskId, action) : this.entities.lockWork(instance, taskId, action);
      default:
        throw new HarnessError(`task ${taskId} of ${instance.name} is a ${ACTION_NAMES[action.actionType] ?? action.actionType} action the harness cannot schedule.`);
    }
  }

  private timerWork(instance: Instance, generation: number, taskId: number, fireAt: number): Work {
    return {
      events: [this.runtime.event(EventType.TimerCreated, { FireAt: iso(fireAt) }, taskId)],
      start: () => this.runtime.timers.schedule(instance, generation, taskId, fireAt),
    };
  }

  private runActivity(instance: Instance, generation: number, taskId: number, name: string, input: unknown): void {
    const runtime = this.runtime;
    runtime.runningActivities++;
    const attempt = (instance.activityRuns.get(name) ?? 0) + 1;
    instance.activityRuns.set(name, attempt);
    const run = (async () => {
      let outcome: HistoryEvent;
      try {
        const fn = runtime.registry.get(name);
        if (!fn || fn.triggerType !== 'activityTrigger') {
          throw new Error(`The function '${name}' doesn't exist, is disabled, or is not an activity function.`);
        }
        const context = await this.contexts.create(fn, instance.instanceId);
        const result = await fn.handler(clone(input), context);
        outcome = runtime.event(EventType.TaskCompleted, { TaskScheduledId: taskId, Result: serialize(result) });
      } catch (error) {
        // The extension's wording; the library hands the orchestrator Error(Reason + " \n " + Details).
        outcome = runtime.event(EventType.TaskFailed, {
          TaskScheduledId: taskId,
          Reason: `Activity function '${name}' failed: ${errorMessage(error)}`,
          Details: error instanceof Error ? (error.stack ?? '') : '',
        });
      }
      if (runtime.options.crashAfterActivity?.(name, attempt) && instance.generation === generation && !isTerminal(instance)) {
        runtime.note(`host "crashed" after activity ${name} (attempt ${attempt}) of ${instance.instanceId} ran; replaying from stored history`);
        instance.dispatched.delete(taskId);
        instance.replayRequested = true;
        instance.wake?.();
        return;
      }
      runtime.deliver(instance, generation, outcome);
    })().finally(() => {
      runtime.runningActivities--;
      runtime.inflight.delete(run);
      runtime.changed();
    });
    runtime.inflight.add(run);
  }
}
