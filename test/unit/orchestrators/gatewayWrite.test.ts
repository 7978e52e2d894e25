/**
 * Gateway writes as they must behave in Azure: superseded or lost writes are redone, a busy
 * gateway is waited out, a tracking denial names the permission, and concurrent requests are
 * coalesced through the queue entity into few PUTs.
 */
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { describe, expect, it } from 'vitest';
import type { Binding } from '../../../lib/activityContracts';
import type { GatewayWriteRequest } from '../../../lib/gatewayQueue';
import { MAX_GATHER_POLLS, bindGateway } from '../../../orchestrators/bindGateway';
import { Orchestrators } from '../../../orchestrators/contracts';
import { GATEWAY_QUEUE_ENTITY, gatewayQueueEntity } from '../../../orchestrators/gatewayQueueEntity';
import { MAX_WRITES } from '../../../orchestrators/gatewayUpdate';
import { hostname } from '../../fixtures/hostnames';
import { ActivityScript, fakeGuid, runOrchestrator } from './fakeContext';
import { GATEWAY, gatewayActivities, updateStatus } from './gatewayScript';

const binding = (h: string): Binding => ({ hostname: hostname(h), keyVaultSecretId: `https://v/secrets/${h}` });
const A = binding('a.write.test');
const B = binding('b.write.test');

/** An orchestration that only binds: the unit under test is bindGateway and what it drives. */
const binder = (bindings: Binding[], force = false): OrchestrationHandler =>
  function* (context: OrchestrationContext) {
    return yield* bindGateway(context, GATEWAY, bindings, force);
  };

function run(bindings: Binding[], activities: ActivityScript, options: { instanceId?: string; entityStates?: Map<string, unknown> } = {}) {
  return runOrchestrator(binder(bindings), { name: Orchestrators.IssueCertificate, input: { hostname: bindings[0]!.hostname }, activities, ...options });
}

describe('one gateway write', () => {
  it('writes again when another writer superseded the PUT (operation Canceled)', () => {
    const result = run([A], gatewayActivities({ checkGatewayUpdate: (_i, call) => updateStatus(call === 1 ? 'Canceled' : 'Succeeded') }));
    expect(result.inputsOf('startGatewayUpdate')).toHaveLength(2);
    expect(result.output).toEqual({ ok: true, updated: true, refused: [] });
  });

  it("after being superseded, waits until the other writer's configuration is in place before merging again", () => {
    const result = run(
      [A],
      gatewayActivities({
        checkGatewayUpdate: (_i, call) => updateStatus(call === 1 ? 'Canceled' : 'Succeeded'),
        // The other writer's PUT lands on the third read: the etag moves on.
        checkGatewayBindings: (_i, call) => ({ ok: true, missing: [], etag: call < 3 ? 'e1' : 'e2' }),
      }),
    );
    const kinds = result.calls.flatMap((c) => (c.kind === 'activity' ? [c.name] : []));
    const secondStart = kinds.lastIndexOf('startGatewayUpdate');
    expect(kinds.slice(0, secondStart).filter((n) => n === 'checkGatewayBindings')).toHaveLength(3);
    expect(result.output).toEqual({ ok: true, updated: true, refused: [] });
  });

  it('writes again what another writer removed after a successful PUT, and only that', () => {
    const result = run(
      [A, B],
      gatewayActivities({
        // The read after the first write (it comes back with the finished operation) misses B.
        checkGatewayUpdate: (input, call) => ({
          ok: true,
          status: 'Succeeded',
          etag: 'e2',
          missing:
            call === 1
              ? input.bindings
                  .filter((b) => b.hostname === B.hostname)
                  .map((b) => ({ hostname: b.hostname, code: 'ApplicationGatewayUpdateLost' as const, message: 'gone' }))
              : [],
        }),
      }),
    );
    expect(result.inputsOf('startGatewayUpdate').map((i) => i.bindings.map((b) => b.hostname))).toEqual([[A.hostname, B.hostname], [B.hostname]]);
    expect(result.output).toEqual({ ok: true, updated: true, refused: [] });
  });

  it('reports the hostnames still missing after the bounded number of writes as ApplicationGatewayUpdateLost', () => {
    const result = run([A], gatewayActivities({ checkGatewayUpdate: () => updateStatus('Canceled') }));
    expect(result.inputsOf('startGatewayUpdate')).toHaveLength(MAX_WRITES);
    expect(result.output).toEqual({
      ok: true,
      updated: false,
      refused: [
        expect.objectContaining({ hostname: A.hostname, code: 'ApplicationGatewayUpdateLost', message: expect.stringMatching(/CanceledAndSuperseded/) }),
      ],
    });
  });

  it('waits out a gateway that refuses the PUT (409) on jittered timers, then writes', () => {
    const result = run(
      [A],
      gatewayActivities({
        startGatewayUpdate: (_i, call) =>
          call <= 2
            ? { ok: false, code: 'ApplicationGatewayBusy', message: 'busy' }
            : { ok: true, etag: 'e1', operation: 'op', refused: [], pollAfterSeconds: 10 },
      }),
    );
    // Nobody else announced a write, so there is no gathering wait: the first timer is the jittered backoff.
    const timers = result.calls.flatMap((c) => (c.kind === 'timer' ? [c.seconds] : []));
    expect(timers[0]).toBeGreaterThanOrEqual(7);
    expect(timers[0]).toBeLessThanOrEqual(23);
    expect(timers[1]).toBeGreaterThanOrEqual(15);
    expect(result.output).toMatchObject({ ok: true, updated: true });
  });

  it('polls the operation on timers of the poll interval until it ends', () => {
    const result = run([A], gatewayActivities({ checkGatewayUpdate: (_i, call) => updateStatus(call < 4 ? 'InProgress' : 'Succeeded') }));
    // A lone writer writes at once (no gathering wait), then waits one poll interval per check.
    expect(result.calls.filter((c) => c.kind === 'timer')).toEqual(Array.from({ length: 4 }, () => ({ kind: 'timer', seconds: 10 })));
  });

  it('passes on a denied status read (tracking needs resource-group permission) as a failure naming it', () => {
    const denied = {
      ok: false as const,
      code: 'ApplicationGatewayAccessDenied' as const,
      message: 'tracking an operation needs "Microsoft.Network/locations/operations/read"',
    };
    const result = run([A], gatewayActivities({ checkGatewayUpdate: () => denied }));
    expect(result.output).toEqual(denied);
  });

  it('reports a refused hostname by name while the others are written', () => {
    const result = run(
      [A, B],
      gatewayActivities({
        startGatewayUpdate: () => ({
          ok: true,
          etag: 'e1',
          operation: 'op',
          refused: [{ hostname: A.hostname, code: 'ApplicationGatewayListenerShadowed', message: 'wildcard' }],
          pollAfterSeconds: 10,
        }),
      }),
    );
    // Only the hostname the PUT took is read back after the write.
    expect(result.inputsOf('checkGatewayUpdate')).toEqual([{ operation: 'op', bindings: [B] }]);
    expect(result.output).toEqual({
      ok: true,
      updated: true,
      refused: [{ hostname: A.hostname, code: 'ApplicationGatewayListenerShadowed', message: 'wildcard' }],
    });
  });
});

describe('coalescing through the queue entity', () => {
  const entityKey = `@${GATEWAY_QUEUE_ENTITY.toLowerCase()}@${GATEWAY.key}`;
  /** One entity operation from outside the orchestration under test (another run's call or signal). */
  const operate = (entityStates: Map<string, unknown>, operationName: string, input: unknown) =>
    gatewayQueueEntity({
      df: {
        operationName,
        getState: (init: () => unknown) => (entityStates.get(entityKey) as object | undefined) ?? init(),
        setState: (s: unknown) => entityStates.set(entityKey, JSON.parse(JSON.stringify(s))),
        getInput: () => input,
        return: () => undefined,
      },
    } as never);
  const others: GatewayWriteRequest[] = Array.from({ length: 9 }, (_, i) => ({
    requestId: fakeGuid(`i${i + 2}:gateway-request`),
    instanceId: `i${i + 2}`,
    bindings: [binding(`h${i + 2}.write.test`)],
    force: false,
  }));

  it('writes ten concurrent requests in two PUTs when nobody announced, and a waiter collects its result without writing', () => {
    const entityStates = new Map<string, unknown>();
    // Nine requests arrive while the first writer's PUT is in flight.
    const arrive = () => {
      for (const request of others) operate(entityStates, 'enqueue', { request, now: '2030-01-01T00:00:05.000Z' });
    };
    const writer = run(
      [A],
      gatewayActivities({
        startGatewayUpdate: (_i, call) => {
          if (call === 1) arrive();
          return { ok: true, etag: 'e1', operation: 'op', refused: [], pollAfterSeconds: 10 };
        },
      }),
      { instanceId: 'i1', entityStates },
    );
    expect(writer.inputsOf('startGatewayUpdate').map((i) => i.bindings.length)).toEqual([1, 9]);
    expect(writer.output).toEqual({ ok: true, updated: true, refused: [] });

    const waiter = run(others[0]!.bindings, gatewayActivities(), { instanceId: 'i2', entityStates });
    expect(waiter.inputsOf('startGatewayUpdate')).toEqual([]);
    expect(waiter.output).toEqual({ ok: true, updated: true, refused: [] });
  });

  it('waits for announced writers before its first write, so that ten runs share one PUT', () => {
    const entityStates = new Map<string, unknown>();
    // Nine other runs announced a write when they started; they queue it during the writer's gathering wait.
    for (const request of others) operate(entityStates, 'announce', { instanceId: request.instanceId, now: '2030-01-01T00:00:00.000Z' });
    let timers = 0;
    const writer = runOrchestrator(
      function* (context: OrchestrationContext) {
        const original = context.df.createTimer.bind(context.df);
        context.df.createTimer = (fireAt: Date) => {
          // The others end their issuance after the first gathering wait has begun.
          if ((timers += 1) === 1) for (const request of others) operate(entityStates, 'enqueue', { request, now: '2030-01-01T00:00:05.000Z' });
          return original(fireAt);
        };
        return yield* bindGateway(context, GATEWAY, [A]);
      },
      { name: Orchestrators.IssueCertificate, input: { hostname: A.hostname }, activities: gatewayActivities(), instanceId: 'i1', entityStates },
    );
    expect(writer.inputsOf('startGatewayUpdate').map((i) => i.bindings.length)).toEqual([10]);
    expect(writer.calls.filter((c) => c.kind === 'entity' && c.operation === 'peek')).toHaveLength(1);
    expect(writer.output).toEqual({ ok: true, updated: true, refused: [] });
  });

  it('gathers for at most MAX_GATHER_POLLS poll intervals when an announced run never writes', () => {
    const entityStates = new Map<string, unknown>();
    operate(entityStates, 'announce', { instanceId: 'i-stuck', now: '2030-01-01T00:00:00.000Z' });
    const writer = run([A], gatewayActivities(), { instanceId: 'i1', entityStates });
    const peeks = writer.calls.filter((c) => c.kind === 'entity' && c.operation === 'peek');
    expect(peeks).toHaveLength(MAX_GATHER_POLLS);
    expect(writer.inputsOf('startGatewayUpdate')).toHaveLength(1);
    expect(writer.output).toEqual({ ok: true, updated: true, refused: [] });
  });

  it('does not wait for a run that withdrew its announcement', () => {
    const entityStates = new Map<string, unknown>();
    operate(entityStates, 'announce', { instanceId: 'i-failed', now: '2030-01-01T00:00:00.000Z' });
    operate(entityStates, 'withdraw', { instanceId: 'i-failed' });
    const writer = run([A], gatewayActivities(), { instanceId: 'i1', entityStates });
    expect(writer.calls.filter((c) => c.kind === 'entity' && c.operation === 'peek')).toEqual([]);
    expect(writer.calls.findIndex((c) => c.kind === 'timer')).toBeGreaterThan(writer.calls.findIndex((c) => c.kind === 'activity'));
  });

  it('refuses an operation it does not have, including names every object inherits', () => {
    const entityStates = new Map<string, unknown>();
    for (const name of ['bogus', 'toString', 'constructor', '__proto__']) {
      expect(() => operate(entityStates, name, {})).toThrow(`GatewayQueue has no operation "${name}"`);
    }
    expect(entityStates.size).toBe(0);
  });

  it('withdraws its announcement when it could not even queue its write', () => {
    const entityStates = new Map<string, unknown>();
    operate(entityStates, 'announce', { instanceId: 'i1', now: '2030-01-01T00:00:00.000Z' });
    const failingEnqueue = (context: { df: { operationName: string } }) => {
      if (context.df.operationName === 'enqueue') throw new Error('the task hub is unreachable');
      gatewayQueueEntity(context as never);
    };
    const result = runOrchestrator(binder([A]), {
      name: Orchestrators.IssueCertificate,
      input: { hostname: A.hostname },
      activities: gatewayActivities(),
      instanceId: 'i1',
      entityStates,
      entities: { [GATEWAY_QUEUE_ENTITY]: failingEnqueue as never },
    });
    expect(result.output).toMatchObject({ ok: false });
    expect(result.calls.filter((c) => c.kind === 'entity' && c.operation === 'withdraw')).toHaveLength(1);
    expect((entityStates.get(entityKey) as { announced?: Record<string, string> }).announced).toEqual({});
  });
});
