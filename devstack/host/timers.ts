/**
 * The virtual clock and the durable timers waiting on it.
 *
 * Time is virtual: it moves only when a durable timer fires (or `advance` is called), so an
 * orchestration that waits a day finishes in milliseconds.
 */
import type { Instance } from './instanceStore';
import { delay } from './values';

export interface PendingTimer {
  instance: Instance;
  generation: number;
  taskId: number;
  /** The time the orchestration asked for (TimerCreated.FireAt, TimerFired.FireAt). */
  fireAt: number;
  /** When it fires in virtual time: `fireAt`, plus the lateness (timerLateness.ts) if any. */
  dueAt: number;
  realReadyAt: number;
  seq: number;
}

export type TimerMode = 'quiescent' | 'wallClock';

export interface DurableTimersOptions {
  startMs: number;
  /** See DurableHarnessOptions.maxRealTimerDelayMs. */
  maxRealDelayMs: number;
  /** See DurableHarnessOptions.realTimeScale. */
  realTimeScale: number;
  mode: TimerMode;
  /** How late (virtual ms, ≥ 0) this timer of `instance` fires; see timerLateness.ts. */
  lateness: (instance: Instance) => number;
  isClosed: () => boolean;
  /** Nothing runs and nothing waits to be replayed (quiescent mode fires timers only then). */
  isQuiescent: () => boolean;
  /** Delivers the TimerFired event; the clock has already moved to the timer's time. */
  fire: (timer: PendingTimer) => void;
}

export class DurableTimers {
  clockMs: number;
  private timers: PendingTimer[] = [];
  private timerSeq = 0;
  private changeWaiters: Array<() => void> = [];
  private pumping = false;

  constructor(private readonly options: DurableTimersOptions) {
    this.clockMs = options.startMs;
  }

  now(): Date {
    return new Date(this.clockMs);
  }

  /** Moves the virtual clock forward (timers due by then fire at the next quiet moment). */
  advance(ms: number): Date {
    if (ms < 0) throw new RangeError('The virtual clock only moves forward.');
    this.clockMs += ms;
    this.changed();
    return this.now();
  }

  /** Something happened (work started or ended, an event arrived): wake waiters and the timer pump. */
  changed(): void {
    const waiters = this.changeWaiters;
    this.changeWaiters = [];
    for (const resolve of waiters) resolve();
    if (this.timers.length > 0 && !this.pumping && !this.options.isClosed()) void this.pumpTimers();
  }

  /** A timer created by `instance` (task `taskId`) for virtual time `fireAt`; it never fires earlier. */
  schedule(instance: Instance, generation: number, taskId: number, fireAt: number): void {
    const dueAt = fireAt + this.options.lateness(instance);
    const realDelay = Math.min(Math.max(0, dueAt - this.clockMs) * this.options.realTimeScale, this.options.maxRealDelayMs);
    this.timers.push({ instance, generation, taskId, fireAt, dueAt, realReadyAt: Date.now() + realDelay, seq: this.timerSeq++ });
    this.changed();
  }

  /** Drops every timer of `instance` (it finished or continued as new). */
  dropFor(instance: Instance): void {
    this.timers = this.timers.filter((t) => t.instance !== instance);
  }

  /** Drops the timers of `instance` whose task the orchestrator cancelled. */
  dropCancelled(instance: Instance, isCancelled: (taskId: number) => boolean): void {
    this.timers = this.timers.filter((t) => t.instance !== instance || !isCancelled(t.taskId));
  }

  pendingFor(instance: Instance): readonly PendingTimer[] {
    return this.timers.filter((t) => t.instance === instance);
  }

  private nextChange(): Promise<void> {
    return new Promise((resolve) => this.changeWaiters.push(resolve));
  }

  /** Fires due timers one at a time, earliest first, each only when the system is quiet. */
  private async pumpTimers(): Promise<void> {
    this.pumping = true;
    try {
      while (!this.options.isClosed() && this.timers.length > 0) {
        if (this.options.mode === 'wallClock') {
          const now = Date.now();
          const ready = this.timers.filter((t) => t.realReadyAt <= now).sort((a, b) => a.dueAt - b.dueAt || a.seq - b.seq);
          if (ready.length === 0) {
            const soonest = Math.min(...this.timers.map((t) => t.realReadyAt));
            await Promise.race([delay(Math.max(1, soonest - now)), this.nextChange()]);
            continue;
          }
          this.timers = this.timers.filter((t) => !ready.includes(t));
          for (const t of ready) {
            if (t.dueAt > this.clockMs) this.clockMs = t.dueAt;
            this.options.fire(t);
          }
          continue;
        }
        if (!this.options.isQuiescent()) {
          await this.nextChange();
          continue;
        }
        const next = this.timers.reduce((a, b) => (b.dueAt < a.dueAt || (b.dueAt === a.dueAt && b.seq < a.seq) ? b : a));
        const wait = next.realReadyAt - Date.now();
        if (wait > 0) {
          await Promise.race([delay(wait), this.nextChange()]);
          continue;
        }
        // Let promise chains that are about to queue work (an HTTP starter, a driver) do so first.
        await new Promise((resolve) => setImmediate(resolve));
        if (!this.options.isQuiescent() || !this.timers.includes(next)) continue;
        this.timers = this.timers.filter((t) => t !== next);
        if (next.dueAt > this.clockMs) this.clockMs = next.dueAt;
        this.options.fire(next);
      }
    } finally {
      this.pumping = false;
    }
  }
}
