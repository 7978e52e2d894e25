/**
 * The harness's copy of the durable-functions wire vocabulary (devstack/host/wire.ts) against the
 * installed library's own definitions, loaded from its internal modules by path.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import * as wire from '../../devstack/host/wire';

const load = createRequire(__filename);
const lib = (path: string): Record<string, any> => load(`durable-functions/lib/src/${path}`);

/** The string-keyed members of a compiled TypeScript numeric enum. */
function enumEntries(e: Record<string, unknown>): Array<[string, number]> {
  return Object.entries(e).filter((entry): entry is [string, number] => typeof entry[1] === 'number');
}

describe('the harness wire vocabulary', () => {
  it('was read from the installed durable-functions version', () => {
    expect(load('durable-functions/package.json').version).toBe(wire.DURABLE_FUNCTIONS_VERSION);
  });

  it('has the history event types of history/HistoryEventType.js', () => {
    const { HistoryEventType } = lib('history/HistoryEventType');
    for (const [name, value] of Object.entries(wire.EventType)) expect([name, HistoryEventType[name]]).toEqual([name, value]);
  });

  it('has every action type of actions/ActionType.js, with the same values', () => {
    const { ActionType } = lib('actions/ActionType');
    expect(Object.fromEntries(enumEntries(ActionType))).toEqual(wire.ActionType);
    for (const [name, value] of Object.entries(wire.ActionType)) expect(wire.ACTION_NAMES[value]).toBe(name);
  });

  it('has the replay schemas of orchestrations/ReplaySchema.js', () => {
    const { ReplaySchema, LatestReplaySchema } = lib('orchestrations/ReplaySchema');
    expect(Object.fromEntries(enumEntries(ReplaySchema))).toEqual(wire.ReplaySchema);
    expect(wire.LATEST_REPLAY_SCHEMA).toBe(LatestReplaySchema);
  });

  it('sends the timer durations and HTTP sleep of util/testingUtils.js (DurableOrchestrationInput defaults)', () => {
    const { DurableOrchestrationInput } = lib('util/testingUtils');
    const input = new DurableOrchestrationInput();
    expect(wire.LONG_RUNNING_TIMER_INTERVAL).toBe(input.longRunningTimerIntervalDuration);
    expect(wire.MAXIMUM_SHORT_TIMER_DURATION).toBe(input.maximumShortTimerDuration);
    expect(wire.DEFAULT_HTTP_ASYNC_REQUEST_SLEEP_MS).toBe(input.defaultHttpAsyncRequestSleepTimeMillseconds);
  });

  it('splits an orchestrator failure at the label of error/OrchestrationFailureError.js', () => {
    const { OrchestrationFailureError } = lib('error/OrchestrationFailureError');
    const state = { isDone: false, actions: [], error: 'boom' };
    expect(new OrchestrationFailureError('boom', state).message).toBe(`boom${wire.OUT_OF_PROC_DATA_LABEL}${JSON.stringify(state)}`);
  });

  it('uses the local origin of Constants.js and the client binding types of durableClient/getClient.js', () => {
    const { Constants } = lib('Constants');
    expect(wire.LOCAL_ORIGIN).toBe(Constants.DefaultLocalOrigin);
    const { isDurableClientInput } = lib('durableClient/getClient');
    for (const type of wire.DURABLE_CLIENT_BINDING_TYPES) expect([type, isDurableClientInput({ type })]).toEqual([type, true]);
    expect(isDurableClientInput({ type: 'durableClientV2' })).toBe(false);
  });
});
