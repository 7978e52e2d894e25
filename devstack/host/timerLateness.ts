/**
 * Durable timers that fire late, as they do on the Azure Storage provider.
 *
 * DTFx enqueues a TimerFired message with an initial visibility delay of FireAt − now
 * (DurableTask.AzureStorage/Messaging/TaskHubQueue.cs), and the control queues are polled with a
 * back-off that grows up to MaxQueuePollingInterval when the app is idle
 * (BackoffPollingHelper, ControlQueue.cs): a timer fires at its time at the earliest and up to that
 * interval later. The default is 30 s (DTFx AzureStorageOrchestrationServiceSettings.cs, extension
 * Options/AzureStorageOptions.cs; host.json `extensions.durableTask.storageProvider.maxQueuePollingInterval`),
 * and a Consumption app scaled to zero adds its cold start on top.
 *
 * The lateness is uniform in [0, maxMs] and a function of the seed, the instance id and how many
 * timers that instance id has created in this harness, so it does not depend on how concurrent work
 * interleaves: the same seed and instance ids give the same lateness.
 */
import { createHash } from 'node:crypto';
import type { Instance } from './instanceStore';
import { HarnessError } from './types';

export interface TimerLatenessOptions {
  /** The most a timer fires late, in ms of virtual time; defaults to maxQueuePollingInterval's default, 30 s. */
  maxMs?: number;
  seed: number | string;
}

export const DEFAULT_MAX_TIMER_LATENESS_MS = 30_000;

/** Returns the lateness function for DurableTimers: always 0 without the option. */
export function timerLateness(options: TimerLatenessOptions | undefined, note: (message: string) => void): (instance: Instance) => number {
  if (!options) return () => 0;
  const maxMs = options.maxMs ?? DEFAULT_MAX_TIMER_LATENESS_MS;
  if (!Number.isFinite(maxMs) || maxMs < 0) throw new HarnessError(`timerLateness.maxMs must be a finite number ≥ 0, not ${String(options.maxMs)}.`);
  if (typeof options.seed !== 'number' && typeof options.seed !== 'string') throw new HarnessError('timerLateness.seed must be a number or a string.');
  const created = new Map<string, number>();
  return (instance) => {
    const nth = (created.get(instance.instanceId) ?? 0) + 1;
    created.set(instance.instanceId, nth);
    const digest = createHash('sha256')
      .update(`${String(options.seed)}\u0000${instance.instanceId}\u0000${nth}`)
      .digest();
    const lateness = Math.floor((digest.readUIntBE(0, 6) / 2 ** 48) * (Math.floor(maxMs) + 1));
    note(`timer ${nth} of ${instance.instanceId} fires ${lateness} ms late (timerLateness, seed ${String(options.seed)})`);
    return lateness;
  };
}
