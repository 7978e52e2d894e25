/**
 * Watches one orchestrator invocation for its fire-and-forget actions and the task ids they took.
 *
 * `signalEntity` and `DurableLock.release` return no task: durable-functions records the action and
 * bumps its sequence number (TaskOrchestrationExecutor.recordFireAndForgetAction — by 1 for a signal,
 * by the number of locked entities for a release, DurableOrchestrationContext.js `lock`), because
 * the extension spends one id per message it sends (DurableOrchestrationContext.SendEntityMessage →
 * OrchestrationContext.SendEvent). The EventSent events the harness writes must carry those ids, so
 * that a replay never mistakes them for a pending call's.
 *
 * The library builds its context and executor inside the handler (orchestrations/Orchestrator.js:
 * `if (context.df === undefined) context.df = new DurableOrchestrationContext(…, executor)`), so the
 * probe puts an accessor on the InvocationContext's `df` and wraps that executor's
 * recordFireAndForgetAction when the library assigns it. It only observes: the original runs
 * unchanged, and the records come from its effect on the sequence number.
 *
 * For the extension's determinism check (replayCheck.ts) it also records every task the library
 * gives an id (TaskOrchestrationExecutor.trackOpenTask: `if (task.id === false) task.id =
 * this.sequenceNumber++`) and the index of the history event it was processing then
 * (`processEvent(history[i])`, one call per event, in order).
 */
import type { InvocationContext } from '@azure/functions';
import { HarnessError } from './types';
import type { LibAction, LibExecutor, LibTask } from './libraryShapes';

export interface FireAndForget {
  action: LibAction;
  /** The first id the action took; it took `count` consecutive ids. */
  firstId: number;
  count: number;
  /** The index of the history event the library was processing when the action was recorded. */
  at: number;
}

/** A task the library gave an id, and the index of the history event it was processing then. */
export interface TrackedTask {
  id: number;
  task: LibTask;
  at: number;
}

export interface ExecutorProbe {
  readonly fireAndForget: readonly FireAndForget[];
  readonly tracked: readonly TrackedTask[];
  /** The executor the library created for this invocation (its open tasks, its sequence number). */
  executor(): LibExecutor;
}

type RecordFireAndForget = (this: LibExecutor, action: LibAction, increment?: number) => unknown;
type TrackOpenTask = (this: LibExecutor, task: LibTask) => unknown;
type ProcessEvent = (this: LibExecutor, event: unknown) => unknown;
type ProbedExecutor = LibExecutor & { recordFireAndForgetAction?: RecordFireAndForget; trackOpenTask?: TrackOpenTask; processEvent?: ProcessEvent };

export function probeOrchestrationContext(context: InvocationContext): ExecutorProbe {
  let df: { taskOrchestratorExecutor?: LibExecutor } | undefined;
  const records: FireAndForget[] = [];
  const tracked: TrackedTask[] = [];
  let at = -1;
  Object.defineProperty(context, 'df', {
    configurable: true,
    enumerable: true,
    get: () => df,
    set: (value: { taskOrchestratorExecutor?: LibExecutor } | undefined) => {
      df = value;
      const executor = value?.taskOrchestratorExecutor as ProbedExecutor | undefined;
      const original = executor?.recordFireAndForgetAction;
      const track = executor?.trackOpenTask;
      const processEvent = executor?.processEvent;
      if (!executor || typeof original !== 'function' || typeof track !== 'function' || typeof processEvent !== 'function') return;
      executor.processEvent = function (this: LibExecutor, event: unknown) {
        at++;
        return processEvent.call(this, event);
      };
      executor.trackOpenTask = function (this: LibExecutor, task: LibTask) {
        const before = task.id;
        const result = track.call(this, task);
        // Compound tasks keep `id === false`; the library tracks their children one by one.
        if (before === false && typeof task.id === 'number') tracked.push({ id: task.id, task, at });
        return result;
      };
      executor.recordFireAndForgetAction = function (this: LibExecutor, action: LibAction, increment?: number) {
        const before = this.sequenceNumber;
        const result = original.call(this, action, increment);
        // The library records nothing once the orchestration will continue as new.
        if (typeof before === 'number' && typeof this.sequenceNumber === 'number' && this.sequenceNumber > before) {
          records.push({ action, firstId: before, count: this.sequenceNumber - before, at });
        }
        return result;
      };
    },
  });
  return {
    fireAndForget: records,
    tracked,
    executor: () => {
      const probed = df?.taskOrchestratorExecutor as ProbedExecutor | undefined;
      if (
        !probed ||
        typeof probed.openTasks !== 'object' ||
        typeof probed.sequenceNumber !== 'number' ||
        typeof probed.recordFireAndForgetAction !== 'function' ||
        typeof probed.trackOpenTask !== 'function' ||
        typeof probed.processEvent !== 'function'
      ) {
        throw new HarnessError(
          'cannot read the durable-functions executor (context.df.taskOrchestratorExecutor: openTasks, sequenceNumber, recordFireAndForgetAction, trackOpenTask, processEvent); the library internals changed.',
        );
      }
      return probed;
    },
  };
}
