/**
 * The ARM / Application Gateway emulator against the real NetworkManagementClient, and the
 * emulated gateway's data plane (HTTP-01 challenge path, SNI certificate selection).
 */
import { randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { NetworkManagementClient } from '@azure/arm-network';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startArmEmulator, type ArmEmulator } from '../../devstack/arm/emulator';
import { sampleGateway } from '../../devstack/arm/sampleGateway';
import { startGatewayDataPlane, type GatewayDataPlane } from '../../devstack/gateway/dataPlane';
import { issueServerCert, loadCa, type PemPair } from '../../devstack/tls/testCa';

const SUBSCRIPTION = randomUUID();

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

function rand(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

class FakeCredential implements TokenCredential {
  readonly scopes: string[][] = [];
  async getToken(scopes: string | string[]): Promise<AccessToken> {
    this.scopes.push(Array.isArray(scopes) ? scopes : [scopes]);
    return { token: 'fake-arm-token', expiresOnTimestamp: Date.now() + 3600_000 };
  }
}

async function rejection(p: Promise<unknown>): Promise<Any> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

let ca: PemPair;
let arm: ArmEmulator;
let credential: FakeCredential;
let client: NetworkManagementClient;

beforeAll(async () => {
  ca = loadCa();
  arm = await startArmEmulator({ ca, subscriptionId: SUBSCRIPTION });
  credential = new FakeCredential();
  client = new NetworkManagementClient(credential, SUBSCRIPTION, { endpoint: arm.url });
});

afterAll(async () => {
  await arm?.stop();
});

interface Seeded {
  rg: string;
  name: string;
  gwId: string;
  publicIpId: string;
  uaiId: string;
}

function seed(): Seeded {
  const rg = rand('rg');
  const name = rand('appgw');
  const publicIpId = arm.addPublicIp(rg, `${name}-pip`, '203.0.113.10');
  const uaiId = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}-id`;
  const gwId = arm.addApplicationGateway(
    rg,
    name,
    sampleGateway({ subscriptionId: SUBSCRIPTION, resourceGroup: rg, name, publicIpId, userAssignedIdentityId: uaiId }),
  );
  return { rg, name, gwId, publicIpId, uaiId };
}

/** Adds a Key Vault certificate, an Https listener on port_443 for `hostName` and a Basic rule, in the SDK's flattened model. */
function addSite(gw: Any, gwId: string, hostName: string, opts: { priority?: number; secretId?: string } = {}): { listenerName: string } {
  const suffix = randomBytes(3).toString('hex');
  const certName = `cert-${suffix}`;
  const listenerName = `https-${suffix}`;
  gw.sslCertificates.push({ name: certName, keyVaultSecretId: opts.secretId ?? `https://kv-test.vault.azure.net/secrets/${certName}` });
  gw.httpListeners.push({
    name: listenerName,
    frontendIPConfiguration: { id: `${gwId}/frontendIPConfigurations/appGwPublicFrontendIp` },
    frontendPort: { id: `${gwId}/frontendPorts/port_443` },
    protocol: 'Https',
    hostName,
    requireServerNameIndication: true,
    sslCertificate: { id: `${gwId}/sslCertificates/${certName}` },
  });
  gw.requestRoutingRules.push({
    name: `rule-${suffix}`,
    ruleType: 'Basic',
    ...(opts.priority === undefined ? {} : { priority: opts.priority }),
    httpListener: { id: `${gwId}/httpListeners/${listenerName}` },
    backendAddressPool: { id: `${gwId}/backendAddressPools/backend` },
    backendHttpSettings: { id: `${gwId}/backendHttpSettingsCollection/http-settings` },
  });
  return { listenerName };
}

describe('ARM emulator with the real NetworkManagementClient', () => {
  afterEach(() => {
    arm.setPutDurationMs(50);
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
    expect(seen[0]!.path).toMatch(new RegExp(`^/subscriptions/${SUBSCRIPTION}/resourceGroups/${rg}/providers/Microsoft.Network/applicationGateways/${name}\\?api-version=\\d{4}-\\d{2}-\\d{2}`));
  });

  it('refuses requests without a bearer token with ARM 401 shape', async () => {
    const { rg, name } = seed();
    const res = await fetch(`${arm.url}/subscriptions/${SUBSCRIPTION}/resourceGroups/${rg}/providers/Microsoft.Network/applicationGateways/${name}?api-version=2024-05-01`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer authorization_uri="https:\/\/login\.microsoftonline\.com\//);
    expect(((await res.json()) as Any).error.code).toBe('AuthenticationFailed');
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
    expect(gw.frontendPorts.map((p: Any) => [p.name, p.port])).toEqual([['port_80', 80], ['port_443', 443]]);
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

    const result: Any = await client.applicationGateways.beginCreateOrUpdateAndWait(rg, name, gw, { updateIntervalInMs: 10 });

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
    for (const p of polls) expect(p).toMatch(new RegExp(`^GET /subscriptions/${SUBSCRIPTION}/providers/Microsoft.Network/locations/westeurope/operations/[0-9a-f-]+ 200$`));

    const stored = arm.getApplicationGateway(rg, name);
    expect(stored.etag).toBe(result.etag);
    expect(changed).toHaveLength(1);
    expect(changed[0].g.properties.httpListeners.map((l: Any) => l.name)).toContain(listenerName);
    // Read-only back-references are recomputed after the SDK dropped them.
    const port443 = stored.properties.frontendPorts.find((p: Any) => p.name === 'port_443');
    expect(port443.properties.httpListeners).toEqual([{ id: `${gwId}/httpListeners/${listenerName}` }]);
  });

  it('answers 409 AnotherOperationInProgress to a second PUT while one is running', async () => {
    const { rg, name, gwId } = seed();
    arm.setPutDurationMs(400);
    arm.maxConcurrentPutsSeen = 0;
    const gw: Any = await client.applicationGateways.get(rg, name);
    addSite(gw, gwId, `${rand('a')}.example.test`, { priority: 300 });
    const first = client.applicationGateways.createOrUpdate(rg, name, gw, { updateIntervalInMs: 10 });
    await first.submitted();

    const inProgress: Any = await client.applicationGateways.get(rg, name);
    expect(inProgress.provisioningState).toBe('Updating');

    const err = await rejection(client.applicationGateways.beginCreateOrUpdateAndWait(rg, name, gw, { updateIntervalInMs: 10 }));
    expect(err.statusCode).toBe(409);
    expect(err.code).toBe('AnotherOperationInProgress');
    expect(err.message).toMatch(/^Another operation on this or dependent resource is in progress/);
    expect(arm.rejectedPuts.at(-1)).toEqual({ status: 409, code: 'AnotherOperationInProgress' });
    expect(arm.maxConcurrentPutsSeen).toBe(2);

    const done: Any = await first;
    expect(done.provisioningState).toBe('Succeeded');
    expect(done.httpListeners).toHaveLength(2);
  });

  it('keeps maxConcurrentPutsSeen at 1 when writes are serialised', async () => {
    const { rg, name, gwId } = seed();
    arm.maxConcurrentPutsSeen = 0;
    for (const priority of [400, 401]) {
      const gw: Any = await client.applicationGateways.get(rg, name);
      addSite(gw, gwId, `${rand('s')}.example.test`, { priority });
      await client.applicationGateways.beginCreateOrUpdateAndWait(rg, name, gw, { updateIntervalInMs: 10 });
    }
    expect(arm.maxConcurrentPutsSeen).toBe(1);
    expect(arm.getApplicationGateway(rg, name).properties.requestRoutingRules).toHaveLength(3);
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
    const err = await rejection(client.applicationGateways.beginCreateOrUpdateAndWait(rg, name, gw, { updateIntervalInMs: 10 }));
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
    const err = await rejection(client.applicationGateways.beginCreateOrUpdateAndWait(rg, name, gw, { updateIntervalInMs: 10 }));
    expect(err.message).toContain(`${gwId}/frontendPorts/port_8443`);
    expect(err.message).toContain(gw.httpListeners.at(-1).name);
  });

  it('answers 412 PreconditionFailed to a stale If-Match and accepts the current etag', async () => {
    const { rg, name, gwId } = seed();
    const gw: Any = await client.applicationGateways.get(rg, name);
    addSite(gw, gwId, `${rand('m')}.example.test`, { priority: 600 });
    const stale = await rejection(
      client.applicationGateways.beginCreateOrUpdateAndWait(rg, name, gw, {
        updateIntervalInMs: 10,
        requestOptions: { headers: { 'If-Match': `W/"${randomUUID()}"` } },
      }),
    );
    expect(stale.statusCode).toBe(412);
    expect(stale.code).toBe('PreconditionFailed');
    const ok: Any = await client.applicationGateways.beginCreateOrUpdateAndWait(rg, name, gw, {
      updateIntervalInMs: 10,
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
    const err = await rejection(client.applicationGateways.beginCreateOrUpdateAndWait(rg, name, gw, { updateIntervalInMs: 10 }));
    // core-lro turns a Failed operation into a plain Error: the code is only in the message.
    expect(err.message).toMatch(/^The long-running operation has failed\. ApplicationGatewayUpdateFailed\./);
    expect(arm.putCount - putsBefore).toBe(1);
    const after = arm.getApplicationGateway(rg, name);
    expect(after.etag).toBe(gw.etag);
    expect(after.properties.provisioningState).toBe('Succeeded');
    expect(after.properties.httpListeners).toHaveLength(1);
    // The next write goes through.
    const ok: Any = await client.applicationGateways.beginCreateOrUpdateAndWait(rg, name, gw, { updateIntervalInMs: 10 });
    expect(ok.httpListeners).toHaveLength(2);
  });

  it('answers injected conflicts with 409, then accepts the retry', async () => {
    const { rg, name, gwId } = seed();
    const gw: Any = await client.applicationGateways.get(rg, name);
    addSite(gw, gwId, `${rand('c')}.example.test`, { priority: 800 });
    arm.injectPutFaults({ mode: 'conflict', count: 2 });
    for (let i = 0; i < 2; i++) {
      const err = await rejection(client.applicationGateways.beginCreateOrUpdateAndWait(rg, name, gw, { updateIntervalInMs: 10 }));
      expect(err.code).toBe('AnotherOperationInProgress');
    }
    const ok: Any = await client.applicationGateways.beginCreateOrUpdateAndWait(rg, name, gw, { updateIntervalInMs: 10 });
    expect(ok.httpListeners).toHaveLength(2);
  });
});

describe('gateway data plane', () => {
  let blobServer: http.Server;
  let blobBase: string;
  const blobs = new Map<string, string>();
  const secrets = new Map<string, { chainPem: string[]; keyPem: string }>();
  let plane: GatewayDataPlane;
  let site: Seeded;
  let host: string;
  let secretName: string;
  const secretBase = `https://kv-${randomBytes(3).toString('hex')}.vault.azure.net/secrets/`;

  beforeAll(async () => {
    // Stands in for the Azurite container the challenge path rule points at.
    blobServer = http.createServer((req, res) => {
      const body = blobs.get(req.url ?? '');
      res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/octet-stream' });
      res.end(body ?? '<Error><Code>BlobNotFound</Code></Error>');
    });
    await new Promise<void>((resolve) => blobServer.listen(0, '127.0.0.1', resolve));
    blobBase = `http://127.0.0.1:${(blobServer.address() as AddressInfo).port}/devstoreaccount1/acme`;

    site = seed();
    host = `${rand('site')}.example.test`;
    const gw: Any = await client.applicationGateways.get(site.rg, site.name);
    secretName = rand('site-cert');
    addSite(gw, site.gwId, host, { priority: 200, secretId: `${secretBase}${secretName}` });
    await client.applicationGateways.beginCreateOrUpdateAndWait(site.rg, site.name, gw, { updateIntervalInMs: 10 });
    secrets.set(secretName, toSecret(issueServerCert(ca, { dns: [host], ips: [] })));

    plane = await startGatewayDataPlane({
      gateway: () => arm.getApplicationGateway(site.rg, site.name),
      challengeBlobBaseUrl: blobBase,
      challengeBlobPrefix: 'challenges/',
      resolveSecret: async (secretId) => {
        // Versionless ids resolve to the latest version, as Key Vault does.
        const m = /\/secrets\/([^/]+)(?:\/[^/]*)?$/.exec(secretId);
        return m ? secrets.get(m[1]!) : undefined;
      },
    });
  });

  afterAll(async () => {
    await plane?.stop();
    await new Promise<void>((resolve) => (blobServer ? blobServer.close(() => resolve()) : resolve()));
  });

  function toSecret(pair: PemPair): { chainPem: string[]; keyPem: string } {
    return { chainPem: [pair.certPem], keyPem: pair.keyPem };
  }

  function handshake(servername: string): Promise<{ cert: X509Certificate; body: string }> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port: plane.httpsPort, servername, ca: ca.certPem }, () => {
        const peer = socket.getPeerX509Certificate();
        if (!peer) {
          reject(new Error('no peer certificate'));
          return;
        }
        let body = '';
        socket.on('data', (d: Buffer) => (body += d.toString('utf8')));
        socket.on('end', () => resolve({ cert: peer, body }));
        socket.write(`GET / HTTP/1.1\r\nHost: ${servername}\r\nConnection: close\r\n\r\n`);
      });
      socket.on('error', reject);
    });
  }

  it('serves the Key Vault certificate of the Https listener chosen by SNI', async () => {
    const { cert, body } = await handshake(host);
    expect(cert.subject).toBe(`CN=${host}`);
    expect(cert.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
    expect(body).toMatch(/^HTTP\/1\.1 200/);
    expect(body).toContain(`for ${host}`);
  });

  it('matches the SNI name case-insensitively and fails the handshake for an unknown name', async () => {
    const { cert } = await handshake(host.toUpperCase());
    expect(cert.subject).toBe(`CN=${host}`);
    await expect(handshake(`${rand('unknown')}.example.test`)).rejects.toThrow();
  });

  it('serves a new Key Vault version at once', async () => {
    const first = await handshake(host);
    secrets.set(secretName, toSecret(issueServerCert(ca, { dns: [host], ips: [] })));
    const second = await handshake(host);
    expect(second.cert.serialNumber).not.toBe(first.cert.serialNumber);
    expect(second.cert.subject).toBe(`CN=${host}`);
  });

  it('serves challenge files through the path rule, and 404 once the rule is gone', async () => {
    const token = randomBytes(16).toString('base64url');
    const keyAuthorization = `${token}.${randomBytes(16).toString('base64url')}`;
    blobs.set(`/devstoreaccount1/acme/challenges/${token}`, keyAuthorization);
    const url = `http://127.0.0.1:${plane.httpPort}/.well-known/acme-challenge/${token}`;

    const res = await fetch(url, { headers: { host: host } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe(keyAuthorization);

    expect((await fetch(`http://127.0.0.1:${plane.httpPort}/.well-known/acme-challenge/${randomBytes(16).toString('base64url')}`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${plane.httpPort}/index.html`)).status).toBe(404);

    // Remove the ACME path rule through ARM: the file becomes unreachable.
    const gw: Any = await client.applicationGateways.get(site.rg, site.name);
    gw.urlPathMaps[0].pathRules[0].paths = ['/static/*'];
    await client.applicationGateways.beginCreateOrUpdateAndWait(site.rg, site.name, gw, { updateIntervalInMs: 10 });
    expect((await fetch(url)).status).toBe(404);
  });
});
