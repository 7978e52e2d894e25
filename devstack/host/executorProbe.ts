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
 */
import type { InvocationContext } from '@azure/functions';
import { HarnessError } from './types';
import type { LibAction, LibExecutor } from './libraryShapes';

export interface FireAndForget {
  action: LibAction;
  /** The first id the action took; it took `count` consecutive ids. */
  firstId: number;
  count: number;
}

export interface ExecutorProbe {
  readonly fireAndForget: readonly FireAndForget[];
  /** The executor the library created for this invocation (its open tasks, its sequence number). */
  executor(): LibExecutor;
}

type RecordFireAndForget = (this: LibExecutor, action: LibAction, increment?: number) => unknown;

export function probeOrchestrationContext(context: InvocationContext): ExecutorProbe {
  let df: { taskOrchestratorExecutor?: LibExecutor } | undefined;
  const records: FireAndForget[] = [];
  Object.defineProperty(context, 'df', {
    configurable: true,
    enumerable: true,
    get: () => df,
    set: (value: { taskOrchestratorExecutor?: LibExecutor } | undefined) => {
      df = value;
      const executor = value?.taskOrchestratorExecutor as (LibExecutor & { recordFireAndForgetAction?: RecordFireAndForget }) | undefined;
      const original = executor?.recordFireAndForgetAction;
      if (!executor || typeof original !== 'function') return;
      executor.recordFireAndForgetAction = function (this: LibExecutor, action: LibAction, increment?: number) {
        const before = this.sequenceNumber;
        const result = original.call(this, action, increment);
        // The library records nothing once the orchestration will continue as new.
        if (typeof before === 'number' && typeof this.sequenceNumber === 'number' && this.sequenceNumber > before) {
          records.push({ action, firstId: before, count: this.sequenceNumber - before });
        }
        return result;
      };
    },
  });
  return {
    fireAndForget: records,
    executor: () => {
      const executor = df?.taskOrchestratorExecutor;
      if (!executor || typeof executor.openTasks !== 'object' || typeof executor.sequenceNumber !== 'number' || typeof executor.recordFireAndForgetAction !== 'function') {
        throw new HarnessError(
          'cannot read the durable-functions executor (context.df.taskOrchestratorExecutor: openTasks, sequenceNumber, recordFireAndForgetAction); the library internals changed.',
        );
      }
      return executor;
    },
  };
}
