/**
 * The harness fails orchestrations where the host does: a custom status over 16 KB (counted as the
 * extension counts it) and a replay that does not match the history (DTFx's determinism check),
 * with the host's messages (devstack/host/hostRules.ts, replayCheck.ts).
 */
import { describe, expect, it } from 'vitest';
import { harnessSuite } from './fixtures/harnessSuite';

const suite = harnessSuite(() => import('./fixtures/strictApp'));
const harness = suite.harness;

/** MessagePayloadDataConverter: `(int)(UTF-16 bytes / 1024.0) > 16` fails, so 8,703 code units pass and 8,704 fail. */
const LARGEST_UNITS = 8_703;
const tooLarge = (kb: number) => `The UTF-16 size of the JSON-serialized payload must not exceed 16 KB. The current payload size is ${kb} KB.`;
const ASK = 'Was a change made to the orchestrator code after this instance had already started running?';

describe('custom status over 16 KB', () => {
  it("accepts a status whose JSON is 8,703 UTF-16 code units and fails the orchestration at 8,704, with the extension's message", async () => {
    const h = harness();
    const under = await h.startNew(suite.app.Names.status, { input: { units: LARGEST_UNITS } });
    const over = await h.startNew(suite.app.Names.status, { input: { units: LARGEST_UNITS + 1 } });

    const accepted = await h.waitForCompletion(under);
    expect(accepted.runtimeStatus).toBe('Completed');
    expect(JSON.stringify(accepted.customStatus)).toHaveLength(LARGEST_UNITS);

    const refused = await h.waitForCompletion(over);
    expect(refused.runtimeStatus).toBe('Failed');
    expect(refused.output).toBe(`Orchestrator function '${suite.app.Names.status}' failed: ${tooLarge(17)}`);
    // SetCustomStatus threw before it stored anything: the instance has no status.
    expect(refused.customStatus).toBeUndefined();
  });

  it('counts UTF-16 code units, not UTF-8 bytes: 8,701 × "€" pass (26 KB of UTF-8), 4,351 × "😀" (two units each) fail', async () => {
    const h = harness();
    const euros = await h.startNew(suite.app.Names.status, { input: { units: LARGEST_UNITS, char: '€' } });
    const emoji = await h.startNew(suite.app.Names.status, { input: { units: LARGEST_UNITS + 1, char: '😀' } });

    const accepted = await h.waitForCompletion(euros);
    expect(accepted.runtimeStatus).toBe('Completed');
    expect(Buffer.byteLength(JSON.stringify(accepted.customStatus), 'utf8')).toBeGreaterThan(26_000);
    expect((await h.waitForCompletion(emoji)).output).toBe(`Orchestrator function '${suite.app.Names.status}' failed: ${tooLarge(17)}`);
  });

  it('rounds the size down and groups thousands as .NET does: a 1 MB status is "1,024 KB"', async () => {
    const h = harness();
    const id = await h.startNew(suite.app.Names.status, { input: { units: 512 * 1024 } });
    expect((await h.waitForCompletion(id)).output).toBe(`Orchestrator function '${suite.app.Names.status}' failed: ${tooLarge(1024).replace('1024', '1,024')}`);
  });

  it('reports the bare message when the orchestrator threw too (the shim replays inside its catch block)', async () => {
    const h = harness();
    const id = await h.startNew(suite.app.Names.status, { input: { units: LARGEST_UNITS + 1, thenThrow: true } });
    expect((await h.waitForCompletion(id)).output).toBe(tooLarge(17));
  });

  it('fails with a determinism error when the history already holds scheduled work: the failed SetCustomStatus scheduled nothing', async () => {
    // Inferred from the source (OutOfProcOrchestrationShim.ScheduleDurableTaskEvents sets the status
    // before it replays any action; DTFx then replays TaskScheduled 0 against an empty schedule), not
    // observed on a real host.
    const h = harness();
    const id = await h.startNew(suite.app.Names.status, { input: { units: LARGEST_UNITS + 1, afterActivity: true } });
    const status = await h.waitForCompletion(id);
    expect(status.runtimeStatus).toBe('Failed');
    expect(status.output).toBe(
      `Non-Deterministic workflow detected: A previous execution of this orchestration scheduled an activity task with sequence ID 0 and name '${suite.app.Names.count}' ` +
        `(version ''), but the current replay execution hasn't (yet?) scheduled this task. ${ASK}`,
    );
  });
});

describe('non-deterministic replays', () => {
  async function flipped(mode: import('./fixtures/strictApp').FlipMode) {
    const h = harness();
    return h.waitForCompletion(await h.startNew(suite.app.Names.flip, { input: mode }));
  }

  it("fails an orchestrator that calls another activity on replay (a module-level counter), with NonDeterministicOrchestrationException's message", async () => {
    const status = await flipped('name');
    expect(status.runtimeStatus).toBe('Failed');
    expect(status.output).toBe(
      `Non-Deterministic workflow detected: A previous execution of this orchestration scheduled an activity task with sequence number 0 named '${suite.app.Names.count}', ` +
        `but the current orchestration replay instead scheduled an activity task named '${suite.app.Names.other}' with this sequence number.  ${ASK}`,
    );
    // The failing replay ends the history; the activity's result was never used.
    expect(status.history.filter((e) => e.EventType === 4)).toHaveLength(1);
  });

  it('fails a replay that produces another kind of action under a recorded id', async () => {
    expect((await flipped('kind')).output).toBe(
      `Non-Deterministic workflow detected: A previous execution of this orchestration scheduled an activity task with sequence number 0 named '${suite.app.Names.count}', ` +
        `but the current orchestration replay instead produced a CreateTimerOrchestratorAction action with this sequence number. ${ASK}`,
    );
  });

  it('fails a replay that no longer schedules a recorded task, even one that returns at once', async () => {
    expect((await flipped('missing')).output).toBe(
      `Non-Deterministic workflow detected: A previous execution of this orchestration scheduled an activity task with sequence ID 0 and name '${suite.app.Names.count}' ` +
        `(version ''), but the current replay execution hasn't (yet?) scheduled this task. ${ASK}`,
    );
  });

  it('fails a replay that awaits one by one what the first run scheduled together: the second task is not scheduled yet when its TaskScheduled replays', async () => {
    expect((await flipped('sequential')).output).toBe(
      `Non-Deterministic workflow detected: A previous execution of this orchestration scheduled an activity task with sequence ID 1 and name '${suite.app.Names.other}' ` +
        `(version ''), but the current replay execution hasn't (yet?) scheduled this task. ${ASK}`,
    );
  });

  it('tells a parent the child failed with that message', async () => {
    const h = harness();
    const id = await h.startNew(suite.app.Names.caller, { input: { child: suite.app.Names.flip, childId: 'flip-child-of-caller', childInput: 'name' } });
    const status = await h.waitForCompletion(id);
    expect(status.runtimeStatus).toBe('Failed');
    expect(String(status.output)).toContain('Non-Deterministic workflow detected');
  });
});
