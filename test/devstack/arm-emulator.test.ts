/**
 * The ARM / Application Gateway emulator against the real NetworkManagementClient: reads, the
 * long-running PUT, Azure's validation, injected faults, and If-Match (ignored unless switched on).
 * Concurrent PUTs: arm-concurrency.test.ts; roles: arm-rbac.test.ts, arm-deployed-roles.test.ts;
 * the data plane: gateway-data-plane.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NetworkManagementClient } from '@azure/arm-network';
import type { ArmEmulator } from '../../devstack/arm/emulator';
import { addSite, type Any, type ArmFixture, FAST, rand, type RecordingCredential, rejection, type Seeded, startArmFixture } from './fixtures/arm';

let fx: ArmFixture;
let arm: ArmEmulator;
let SUBSCRIPTION: string;
let credential: RecordingCredential;
let client: NetworkManagementClient;
const seed = (): Seeded => fx.seed();

beforeAll(async () => {
  fx = await startArmFixture();
  ({ arm, subscriptionId: SUBSCRIPTION } = fx);
  ({ credential, client } = fx.admin);
});

afterAll(async () => {
  await fx?.stop();
});

describe('ARM emulator with the real NetworkManagementClient', () => {
  afterEach(() => {
    arm.setPutDurationMs(50);
    arm.configure({ concurrentPut: 'supersede', ifMatch: 'ignore' });
  });

  it('reads a public IP address', async () => {
    const rg = rand('rg');
    const ipName = rand('pip');
    const id = arm.addPublicIp(rg, ipName, '198.51.100.7');
    const ip = await client.publicIPAddresses.get(rg, ipName);
    expect(ip.id).toBe(id);
    expect(ip.ipAddress).toBe('198.51.100.7');
    expect(ip.publicIPAllocationMethod).toBe('Static');
  });

  it('sends the bearer token up front, asking for the ARM scope', async () => {
    const { rg, name } = seed();
    const before = arm.requests.length;
    await client.applicationGateways.get(rg, name);
    const seen = arm.requests.slice(before);
    expect(seen.map((r) => r.status)).toEqual([200]); // no 401 challenge round trip
    expect(credential.scopes.at(-1)).toEqual(['https://management.azure.com/.default']);
    expect(seen[0]!.path).toMatch(
      new RegExp(
        `^/subscriptions/${SUBSCRIPTION}/resourceGroups/${rg}/providers/Microsoft.Network/applicationGateways/${name}\\?api-version=\\d{4}-\\d{2}-\\d{2}`,
      ),
    );
  });

  it('refuses requests without a bearer token with ARM 401 shape', async () => {
    const { rg, name } = seed();
    const res = await fetch(
      `${arm.url}/subscriptions/${SUBSCRIPTION}/resourceGroups/${rg}/providers/Microsoft.Network/applicationGateways/${name}?api-version=2024-05-01`,
    );
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer authorization_uri="https:\/\/login\.microsoftonline\.com\//);
    expect(((await res.json()) as Any).error.code).toBe('AuthenticationFailed');
  });

  it('refuses a token it does not know with 401 InvalidAuthenticationToken', async () => {
    const { rg, name } = seed();
    const res = await fetch(
      `${arm.url}/subscriptions/${SUBSCRIPTION}/resourceGroups/${rg}/providers/Microsoft.Network/applicationGateways/${name}?api-version=2024-05-01`,
      {
        headers: { authorization: 'Bearer not-a-token-the-emulator-issued' },
      },
    );
    expect(res.status).toBe(401);
    expect(((await res.json()) as Any).error).toEqual({ code: 'InvalidAuthenticationToken', message: 'The access token is invalid.' });
  });

  it('answers 404 ResourceNotFound for an unknown gateway, and matches resource groups case-insensitively', async () => {
    const { rg, name, gwId } = seed();
    const err = await rejection(client.applicationGateways.get(rg, rand('missing')));
    expect(err.statusCode).toBe(404);
    expect(err.code).toBe('ResourceNotFound');
    const gw = await client.applicationGateways.get(rg.toUpperCase(), name);
    expect(gw.id).toBe(gwId);
  });

  it('returns the seeded gateway as Azure shapes it', async () => {
    const { rg, name, gwId, publicIpId, uaiId } = seed();
    const gw: Any = await client.applicationGateways.get(rg, name);
    expect(gw.etag).toMatch(/^W\/"[0-9a-f-]{36}"$/);
    expect(gw.provisioningState).toBe('Succeeded');
    expect(gw.sku.tier).toBe('Standard_v2');
    expect(Object.keys(gw.identity.userAssignedIdentities)).toEqual([uaiId]);
    expect(gw.frontendIPConfigurations[0].publicIPAddress.id).toBe(publicIpId);
    expect(gw.frontendPorts.map((p: Any) => [p.name, p.port])).toEqual([
      ['port_80', 80],
      ['port_443', 443],
    ]);
    expect(gw.httpListeners[0].id).toBe(`${gwId}/httpListeners/http-listener`);
    expect(gw.requestRoutingRules[0]).toMatchObject({ ruleType: 'PathBasedRouting', priority: 100, etag: gw.etag });
    const pathRule = gw.urlPathMaps[0].pathRules[0];
    expect(pathRule.paths).toEqual(['/.well-known/acme-challenge/*']);
    expect(pathRule.backendAddressPool.id).toBe(`${gwId}/backendAddressPools/acme-challenge-storage`);
  });

  it('applies a PUT through the long-running operation: Azure-AsyncOperation, polling, final GET', async () => {
    const { rg, name, gwId } = seed();
    const changed: Any[] = [];
    arm.onGatewayChanged((r, n, g) => {
      if (n === name) changed.push({ r, g });
    });
    const gw: Any = await client.applicationGateways.get(rg, name);
    const host = `${rand('www')}.example.test`;
    const { listenerName } = addSite(gw, gwId, host, { priority: 200 });
    const putsBefore = arm.putCount;
    const before = arm.requests.length;

    const result: Any = await client.applicationGateways.beginCreateOrUpdateAndWait(rg, name, gw, FAST);

    expect(arm.putCount - putsBefore).toBe(1);
    expect(result.provisioningState).toBe('Succeeded');
    expect(result.etag).not.toBe(gw.etag);
    const listener = result.httpListeners.find((l: Any) => l.name === listenerName);
    expect(listener).toMatchObject({ id: `${gwId}/httpListeners/${listenerName}`, hostName: host, protocol: 'Https', etag: result.etag });
    expect(result.sslCertificates).toHaveLength(1);

    const wire = arm.requests.slice(before).map((r) => `${r.method} ${r.path.split('?')[0]} ${r.status}`);
    const resourcePath = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${rg}/providers/Microsoft.Network/applicationGateways/${name}`;
    expect(wire[0]).toBe(`PUT ${resourcePath} 200`);
    expect(wire.at(-1)).toBe(`GET ${resourcePath} 200`);
    const polls = wire.slice(1, -1);
    expect(polls.length).toBeGreaterThanOrEqual(1);
    for (const p of polls)
      expect(p).toMatch(new RegExp(`^GET /subscriptions/${SUBSCRIPTION}/providers/Microsoft.Network/locations/westeurope/operations/[0-9a-f-]+ 200$`));

    const stored = arm.getApplicationGateway(rg, name);
    expect(stored.etag).toBe(result.etag);
    expect(changed).toHaveLength(1);
    expect(changed[0].g.properties.httpListeners.map((l: Any) => l.name)).toContain(listenerName);
    // Read-only back-references are recomputed after the SDK dropped them.
    const port443 = stored.properties.frontendPorts.find((p: Any) => p.name === 'port_443');
    expect(port443.properties.httpListeners).toEqual([{ id: `${gwId}/httpListeners/${listenerName}` }]);
  });

  const invalid: Array<[string, string, (gw: Any, gwId: string) => void]> = [
    [
      'a listener referencing a missing SSL certificate',
      'InvalidResourceReference',
      (gw, gwId) => {
        addSite(gw, gwId, `${rand('x')}.example.test`, { priority: 500 });
        gw.httpListeners.at(-1).sslCertificate = { id: `${gwId}/sslCertificates/nope` };
      },
    ],
    [
      'a rule referencing a missing backend pool',
      'InvalidResourceReference',
      (gw, gwId) => {
        addSite(gw, gwId, `${rand('x')}.example.test`, { priority: 500 });
        gw.requestRoutingRules.at(-1).backendAddressPool = { id: `${gwId}/backendAddressPools/nope` };
      },
    ],
    [
      'a rule without priority next to one with',
      'ApplicationGatewayRequestRoutingRulePartialPriorityDefined',
      (gw, gwId) => addSite(gw, gwId, `${rand('x')}.example.test`),
    ],
    [
      'rules without any priority',
      'ApplicationGatewayRequestRoutingRulePriorityCannotBeEmpty',
      (gw, gwId) => {
        addSite(gw, gwId, `${rand('x')}.example.test`);
        delete gw.requestRoutingRules[0].priority;
      },
    ],
    [
      'a duplicate priority',
      'ApplicationGatewayRequestRoutingRuleDuplicatePriority',
      (gw, gwId) => addSite(gw, gwId, `${rand('x')}.example.test`, { priority: 100 }),
    ],
    [
      'a priority out of range',
      'ApplicationGatewayRequestRoutingRuleInvalidPriority',
      (gw, gwId) => addSite(gw, gwId, `${rand('x')}.example.test`, { priority: 20001 }),
    ],
    [
      'two listeners for the same host name on one port',
      'ApplicationGatewayHttpListenersUsingSameFrontendPort',
      (gw, gwId) => {
        const host = `${rand('dup')}.example.test`;
        addSite(gw, gwId, host, { priority: 500 });
        addSite(gw, gwId, host.toUpperCase(), { priority: 501 });
      },
    ],
    [
      'a Key Vault certificate on a gateway without user-assigned identity',
      'ApplicationGatewayKeyVaultSecretRequiresUserAssignedIdentity',
      (gw, gwId) => {
        addSite(gw, gwId, `${rand('x')}.example.test`, { priority: 500 });
        delete gw.identity;
      },
    ],
    [
      'two SSL certificates with the same name',
      'DuplicateResourceName',
      (gw, gwId) => {
        addSite(gw, gwId, `${rand('x')}.example.test`, { priority: 500 });
        gw.sslCertificates.push({ ...gw.sslCertificates[0] });
      },
    ],
    [
      'more than 100 SSL certificates',
      'ApplicationGatewayLimitExceeded',
      (gw) => {
        for (let i = 0; i < 101; i++) gw.sslCertificates.push({ name: `c${i}`, keyVaultSecretId: `https://kv.vault.azure.net/secrets/c${i}` });
      },
    ],
  ];
  it.each(invalid)('refuses %s with 400 %s and leaves the gateway unchanged', async (_what, code, mutate) => {
    const { rg, name, gwId } = seed();
    const gw: Any = await client.applicationGateways.get(rg, name);
    mutate(gw, gwId);
    const putsBefore = arm.putCount;
    const err = await rejection(client.applicationGateways.beginCreateOrUpdateAndWait(rg, name, gw, FAST));
    expect(err.statusCode).toBe(400);
    expect(err.code).toBe(code);
    expect(err.message.length).toBeGreaterThan(20);
    expect(arm.putCount).toBe(putsBefore);
    expect(arm.rejectedPuts.at(-1)).toEqual({ status: 400, code });
    expect(arm.getApplicationGateway(rg, name).etag).toBe(gw.etag);
  });

  it('names the dangling reference in the 400 message', async () => {
    const { rg, name, gwId } = seed();
    const gw: Any = await client.applicationGateways.get(rg, name);
    addSite(gw, gwId, `${rand('x')}.example.test`, { priority: 500 });
    gw.httpListeners.at(-1).frontendPort = { id: `${gwId}/frontendPorts/port_8443` };
    const err = await rejection(client.applicationGateways.beginCreateOrUpdateAndWait(rg, name, gw, FAST));
    expect(err.message).toContain(`${gwId}/frontendPorts/port_8443`);
    expect(err.message).toContain(gw.httpListeners.at(-1).name);
  });

  it('ignores If-Match by default: a PUT with a stale etag is accepted (the REST spec declares no If-Match)', async () => {
    const { rg, name, gwId } = seed();
    const gw: Any = await client.applicationGateways.get(rg, name);
    addSite(gw, gwId, `${rand('m')}.example.test`, { priority: 600 });
    const ok: Any = await client.applicationGateways.beginCreateOrUpdateAndWait(rg, name, gw, {
      ...FAST,
      requestOptions: { headers: { 'If-Match': `W/"${randomUUID()}"` } },
    });
    expect(ok.httpListeners).toHaveLength(2);
    expect(arm.rejectedPuts.filter((r) => r.code === 'PreconditionFailed')).toEqual([]);
  });

  it('with ifMatch: honour, answers 412 PreconditionFailed to a stale If-Match and accepts the current etag', async () => {
    const { rg, name, gwId } = seed();
    arm.configure({ ifMatch: 'honour' });
    const gw: Any = await client.applicationGateways.get(rg, name);
    addSite(gw, gwId, `${rand('m')}.example.test`, { priority: 600 });
    const stale = await rejection(
      client.applicationGateways.beginCreateOrUpdateAndWait(rg, name, gw, { ...FAST, requestOptions: { headers: { 'If-Match': `W/"${randomUUID()}"` } } }),
    );
    expect(stale.statusCode).toBe(412);
    expect(stale.code).toBe('PreconditionFailed');
    const ok: Any = await client.applicationGateways.beginCreateOrUpdateAndWait(rg, name, gw, {
      ...FAST,
      requestOptions: { headers: { 'If-Match': gw.etag } },
    });
    expect(ok.httpListeners).toHaveLength(2);
  });

  it('fails the SDK call and leaves the gateway unchanged when the operation ends Failed', async () => {
    const { rg, name, gwId } = seed();
    const gw: Any = await client.applicationGateways.get(rg, name);
    addSite(gw, gwId, `${rand('f')}.example.test`, { priority: 700 });
    arm.injectPutFaults({ mode: 'lroFailed', count: 1 });
    const putsBefore = arm.putCount;
    const err = await rejection(client.applicationGateways.beginCreateOrUpdateAndWait(rg, name, gw, FAST));
    // core-lro turns a Failed operation into a plain Error: the code is only in the message.
    expect(err.message).toMatch(/^The long-running operation has failed\. ApplicationGatewayUpdateFailed\./);
    expect(arm.putCount - putsBefore).toBe(1);
    const after = arm.getApplicationGateway(rg, name);
    expect(after.etag).toBe(gw.etag);
    expect(after.properties.provisioningState).toBe('Succeeded');
    expect(after.properties.httpListeners).toHaveLength(1);
    // The next write goes through.
    const ok: Any = await client.applicationGateways.beginCreateOrUpdateAndWait(rg, name, gw, FAST);
    expect(ok.httpListeners).toHaveLength(2);
  });

  it('answers injected conflicts with 409, then accepts the retry', async () => {
    const { rg, name, gwId } = seed();
    const gw: Any = await client.applicationGateways.get(rg, name);
    addSite(gw, gwId, `${rand('c')}.example.test`, { priority: 800 });
    arm.injectPutFaults({ mode: 'conflict', count: 2 });
    for (let i = 0; i < 2; i++) {
      const err = await rejection(client.applicationGateways.beginCreateOrUpdateAndWait(rg, name, gw, FAST));
      expect(err.code).toBe('AnotherOperationInProgress');
    }
    const ok: Any = await client.applicationGateways.beginCreateOrUpdateAndWait(rg, name, gw, FAST);
    expect(ok.httpListeners).toHaveLength(2);
  });
});
