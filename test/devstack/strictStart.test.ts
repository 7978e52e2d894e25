/**
 * Instance ids and calls the extension refuses, as the host handles them (devstack/host/hostRules.ts,
 * taskDispatch.ts): a start whose id is still Pending or Running is refused through the real durable
 * client; a finished one is overwritten; sub-orchestrations are not de-duplicated; calls to functions
 * that do not exist are dropped and never complete.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { HarnessError } from '../../devstack/host';
import { harnessSuite } from './fixtures/harnessSuite';

const suite = harnessSuite(() => import('./fixtures/strictApp'));
const harness = suite.harness;

const startUrl = (orchestrator: string, id = '') => `http://localhost:7071/api/strict/${orchestrator}${id ? `/${id}` : ''}`;
const EventType = { ExecutionStarted: 0, TaskScheduled: 4, SubOrchestrationInstanceCreated: 7 } as const;

describe('starting an instance whose id exists', () => {
  it("refuses a Running id: the durable client's startNew rejects with the HTTP 500 the extension answers", async () => {
    const h = harness();
    const id = `dup-${randomUUID()}`;
    expect((await h.callHttp(suite.app.Names.start, { method: 'POST', url: startUrl(suite.app.Names.waiter, id), body: { n: 1 } })).status).toBe(202);
    await vi.waitFor(() => expect(h.getStatus(id).runtimeStatus).toBe('Running'));

    const second = await h.callHttp(suite.app.Names.start, { method: 'POST', url: startUrl(suite.app.Names.waiter, id), body: { n: 2 } });
    expect(second.status).toBe(502);
    const clientError = (second.json() as { clientError: string }).clientError;
    const prefix = 'The operation failed with an unexpected status code: 500. Details: ';
    expect(clientError.startsWith(prefix)).toBe(true);
    expect(JSON.parse(clientError.slice(prefix.length))).toEqual({
      Message: 'Something went wrong while processing your request',
      ExceptionMessage: 'An Orchestration instance with the status Running already exists.',
      ExceptionType: 'DurableTask.Core.Exceptions.OrchestrationAlreadyExistsException',
      StackTrace: expect.stringContaining('CreateTaskOrchestrationAsync'),
    });
    // The running instance is untouched.
    expect(h.getStatus(id)).toMatchObject({ runtimeStatus: 'Running', input: { n: 1 } });
    // A starter that does not catch it answers the host's bare 500.
    expect(
      (await h.callHttp(suite.app.Names.startBare, { method: 'POST', url: `http://localhost:7071/api/strict-bare/${suite.app.Names.waiter}/${id}` })).status,
    ).toBe(500);
  });

  it("refuses a Pending id too (started, not yet run), through the harness's own startNew", async () => {
    const h = harness();
    const id = `pending-${randomUUID()}`;
    const first = h.startNew(suite.app.Names.waiter, { instanceId: id });
    await expect(h.startNew(suite.app.Names.waiter, { instanceId: id })).rejects.toThrow('An Orchestration instance with the status Pending already exists.');
    await first;
    await vi.waitFor(() => expect(h.getStatus(id).runtimeStatus).toBe('Running'));
    await expect(h.startNew(suite.app.Names.waiter, { instanceId: id })).rejects.toThrow('An Orchestration instance with the status Running already exists.');
  });

  it('overwrites a Completed, Failed or Terminated id: a new execution with a fresh history', async () => {
    const h = harness();
    const completed = `done-${randomUUID()}`;
    await h.startNew(suite.app.Names.quick, { instanceId: completed, input: 'first' });
    expect((await h.waitForCompletion(completed)).runtimeStatus).toBe('Completed');
    const failed = `failed-${randomUUID()}`;
    await h.startNew(suite.app.Names.signalUnknown, { instanceId: failed });
    expect((await h.waitForCompletion(failed)).runtimeStatus).toBe('Failed');
    const terminated = `terminated-${randomUUID()}`;
    await h.startNew(suite.app.Names.waiter, { instanceId: terminated });
    await h.terminate(terminated, 'stop');
    expect((await h.waitForCompletion(terminated)).runtimeStatus).toBe('Terminated');

    for (const id of [completed, failed, terminated]) {
      const response = await h.callHttp(suite.app.Names.start, { method: 'POST', url: startUrl(suite.app.Names.quick, id), body: { again: id } });
      expect(response.status, id).toBe(202);
      const status = await h.waitForCompletion(id);
      expect(status, id).toMatchObject({ name: suite.app.Names.quick, runtimeStatus: 'Completed', output: { ranAs: id, input: { again: id } } });
      expect(
        status.history.filter((e) => e.EventType === EventType.ExecutionStarted),
        id,
      ).toHaveLength(1);
    }
  });

  it("answers 400 with the extension's ArgumentException for an unknown orchestrator or an id the client refuses", async () => {
    const h = harness();
    const unknown = await h.callHttp(suite.app.Names.start, { method: 'POST', url: startUrl('strictNoSuchOrchestrator'), body: {} });
    const details = JSON.parse((unknown.json() as { clientError: string }).clientError.replace(/^.*?Details: /, '')) as Record<string, string>;
    expect(details).toMatchObject({ Message: 'One or more of the arguments submitted is incorrect', ExceptionType: 'System.ArgumentException' });
    expect(details.ExceptionMessage).toMatch(
      /^The function 'strictNoSuchOrchestrator' doesn't exist, is disabled, or is not an orchestrator function\. Additional info: The following are the known orchestrator functions: 'strictStatus', /,
    );
    await expect(h.startNew(suite.app.Names.quick, { instanceId: '@entity-like' })).rejects.toThrow(
      "instanceId (Parameter 'Orchestration instance ids must not start with @.')",
    );
    await expect(h.startNew(suite.app.Names.quick, { instanceId: 'x'.repeat(257) })).rejects.toThrow('Instance ID lengths must not exceed 256 characters.');
  });
});

describe('sub-orchestration ids', () => {
  it("replaces a Running instance that has the child's id: no de-duplication for sub-orchestrations", async () => {
    const h = harness();
    const shared = `shared-${randomUUID()}`;
    await h.startNew(suite.app.Names.waiter, { instanceId: shared, input: 'old' });
    await vi.waitFor(() => expect(h.getStatus(shared).runtimeStatus).toBe('Running'));

    const parent = await h.startNew(suite.app.Names.caller, { input: { child: suite.app.Names.quick, childId: shared, childInput: 'new' } });
    expect((await h.waitForCompletion(parent)).output).toEqual({ ranAs: shared, input: 'new' });
    const child = h.getStatus(shared);
    expect(child).toMatchObject({ name: suite.app.Names.quick, runtimeStatus: 'Completed', input: 'new' });
    expect(child.history.some((e) => e.EventType === EventType.ExecutionStarted && e.Name === suite.app.Names.waiter)).toBe(false);
    expect(h.logs.some((l) => l.level === 'harness' && l.message.includes(`instance ${shared} (${suite.app.Names.waiter}, Running) is overwritten`))).toBe(
      true,
    );
  });

  it('names a child without an id "{parent execution id}:{task id}", as DTFx does', async () => {
    const h = harness();
    const parent = await h.startNew(suite.app.Names.caller, { input: { child: suite.app.Names.quick } });
    const status = await h.waitForCompletion(parent);
    const created = status.history.find((e) => e.EventType === EventType.SubOrchestrationInstanceCreated);
    expect(String(created?.InstanceId)).toMatch(/^[0-9a-f]{32}:0$/);
    expect((status.output as { ranAs: string }).ranAs).toBe(created?.InstanceId);
  });

  it('drops a sub-orchestration call that reuses the caller\'s own id (any case) or starts with "@": the caller waits forever', async () => {
    const h = harness();
    const parent = `Parent-${randomUUID()}`;
    await h.startNew(suite.app.Names.caller, { instanceId: parent, input: { child: suite.app.Names.quick, childId: parent.toLowerCase() } });
    await expect(h.waitForCompletion(parent, { timeoutMs: 300 })).rejects.toThrow(
      `task 0 never completes: the extension dropped the call to sub-orchestration '${suite.app.Names.quick}': ` +
        'The instance ID of a sub-orchestration must be different than the instance ID of a parent orchestration.',
    );
    const at = await h.startNew(suite.app.Names.caller, { input: { child: suite.app.Names.quick, childId: '@child' } });
    await expect(h.waitForCompletion(at, { timeoutMs: 300 })).rejects.toThrow("instanceId (Parameter 'Orchestration instance ids must not start with @')");
    expect(h.getStatus(parent).history.filter((e) => e.EventType === EventType.SubOrchestrationInstanceCreated)).toEqual([]);
  });
});

describe('calls to functions that do not exist', () => {
  it('drops a call to an unknown activity: nothing is scheduled, no error reaches the orchestrator, it stays Running (durable-js#197)', async () => {
    const h = harness();
    const id = await h.startNew(suite.app.Names.missingActivity);
    await expect(h.waitForCompletion(id, { timeoutMs: 300 })).rejects.toThrow(
      "task 0 never completes: the extension dropped the call to activity 'strictNoSuchActivity': The function 'strictNoSuchActivity' doesn't exist, " +
        `is disabled, or is not an activity function. Additional info: The following are the known activity functions: '${suite.app.Names.count}', '${suite.app.Names.other}', '${suite.app.Names.echo}'.`,
    );
    const status = h.getStatus(id);
    expect(status).toMatchObject({ runtimeStatus: 'Running', customStatus: 'calling' });
    expect(status.history.filter((e) => e.EventType === EventType.TaskScheduled)).toEqual([]);
  });

  it('drops a call to an unknown sub-orchestrator the same way', async () => {
    const h = harness();
    const id = await h.startNew(suite.app.Names.caller, { input: { child: 'strictNoSuchOrchestrator' } });
    await expect(h.waitForCompletion(id, { timeoutMs: 300 })).rejects.toThrow(
      "the extension dropped the call to sub-orchestration 'strictNoSuchOrchestrator': The function 'strictNoSuchOrchestrator' doesn't exist, is disabled, or is not an orchestrator function.",
    );
  });

  it('refuses loudly an orchestration that goes on past a dropped call (in the host the later task ids shift)', async () => {
    const h = harness();
    const id = await h.startNew(suite.app.Names.pastDropped);
    await expect(h.waitForCompletion(id)).rejects.toThrow(HarnessError);
    await expect(h.waitForCompletion(id)).rejects.toThrow(/went on to task 1 after the extension dropped task 0/);
  });

  it('fails an orchestration that signals an unknown entity: SignalEntity rethrows the check synchronously', async () => {
    const h = harness();
    const status = await h.waitForCompletion(await h.startNew(suite.app.Names.signalUnknown));
    expect(status.runtimeStatus).toBe('Failed');
    expect(status.output).toBe(
      `Orchestrator function '${suite.app.Names.signalUnknown}' failed: The function 'strictnosuchentity' doesn't exist, is disabled, or is not an entity function. ` +
        `Additional info: The following are the known entity functions: '${suite.app.Names.echoEntity}'.`,
    );
  });
});

describe('a task put into a second Task.any', () => {
  it('is refused as the extension would schedule it twice (durable-js#574); reading it alone is fine', async () => {
    const h = harness();
    const bad = await h.startNew(suite.app.Names.anyTwice);
    await expect(h.waitForCompletion(bad, { timeoutMs: 5_000 })).rejects.toThrow(
      /already scheduled CallActivity \(strictCount\) into a new Task.any\/Task.all.*durable-js#574/,
    );
    const good = await h.startNew(suite.app.Names.anyOnce);
    const final = await h.waitForCompletion(good, { timeoutMs: 5_000 });
    expect(final.runtimeStatus).toBe('Completed');
    expect(final.output).toBe(1);
    expect(final.history.filter((e) => e.EventType === EventType.TaskScheduled)).toHaveLength(2);
  });
});
