/** The harness's durable timers: how long a timer waits for real, for the benchmark's wall-clock mode. */
import { describe, expect, it } from 'vitest';
import type { Instance } from '../../devstack/host/instanceStore';
import { DurableTimers } from '../../devstack/host/timers';

function timers(realTimeScale: number, maxRealDelayMs: number): DurableTimers {
  return new DurableTimers({
    startMs: Date.parse('2030-01-01T00:00:00Z'),
    maxRealDelayMs,
    realTimeScale,
    mode: 'wallClock',
    lateness: () => 0,
    // Closed: the pump never runs, so the schedule can be read as it was made.
    isClosed: () => true,
    isQuiescent: () => true,
    fire: () => undefined,
  });
}

/** Each timer of `seconds` (virtual) scheduled now: its real delay lies in [expected, expected + the time scheduling took]. */
function expectRealDelays(clock: DurableTimers, seconds: readonly number[], expected: readonly number[]): void {
  const instance = {} as Instance;
  const before = Date.now();
  seconds.forEach((s, i) => clock.schedule(instance, 0, i, clock.clockMs + s * 1000));
  const took = Date.now() - before;
  const delays = clock.pendingFor(instance).map((t) => t.realReadyAt - before);
  delays.forEach((delay, i) => {
    expect(delay).toBeGreaterThanOrEqual(expected[i]!);
    expect(delay).toBeLessThanOrEqual(expected[i]! + took);
  });
  expect(delays).toHaveLength(expected.length);
}

describe('durable timers in wall-clock mode', () => {
  it('wait their virtual length times realTimeScale, so a backoff keeps its proportions, up to the cap', () => {
    expectRealDelays(timers(1 / 20, 60_000), [1, 2, 30, 7200], [50, 100, 1_500, 60_000]);
  });

  it('wait their own length up to the cap by default (scale 1)', () => {
    expectRealDelays(timers(1, 50), [0.02, 1, 30], [20, 50, 50]);
  });
});
