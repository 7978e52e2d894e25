/**
 * Concurrent gateway PUTs and the PUT's timeline, with the real NetworkManagementClient:
 * - by default a second PUT is accepted and cancels the first (Azure/azure-cli#21156), whose
 *   operation ends Canceled / CanceledAndSupersededDueToAnotherOperation; the later body wins;
 * - with concurrentPut: 'conflict' the second PUT is refused 409 AnotherOperationInProgress;
 * - provisioningState reads Updating only early in a PUT (Azure/azure-cli#32961), also with a
 *   realistic duration of seconds.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { NetworkManagementClient } from '@azure/arm-network';
import type { ArmEmulator } from '../../devstack/arm/emulator';
import { addSite, type Any, type ArmFixture, FAST, rand, rejection, startArmFixture } from './fixtures/arm';

let fx: ArmFixture;
let arm: ArmEmulator;
let client: NetworkManagementClient;

beforeAll(async () => {
  fx = await startArmFixture();
  arm = fx.arm;
  client = fx.admin.client;
});

afterAll(async () => {
  await fx?.stop();
});

afterEach(() => {
  arm.setPutDurationMs(50);
  arm.configure({ concurrentPut: 'supersede', ifMatch: 'ignore' });
});

/** The Azure-AsyncOperation URL the poller follows (core-lro keeps it in its state's config). */
const operationUrl = (poller: { getOperationState(): unknown }): string => (poller.getOperationState() as Any).config.operationLocation;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Reads an Azure-AsyncOperation URL with the admin's token, as the SDK's poller does. */
async function operationBody(url: string): Promise<Any> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${fx.admin.credential.token}` } });
  expect(res.status).toBe(200);
  return res.json();
}

describe('a second PUT while one runs (default: supersede)', () => {
  it('is accepted; the first operation ends Canceled with the body Azure sends, and the gateway holds the later body', async () => {
    const { rg, name, gwId } = fx.seed();
    arm.setPutDurationMs(400);
    arm.maxConcurrentPutsSeen = 0;
    const canceledBefore = arm.canceledPuts;
    const base: Any = await client.applicationGateways.get(rg, name);
    const firstBody = structuredClone(base);
    const first = addSite(firstBody, gwId, `${rand('first')}.example.test`, { priority: 300 });
    const secondBody = structuredClone(base);
    const second = addSite(secondBody, gwId, `${rand('second')}.example.test`, { priority: 301 });

    const requestsBefore = arm.requests.length;
    const putsBefore = arm.putCount;
    const firstDone = rejection(client.applicationGateways.beginCreateOrUpdateAndWait(rg, name, firstBody, FAST));
    await vi.waitFor(() => expect(arm.putCount).toBe(putsBefore + 1));
    const secondResult: Any = await client.applicationGateways.beginCreateOrUpdateAndWait(rg, name, secondBody, FAST);

    // core-lro ends a Canceled operation with a plain Error; the codes are in the status body.
    const err = await firstDone;
    expect(err.message).toBe('Operation was canceled');
    const polled = new Set(
      arm.requests
        .slice(requestsBefore)
        .filter((r) => r.method === 'GET' && r.path.includes('/operations/'))
        .map((r) => r.path),
    );
    const bodies = await Promise.all([...polled].map((path) => operationBody(`${arm.url}${path}`)));
    expect(bodies).toContainEqual({ status: 'Succeeded' });
    expect(bodies.filter((b) => b.status !== 'Succeeded')).toEqual([
      {
        status: 'Canceled',
        error: {
          code: 'Canceled',
          message: 'Operation was canceled.',
          details: [
            {
              code: 'CanceledAndSupersededDueToAnotherOperation',
              message: expect.stringMatching(
                /^Operation PutApplicationGatewayOperation \(.+\) was canceled and superseded by operation PutApplicationGatewayOperation \(.+\)\.$/,
              ),
            },
          ],
        },
      },
    ]);
    expect(secondResult.provisioningState).toBe('Succeeded');
    const listeners = arm.getApplicationGateway(rg, name).properties.httpListeners.map((l: Any) => l.name);
    expect(listeners).toContain(second.listenerName);
    expect(listeners).not.toContain(first.listenerName); // the first write is lost: the later body is the whole configuration
    expect(arm.canceledPuts - canceledBefore).toBe(1);
    expect(arm.maxConcurrentPutsSeen).toBe(2);
  });

  it('accepts a stale If-Match on the second PUT too: nothing stops the lost update', async () => {
    const { rg, name, gwId } = fx.seed();
    arm.setPutDurationMs(300);
    const base: Any = await client.applicationGateways.get(rg, name);
    const a = structuredClone(base);
    addSite(a, gwId, `${rand('a')}.example.test`, { priority: 310 });
    const b = structuredClone(base);
    const bSite = addSite(b, gwId, `${rand('b')}.example.test`, { priority: 311 });
    const putsBefore = arm.putCount;
    const firstDone = rejection(
      client.applicationGateways.beginCreateOrUpdateAndWait(rg, name, a, { ...FAST, requestOptions: { headers: { 'If-Match': base.etag } } }),
    );
    await vi.waitFor(() => expect(arm.putCount).toBe(putsBefore + 1));
    await client.applicationGateways.beginCreateOrUpdateAndWait(rg, name, b, { ...FAST, requestOptions: { headers: { 'If-Match': base.etag } } });
    expect((await firstDone).message).toBe('Operation was canceled');
    expect(arm.getApplicationGateway(rg, name).properties.httpListeners.map((l: Any) => l.name)).toContain(bSite.listenerName);
  });
});

describe("concurrentPut: 'conflict'", () => {
  it('answers 409 AnotherOperationInProgress (ARM error shape, naming the running operation), and the first PUT completes', async () => {
    const { rg, name, gwId } = fx.seed();
    arm.configure({ concurrentPut: 'conflict' });
    arm.setPutDurationMs(400);
    arm.maxConcurrentPutsSeen = 0;
    const gw: Any = await client.applicationGateways.get(rg, name);
    addSite(gw, gwId, `${rand('a')}.example.test`, { priority: 300 });
    const first = await client.applicationGateways.beginCreateOrUpdate(rg, name, gw, FAST);
    await first.submitted();
    const firstUrl = operationUrl(first);

    const err = await rejection(client.applicationGateways.beginCreateOrUpdateAndWait(rg, name, gw, FAST));
    expect(err.statusCode).toBe(409);
    expect(err.code).toBe('AnotherOperationInProgress');
    expect(err.message).toBe(`Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: ${firstUrl}.`);
    // On the wire: ARM's error envelope, as Microsoft.Network sends it.
    const raw = await fetch(
      `${arm.url}/subscriptions/${fx.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Network/applicationGateways/${name}?api-version=2024-05-01`,
      {
        method: 'PUT',
        headers: { authorization: `Bearer ${fx.admin.credential.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(arm.getApplicationGateway(rg, name)),
      },
    );
    expect(raw.status).toBe(409);
    expect(await raw.json()).toEqual({ error: { code: 'AnotherOperationInProgress', message: err.message, details: [] } });
    expect(arm.rejectedPuts.at(-1)).toEqual({ status: 409, code: 'AnotherOperationInProgress' });
    expect(arm.maxConcurrentPutsSeen).toBe(2);

    const done: Any = await first.pollUntilDone();
    expect(done.provisioningState).toBe('Succeeded');
    expect(done.httpListeners).toHaveLength(2);
  });
});

describe('the PUT timeline', () => {
  it('with a realistic duration (seconds), reads Updating only in the first tenth, then Succeeded while the operation still runs', async () => {
    const { rg, name, gwId } = fx.seed();
    arm.setPutDurationMs(2_000);
    const gw: Any = await client.applicationGateways.get(rg, name);
    const { listenerName } = addSite(gw, gwId, `${rand('slow')}.example.test`, { priority: 320 });
    const started = Date.now();
    const poller = await client.applicationGateways.beginCreateOrUpdate(rg, name, gw, { updateIntervalInMs: 100 });
    await poller.submitted();
    const opUrl = operationUrl(poller);

    expect(((await client.applicationGateways.get(rg, name)) as Any).provisioningState).toBe('Updating');
    await sleep(Math.max(0, started + 600 - Date.now()));
    const midway: Any = await client.applicationGateways.get(rg, name);
    expect(midway.provisioningState).toBe('Succeeded'); // looks idle: checking it before a PUT proves nothing
    expect(midway.httpListeners.map((l: Any) => l.name)).not.toContain(listenerName); // not applied yet
    expect(await operationBody(opUrl)).toEqual({ status: 'InProgress' });

    const done: Any = await poller.pollUntilDone();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    expect(done.provisioningState).toBe('Succeeded');
    expect(done.httpListeners.map((l: Any) => l.name)).toContain(listenerName);
    expect(await operationBody(opUrl)).toEqual({ status: 'Succeeded' });
  });

  it('keeps maxConcurrentPutsSeen at 1 and cancels nothing when writes are serialised', async () => {
    const { rg, name, gwId } = fx.seed();
    arm.maxConcurrentPutsSeen = 0;
    const canceledBefore = arm.canceledPuts;
    for (const priority of [400, 401]) {
      const gw: Any = await client.applicationGateways.get(rg, name);
      addSite(gw, gwId, `${rand('s')}.example.test`, { priority });
      await client.applicationGateways.beginCreateOrUpdateAndWait(rg, name, gw, FAST);
    }
    expect(arm.maxConcurrentPutsSeen).toBe(1);
    expect(arm.canceledPuts).toBe(canceledBefore);
    expect(arm.getApplicationGateway(rg, name).properties.requestRoutingRules).toHaveLength(3);
  });
});
