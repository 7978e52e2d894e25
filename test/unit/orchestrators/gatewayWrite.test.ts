/**
 * Gateway writes as they must behave in Azure: superseded or lost writes are redone, a busy
 * gateway is waited out, a tracking denial names the permission, and concurrent requests are
 * coalesced through the queue entity into few PUTs.
 */
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { describe, expect, it } from 'vitest';
import type { Binding } from '../../../lib/activityContracts';
import type { GatewayWriteRequest } from '../../../lib/gatewayQueue';
import { bindGateway } from '../../../orchestrators/bindGateway';
import { Orchestrators } from '../../../orchestrators/contracts';
import { GATEWAY_QUEUE_ENTITY, gatewayQueueEntity } from '../../../orchestrators/gatewayQueueEntity';
import { MAX_WRITES } from '../../../orchestrators/gatewayUpdate';
import { hostname } from '../../fixtures/hostnames';
import { ActivityScript, fakeGuid, runOrchestrator } from './fakeContext';
import { GATEWAY, gatewayActivities } from './gatewayScript';

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
    const result = run([A], gatewayActivities({ checkGatewayUpdate: (_i, call) => ({ ok: true, status: call === 1 ? 'Canceled' : 'Succeeded' }) }));
    expect(result.inputsOf('startGatewayUpdate')).toHaveLength(2);
    expect(result.output).toEqual({ ok: true, updated: true, refused: [] });
  });

  it("after being superseded, waits until the other writer's configuration is in place before merging again", () => {
    const result = run(
      [A],
      gatewayActivities({
        checkGatewayUpdate: (_i, call) => ({ ok: true, status: call === 1 ? 'Canceled' : 'Succeeded' }),
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
        checkGatewayBindings: (input, call) => ({
          ok: true,
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
    const result = run([A], gatewayActivities({ checkGatewayUpdate: () => ({ ok: true, status: 'Canceled' }) }));
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
    // The first timer is the writer's gathering wait (one poll interval); then the jittered backoff.
    const [gather, ...timers] = result.calls.flatMap((c) => (c.kind === 'timer' ? [c.seconds] : []));
    expect(gather).toBe(GATEWAY.pollSeconds);
    expect(timers[0]).toBeGreaterThanOrEqual(7);
    expect(timers[0]).toBeLessThanOrEqual(23);
    expect(timers[1]).toBeGreaterThanOrEqual(15);
    expect(result.output).toMatchObject({ ok: true, updated: true });
  });

  it('polls the operation on timers of the poll interval until it ends', () => {
    const result = run([A], gatewayActivities({ checkGatewayUpdate: (_i, call) => ({ ok: true, status: call < 4 ? 'InProgress' : 'Succeeded' }) }));
    // One gathering wait before the write, then one poll interval per check.
    expect(result.calls.filter((c) => c.kind === 'timer')).toEqual(Array.from({ length: 5 }, () => ({ kind: 'timer', seconds: 10 })));
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
    expect(result.inputsOf('checkGatewayBindings')).toEqual([{ bindings: [B] }]);
    expect(result.output).toEqual({
      ok: true,
      updated: true,
      refused: [{ hostname: A.hostname, code: 'ApplicationGatewayListenerShadowed', message: 'wildcard' }],
    });
  });
});

describe('coalescing through the queue entity', () => {
  it('writes ten concurrent requests in two PUTs, and a waiter collects its result without writing', () => {
    const entityStates = new Map<string, unknown>();
    const entityKey = `@${GATEWAY_QUEUE_ENTITY.toLowerCase()}@${GATEWAY.key}`;
    const others: GatewayWriteRequest[] = Array.from({ length: 9 }, (_, i) => ({
      requestId: fakeGuid(`i${i + 2}:gateway-request`),
      instanceId: `i${i + 2}`,
      bindings: [binding(`h${i + 2}.write.test`)],
      force: false,
    }));
    // Nine requests arrive while the first writer's PUT is in flight.
    const arrive = () => {
      for (const request of others) {
        gatewayQueueEntity({
          df: {
            operationName: 'enqueue',
            getState: (init: () => unknown) => (entityStates.get(entityKey) as object | undefined) ?? init(),
            setState: (s: unknown) => entityStates.set(entityKey, JSON.parse(JSON.stringify(s))),
            getInput: () => ({ request, now: '2030-01-01T00:00:05.000Z' }),
            return: () => undefined,
          },
        } as never);
      }
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
});
