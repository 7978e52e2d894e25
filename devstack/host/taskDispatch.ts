/**
 * Turns each task an orchestrator opened into the history events to commit (TaskScheduled,
 * TimerCreated, SubOrchestrationInstanceCreated, EventSent) and the work to start once they are
 * committed: run the real activity, arm a durable timer, create the child instance, send an entity
 * its call or lock request (orchestrationEntities.ts).
 *
 * Calls the extension refuses are dropped, not failed. DurableOrchestrationContext's
 * CallActivityAsync, CallSubOrchestratorAsync and CallEntityAsync all run their checks inside the
 * async CallDurableTaskFunctionAsync (ThrowIfFunctionDoesNotExist; a sub-orchestration id equal to
 * the caller's or its parent's, or starting with '@'), so the ArgumentException faults the returned
 * task instead of being thrown, and OutOfProcOrchestrationShim.ProcessAsyncActionsV2 awaits each task
 * in a try/catch that "silently ignore[s] exceptions". Nothing is scheduled, no error is logged, and
 * the orchestration waits on that task forever: the open issues Azure/azure-functions-durable-js#197
 * ("An activity call to a non-existent function should error-out … the orchestrator simply sleeps
 * indefinitely") and azure-functions-durable-python#132. The harness notes each drop, and
 * waitForCompletion's timeout names it.
 */
import { functionNamed, invalidFunctionMessage, subOrchestrationIdProblem } from './hostRules';
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

  private callWork(instance: Instance, generation: number, taskId: number, action: LibAction): Work | undefined {
    const runtime = this.runtime;
    switch (action.actionType) {
      case ActionType.CallActivity:
      case ActionType.CallActivityWithRetry: {
        const requested = action.functionName ?? '';
        // Function names compare ignoring case (FunctionName.Equals).
        const name = functionNamed(runtime.registry, requested, 'activityTrigger');
        if (name === undefined) return this.drop(instance, taskId, `activity '${requested}'`, invalidFunctionMessage(runtime.registry, requested, 'activity'));
        const events = this.alreadyRecorded(instance, EventType.TaskScheduled, taskId)
          ? []
          : [runtime.event(EventType.TaskScheduled, { Name: requested, Input: encodeActionInput(action.input) }, taskId)];
        return { events, start: () => this.runActivity(instance, generation, taskId, name, decodeActionInput(action.input)) };
      }
      case ActionType.CallSubOrchestrator:
      case ActionType.CallSubOrchestratorWithRetry: {
        const requested = action.functionName ?? '';
        const name = functionNamed(runtime.registry, requested, 'orchestrationTrigger');
        const problem =
          name === undefined
            ? invalidFunctionMessage(runtime.registry, requested, 'orchestrator')
            : subOrchestrationIdProblem(action.instanceId, instance.instanceId, instance.parent?.instance.instanceId);
        if (name === undefined || problem) return this.drop(instance, taskId, `sub-orchestration '${requested}'`, problem ?? '');
        // DTFx TaskOrchestrationContext.CreateSubOrchestrationInstanceCore: no id → "{ExecutionId}:{sequence number}".
        const childId = action.instanceId || `${instance.executionId}:${taskId}`;
        const input = action.input;
        return {
          // Unlike activity inputs, sub-orchestration inputs are not pre-encoded by the library.
          events: [
            runtime.event(
              EventType.SubOrchestrationInstanceCreated,
              { Name: requested, InstanceId: childId, Input: input === undefined ? undefined : serialize(input) },
              taskId,
            ),
          ],
          start: () => void this.createInstance(name, childId, input, { instance, generation, taskId }),
        };
      }
      case ActionType.CallEntity:
      case ActionType.LockEntities: {
        // After its EventSent is in the history, the library keys the task by the request id, so
        // an entity task still open under its number has never been sent.
        if (this.alreadyRecorded(instance, EventType.EventSent, taskId)) {
          throw new HarnessError(`task ${taskId} of ${instance.name} is still open under its number although its EventSent is in the history.`);
        }
        // CallEntityAsync checks inside CallDurableTaskFunctionAsync, LockAsync inside its own async
        // body: an unknown entity faults the task, which the shim ignores (see above).
        const problem = this.entities.entityProblem(action);
        if (problem)
          return this.drop(instance, taskId, action.actionType === ActionType.CallEntity ? `entity call '${action.operation ?? ''}'` : 'entity lock', problem);
        return action.actionType === ActionType.CallEntity
          ? this.entities.callWork(instance, taskId, action)
          : this.entities.lockWork(instance, taskId, action);
      }
      default:
        throw new HarnessError(
          `task ${taskId} of ${instance.name} is a ${ACTION_NAMES[action.actionType] ?? action.actionType} action the harness cannot schedule.`,
        );
    }
  }

  /** The extension drops the call (see the file comment): nothing is recorded or started. */
  private drop(instance: Instance, taskId: number, what: string, reason: string): undefined {
    const why = `the extension dropped the call to ${what}: ${reason}`;
    instance.dropped.set(taskId, why);
    this.runtime.note(`instance ${instance.instanceId} (${instance.name}), task ${taskId}: ${why} (the orchestration waits on it forever, as in the host)`);
    return undefined;
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
        // callWork resolved the name against the registered activities.
        const fn = runtime.registry.require(name);
        // Queued (and counted as running, so the harness is not quiet) until the worker has a slot;
        // a host that stops starts nothing more from its queue.
        const ran = await runtime.activitySlot(async () =>
          runtime.closed ? NOT_STARTED : { result: await fn.handler(clone(input), await this.contexts.create(fn, instance.instanceId)) },
        );
        if (ran === NOT_STARTED) return;
        outcome = runtime.event(EventType.TaskCompleted, { TaskScheduledId: taskId, Result: serialize(ran.result) });
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

/** An activity still queued for a slot when the harness closed: never started, nothing delivered. */
const NOT_STARTED = Symbol('not started');
