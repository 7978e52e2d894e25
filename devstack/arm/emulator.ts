/**
 * A test double of Azure Resource Manager for the Microsoft.Network calls the real
 * `NetworkManagementClient` (@azure/arm-network 39) makes: read a public IP, read and write an
 * Application Gateway through ARM's long-running-operation protocol.
 *
 * What the SDK does on the wire (seen with a logging run, @azure/arm-network 39.0.0):
 * - api-version 2026-01-01, sent as `?api-version=…`; any version is accepted here.
 * - The bearer token is sent on the first request (no challenge round trip, unlike Key Vault).
 *   The requested scope is `https://management.azure.com/.default` even with a custom `endpoint`
 *   unless `credentials.scopes` is given.
 * - PUT answers 200/201 + `Azure-AsyncOperation` → GET of that URL until `status` is terminal →
 *   GET of the PUT's own URL for the result. A `Retry-After` header would override
 *   `updateIntervalInMs` (real ARM sends 10 s), so the emulator sends none.
 * - The SDK flattens `properties` on the client side and nests them again on the wire; it drops
 *   read-only fields (etag, provisioningState) and may omit the `id` of new children.
 *
 * Validation follows the errors Azure is known to return (codes seen in the wild where noted);
 * it is a model for catching our own mistakes, not a complete copy of NRP's rules.
 */
import { randomUUID } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { issueServerCert, type PemPair } from '../tls/testCa';
import { sendError } from './http';
import { ArmError, clone, newEtag, publicIpId } from './model';
import { route } from './routes';
import { addGateway, newArmState, resourceKey } from './state';

export interface ArmEmulator {
  readonly url: string;
  stop(): Promise<void>;
  addPublicIp(resourceGroup: string, name: string, ipAddress: string): string;
  /** Seeds a gateway; returns its resource id. `gateway` is the ARM JSON body ({location, properties:{...}}). */
  addApplicationGateway(resourceGroup: string, name: string, gateway: object): string;
  getApplicationGateway(resourceGroup: string, name: string): any;
  /** Accepted gateway PUTs (writes), including those whose operation later fails by injection. */
  readonly putCount: number;
  /** Every gateway PUT answered with an error (400, 401, 409, 412 …). */
  readonly rejectedPuts: Array<{ status: number; code: string }>;
  /**
   * The most PUTs of one gateway seen at once, counting one that arrives (and is refused with 409)
   * while another is in progress: it stays 1 when callers serialise their writes.
   */
  maxConcurrentPutsSeen: number;
  /** How long a PUT's long-running operation stays InProgress (default 50 ms). */
  setPutDurationMs(ms: number): void;
  injectPutFaults(f: { mode: 'conflict' | 'lroFailed'; count: number }): void;
  /** Drops injected faults not yet consumed. */
  clearPutFaults(): void;
  readonly requests: Array<{ method: string; path: string; status: number }>;
  onGatewayChanged(listener: (resourceGroup: string, name: string, gateway: any) => void): void;
}

export async function startArmEmulator(opts: {
  ca: PemPair;
  subscriptionId: string;
  host?: string;
  port?: number;
}): Promise<ArmEmulator> {
  const host = opts.host ?? '127.0.0.1';
  const sub = opts.subscriptionId;
  const serverCert = issueServerCert(opts.ca, { dns: ['localhost'], ips: ['127.0.0.1'] });
  const state = newArmState(sub);
  const { gateways, publicIps, timers, listeners, requests, rejectedPuts, faults } = state;

  const server = https.createServer({ cert: serverCert.certPem, key: serverCert.keyPem }, (req, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const isGatewayPut = method === 'PUT' && /\/applicationGateways\/[^/?]+(\?|$)/i.test(path);
    route(state, req, res).then(
      (status) => requests.push({ method, path, status }),
      (err: unknown) => {
        const armErr =
          err instanceof ArmError ? err : new ArmError(500, 'InternalServerError', `ARM emulator error: ${(err as Error)?.message ?? String(err)}`);
        if (!res.headersSent) sendError(res, armErr);
        else res.end();
        requests.push({ method, path, status: armErr.status });
        if (isGatewayPut) rejectedPuts.push({ status: armErr.status, code: armErr.code });
      },
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  state.url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url: state.url,
    async stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    addPublicIp(resourceGroup, name, ipAddress) {
      const id = publicIpId(sub, resourceGroup, name);
      publicIps.set(resourceKey(resourceGroup, name), {
        id,
        name,
        type: 'Microsoft.Network/publicIPAddresses',
        location: 'westeurope',
        etag: newEtag(),
        sku: { name: 'Standard', tier: 'Regional' },
        properties: {
          provisioningState: 'Succeeded',
          resourceGuid: randomUUID(),
          ipAddress,
          publicIPAddressVersion: 'IPv4',
          publicIPAllocationMethod: 'Static',
          idleTimeoutInMinutes: 4,
        },
      });
      return id;
    },
    addApplicationGateway(resourceGroup, name, gateway) {
      // Seeds go through the same validation: a broken fixture should fail loudly here.
      return addGateway(state, resourceGroup, name, clone(gateway), '9999-12-31').id as string;
    },
    getApplicationGateway(resourceGroup, name) {
      const gw = gateways.get(resourceKey(resourceGroup, name));
      if (!gw) throw new Error(`ARM emulator: no application gateway ${resourceGroup}/${name}`);
      return clone(gw.json);
    },
    get putCount() {
      return state.putCount;
    },
    get rejectedPuts() {
      return rejectedPuts;
    },
    get maxConcurrentPutsSeen() {
      return state.maxConcurrentPutsSeen;
    },
    set maxConcurrentPutsSeen(v: number) {
      state.maxConcurrentPutsSeen = v;
    },
    setPutDurationMs(ms) {
      state.putDurationMs = ms;
    },
    injectPutFaults(f) {
      for (let i = 0; i < f.count; i++) faults.push(f.mode);
    },
    clearPutFaults() {
      faults.length = 0;
    },
    get requests() {
      return requests;
    },
    onGatewayChanged(listener) {
      listeners.push(listener);
    },
  };
}
