/**
 * A test double of Azure Resource Manager for the Microsoft.Network calls the real
 * `NetworkManagementClient` (@azure/arm-network 39) makes: read a public IP, read and write an
 * Application Gateway through ARM's long-running-operation protocol.
 *
 * What the SDK does on the wire (seen with a logging run, @azure/arm-network 39.0.0):
 * - api-version 2026-01-01, sent as `?api-version=…`; any version is accepted here.
 * - The bearer token is sent on the first request (no challenge round trip, unlike Key Vault).
 *   The requested scope is `https://management.azure.com/.default` even with a custom `endpoint`
 *   unless `credentials.scopes` is given. The token names the caller (./identity.ts), whose role
 *   assignments decide every request (./rbac.ts, ./linked.ts, ./deployedRoles.ts).
 * - PUT answers 200/201 + `Azure-AsyncOperation` → GET of that URL until `status` is terminal →
 *   GET of the PUT's own URL for the result. A `Retry-After` header would override
 *   `updateIntervalInMs` (real ARM sends 10 s), so the emulator sends none. A second PUT while
 *   one runs cancels the first, and If-Match is ignored, by default (./state.ts ArmBehaviour).
 * - The SDK flattens `properties` on the client side and nests them again on the wire; it drops
 *   read-only fields (etag, provisioningState) and may omit the `id` of new children.
 *
 * Validation follows the errors Azure is known to return (codes seen in the wild where noted);
 * it is a model for catching our own mistakes, not a complete copy of NRP's rules.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { issueServerCert, type PemPair } from '../tls/testCa';
import { sendError } from './http';
import { builtInRole } from './builtInRoles';
import { grantDeployedRoles, type GatewayScopes, type InfraRoles } from './deployedRoles';
import { ArmError, clone, type Json, newEtag, publicIpId } from './model';
import type { Principal, RoleAssignment, RoleDefinition } from './rbac';
import { route } from './routes';
import { addGateway, type ArmBehaviour, type ArmRequestInfo, type ArmState, newArmState, type PutEvent, resourceKey } from './state';

export type { ArmBehaviour, ArmRequestInfo, PutEvent } from './state';

export interface ArmEmulator {
  readonly url: string;
  stop(): Promise<void>;
  addPublicIp(resourceGroup: string, name: string, ipAddress: string): string;
  /** Seeds a gateway; returns its resource id. `gateway` is the ARM JSON body ({location, properties:{...}}). */
  addApplicationGateway(resourceGroup: string, name: string, gateway: object): string;
  getApplicationGateway(resourceGroup: string, name: string): Json;
  /** Accepted gateway PUTs (writes), including those whose operation later fails by injection. */
  readonly putCount: number;
  /** Every gateway PUT answered with an error (400, 401, 403, 409, 412 …). */
  readonly rejectedPuts: Array<{ status: number; code: string }>;
  /** Accepted gateway PUTs whose operation a later PUT canceled (CanceledAndSupersededDueToAnotherOperation). */
  readonly canceledPuts: number;
  /**
   * The most PUTs of one gateway seen at once, counting one that arrives (and supersedes the
   * running one, or is refused with 409) while another is in progress: it stays 1 when callers
   * serialise their writes.
   */
  maxConcurrentPutsSeen: number;
  /** How long a PUT's long-running operation stays InProgress (default 50 ms; Azure takes minutes). */
  setPutDurationMs(ms: number): void;
  readonly putDurationMs: number;
  /** Switches concurrent-PUT and If-Match handling (defaults: supersede, ignore). */
  configure(behaviour: Partial<ArmBehaviour>): void;
  readonly behaviour: ArmBehaviour;
  /** Registers the bearer token a caller presents (its SDK client gets a credential returning that token). */
  addPrincipal(token: string, principal?: Partial<Principal>): Principal;
  /** Defines a custom role (id `/subscriptions/{s}/providers/Microsoft.Authorization/roleDefinitions/{guid}`). */
  defineRole(role: RoleDefinition): void;
  /** Assigns a role (a built-in's name or guid, or a defined role's id) to a principal at a scope. */
  assignRole(principalId: string, role: string, scope: string): RoleAssignment;
  /** The principal registered for a bearer token (e.g. the app's, to inspect its assignments). */
  principalForToken(token: string): Principal | undefined;
  /** A principal's role assignments, with each role's definition. */
  roleAssignmentsOf(principalId: string): Array<RoleAssignment & { role: RoleDefinition }>;
  /** Removes a principal's assignments (those matching `where`, or all); returns how many. */
  removeRoleAssignments(principalId: string, where?: (a: RoleAssignment) => boolean): number;
  /** Grants exactly the assignments infra/ deploys (infra/roles.json) for one gateway's resources. */
  grantDeployedRoles(principalId: string, scopes: GatewayScopes, opts?: { roles?: InfraRoles; mode?: 'custom' | 'NetworkContributor' }): RoleAssignment[];
  injectPutFaults(f: { mode: 'conflict' | 'lroFailed'; count: number }): void;
  /** Drops injected faults not yet consumed. */
  clearPutFaults(): void;
  readonly requests: Array<{ method: string; path: string; status: number }>;
  onGatewayChanged(listener: (resourceGroup: string, name: string, gateway: Json) => void): void;
  /**
   * Test hook, awaited before each request is handled: a test can send requests of its own at an
   * exact point of a caller's protocol (e.g. another writer's PUT between the app's GET and PUT),
   * or hold a caller's requests back. Returns a function that removes the hook.
   */
  beforeRequest(hook: (request: ArmRequestInfo) => void | Promise<void>): () => void;
  /** Test hook: a gateway PUT was accepted (its operation InProgress). Returns a remover. */
  onPutAccepted(listener: (event: PutEvent) => void): () => void;
  /** Test hook: a gateway PUT's operation ended (Succeeded, Failed or Canceled). Returns a remover. */
  onPutSettled(listener: (event: PutEvent) => void): () => void;
}

/** Adds `item` to `list`; the returned function removes it again. */
function subscribe<T>(list: T[], item: T): () => void {
  list.push(item);
  return () => {
    const i = list.indexOf(item);
    if (i >= 0) list.splice(i, 1);
  };
}

/** The caller's object id, or undefined for a missing or unknown token (route() answers those 401). */
function callerId(state: ArmState, req: IncomingMessage): string | undefined {
  try {
    return state.principals.caller(req).objectId;
  } catch {
    return undefined;
  }
}

export interface ArmEmulatorOptions {
  ca: PemPair;
  subscriptionId: string;
  host?: string;
  port?: number;
  /** Defaults: what Azure does (./state.ts DEFAULT_BEHAVIOUR). */
  behaviour?: Partial<ArmBehaviour>;
}

export async function startArmEmulator(opts: ArmEmulatorOptions): Promise<ArmEmulator> {
  const host = opts.host ?? '127.0.0.1';
  const sub = opts.subscriptionId;
  const serverCert = issueServerCert(opts.ca, { dns: ['localhost'], ips: ['127.0.0.1'] });
  const state = newArmState(sub, opts.behaviour);
  const { gateways, publicIps, timers, listeners, requests, rejectedPuts, faults } = state;

  const server = https.createServer({ cert: serverCert.certPem, key: serverCert.keyPem }, (req, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const isGatewayPut = method === 'PUT' && /\/applicationGateways\/[^/?]+(\?|$)/i.test(path);
    const info: ArmRequestInfo = { method, path, principalId: callerId(state, req) };
    // Test hooks run first, one after the other; a hook's error is answered like any emulator error.
    const hooked = state.hooks.beforeRequest.reduce<Promise<void>>((prev, hook) => prev.then(() => hook(info)), Promise.resolve());
    hooked
      .then(() => route(state, req, res))
      .then(
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
    get canceledPuts() {
      return state.canceledPuts;
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
    get putDurationMs() {
      return state.putDurationMs;
    },
    configure(behaviour) {
      state.behaviour = { ...state.behaviour, ...behaviour };
    },
    get behaviour() {
      return state.behaviour;
    },
    addPrincipal(token, principal) {
      return state.principals.add(token, principal);
    },
    defineRole(role) {
      state.rbac.defineRole(role);
    },
    assignRole(principalId, role, scope) {
      const definition = state.rbac.role(role) ?? builtInRole(role);
      const assignment = { principalId, roleDefinitionId: definition.id, scope };
      state.rbac.assign(assignment);
      return assignment;
    },
    principalForToken(token) {
      return state.principals.byBearerToken(token);
    },
    roleAssignmentsOf(principalId) {
      return state.rbac.assignmentsOf(principalId).map((a) => ({ ...a, role: state.rbac.role(a.roleDefinitionId) as RoleDefinition }));
    },
    removeRoleAssignments(principalId, where) {
      return state.rbac.unassign(principalId, where);
    },
    grantDeployedRoles(principalId, scopes, grantOpts) {
      return grantDeployedRoles(state.rbac, principalId, scopes, grantOpts);
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
    beforeRequest(hook) {
      return subscribe(state.hooks.beforeRequest, hook);
    },
    onPutAccepted(listener) {
      return subscribe(state.hooks.putAccepted, listener);
    },
    onPutSettled(listener) {
      return subscribe(state.hooks.putSettled, listener);
    },
  };
}
