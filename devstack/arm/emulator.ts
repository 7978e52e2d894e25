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
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { issueServerCert, type PemPair } from '../tls/testCa';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

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

/** Azure Application Gateway limits (v2 SKU): https://learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits */
const LIMITS = {
  sslCertificates: 100,
  httpListeners: 200,
  activeHttpListeners: 100,
  requestRoutingRules: 400,
  hostNamesPerListener: 5,
} as const;

/** Rule priority became mandatory with this API version (ApplicationGatewayRequestRoutingRulePriorityCannotBeEmpty). */
const PRIORITY_REQUIRED_FROM = '2021-08-01';

/** Child collections of a gateway that are ARM sub-resources (each item has id, name, etag). */
const CHILD_COLLECTIONS = [
  'gatewayIPConfigurations',
  'authenticationCertificates',
  'trustedRootCertificates',
  'trustedClientCertificates',
  'sslCertificates',
  'frontendIPConfigurations',
  'frontendPorts',
  'probes',
  'backendAddressPools',
  'backendHttpSettingsCollection',
  'backendSettingsCollection',
  'httpListeners',
  'listeners',
  'sslProfiles',
  'urlPathMaps',
  'requestRoutingRules',
  'routingRules',
  'rewriteRuleSets',
  'redirectConfigurations',
  'privateLinkConfigurations',
] as const;

/** The `type` ARM reports for each child, e.g. Microsoft.Network/applicationGateways/httpListeners. */
function childType(collection: string): string {
  const segment = collection === 'backendHttpSettingsCollection' ? 'backendHttpSettingsCollection' : collection;
  return `Microsoft.Network/applicationGateways/${segment}`;
}

class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function newEtag(): string {
  return `W/"${randomUUID()}"`;
}

function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

function lower(s: string): string {
  return s.toLowerCase();
}

interface StoredGateway {
  resourceGroup: string; // as first written: ARM keeps the casing of the creating request
  name: string;
  json: Json;
  putInProgress: boolean;
}

interface Operation {
  id: string;
  location: string;
  status: 'InProgress' | 'Succeeded' | 'Failed';
  startTime: string;
  endTime?: string;
  error?: { code: string; message: string };
}

export function gatewayId(subscriptionId: string, resourceGroup: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Network/applicationGateways/${name}`;
}

export function publicIpId(subscriptionId: string, resourceGroup: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Network/publicIPAddresses/${name}`;
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

  const gateways = new Map<string, StoredGateway>();
  const publicIps = new Map<string, Json>();
  const operations = new Map<string, Operation>();
  const timers = new Set<NodeJS.Timeout>();
  const listeners: Array<(rg: string, name: string, gw: Json) => void> = [];
  const requests: Array<{ method: string; path: string; status: number }> = [];
  const rejectedPuts: Array<{ status: number; code: string }> = [];
  let putCount = 0;
  let putDurationMs = 50;
  let maxConcurrentPutsSeen = 0;
  const faults: Array<'conflict' | 'lroFailed'> = [];
  let url = '';

  const key = (rg: string, name: string): string => `${lower(rg)}/${lower(name)}`;

  function notFound(type: string, rg: string, name: string): ArmError {
    return new ArmError(
      404,
      'ResourceNotFound',
      `The Resource '${type}/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    );
  }

  /** Turns a request body into the stored shape, checking it as Azure would; throws ArmError 400. */
  function normalise(
    rg: string,
    name: string,
    body: Json,
    previous: Json | undefined,
    apiVersion: string,
  ): Json {
    const id = gatewayId(sub, rg, name);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new ArmError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
    }
    const location: unknown = body.location ?? previous?.location;
    if (typeof location !== 'string' || !location) {
      throw new ArmError(400, 'LocationRequired', 'The location property is required for this definition.');
    }
    if (previous && norm(previous.location) !== norm(location)) {
      throw new ArmError(
        400,
        'InvalidResourceLocation',
        `The resource '${name}' already exists in location '${previous.location}' in resource group '${rg}'. A resource with the same name cannot be created in location '${location}'.`,
      );
    }
    const props: Json = clone(body.properties ?? {});
    const prevProps: Json = previous?.properties ?? {};

    // Children: Azure derives each child's id from the gateway id, the collection and the name.
    const ids = new Map<string, Set<string>>(); // collection → lower-case ids
    for (const collection of CHILD_COLLECTIONS) {
      const items: unknown = props[collection];
      if (items === undefined || items === null) continue;
      if (!Array.isArray(items)) {
        throw new ArmError(400, 'InvalidRequestFormat', `Property '${collection}' must be an array.`);
      }
      const seen = new Set<string>();
      for (const item of items as Json[]) {
        if (!item || typeof item.name !== 'string' || !item.name) {
          throw new ArmError(400, 'InvalidRequestFormat', `Every item of '${collection}' must have a name.`);
        }
        const childId = `${id}/${collection}/${item.name}`;
        if (seen.has(lower(childId))) {
          throw new ArmError(
            400,
            'DuplicateResourceName',
            `Resource ${id} has two child resources with the same name ${item.name} in ${collection}.`,
          );
        }
        seen.add(lower(childId));
        item.id = childId;
        item.type = childType(collection);
        item.properties = item.properties ?? {};
        if (collection === 'urlPathMaps') {
          const rules: Json[] = item.properties.pathRules ?? [];
          const ruleNames = new Set<string>();
          for (const rule of rules) {
            if (!rule || typeof rule.name !== 'string' || !rule.name) {
              throw new ArmError(400, 'InvalidRequestFormat', `Every path rule of ${childId} must have a name.`);
            }
            if (ruleNames.has(lower(rule.name))) {
              throw new ArmError(400, 'DuplicateResourceName', `Url path map ${childId} has two path rules named ${rule.name}.`);
            }
            ruleNames.add(lower(rule.name));
            rule.id = `${childId}/pathRules/${rule.name}`;
            rule.type = 'Microsoft.Network/applicationGateways/urlPathMaps/pathRules';
            rule.properties = rule.properties ?? {};
          }
        }
      }
      ids.set(collection, seen);
    }
    const has = (collection: string, ref: Json): boolean =>
      typeof ref?.id === 'string' && (ids.get(collection)?.has(lower(ref.id)) ?? false);
    const items = (collection: string): Json[] => (props[collection] as Json[] | undefined) ?? [];

    function checkRef(owner: Json, prop: string, collection: string, required: boolean): void {
      const ref = owner.properties[prop];
      if (ref === undefined || ref === null) {
        if (required) {
          throw new ArmError(400, 'InvalidRequestFormat', `Property '${prop}' of ${owner.id} must reference an item of ${collection}.`);
        }
        return;
      }
      if (!has(collection, ref)) {
        // Azure's wording for a dangling reference inside one PUT.
        throw new ArmError(
          400,
          'InvalidResourceReference',
          `Resource ${ref?.id ?? '(no id)'} referenced by resource ${owner.id} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.`,
        );
      }
    }

    // SSL certificates: either new data, a Key Vault secret, or an existing certificate kept by name.
    const prevCerts = new Map<string, Json>(
      ((prevProps.sslCertificates as Json[] | undefined) ?? []).map((c) => [lower(c.name), c]),
    );
    const identityIds = Object.keys(body.identity?.userAssignedIdentities ?? {});
    const hasUserIdentity = /userassigned/i.test(String(body.identity?.type ?? '')) && identityIds.length > 0;
    for (const cert of items('sslCertificates')) {
      const p = cert.properties;
      if (p.keyVaultSecretId !== undefined) {
        if (typeof p.keyVaultSecretId !== 'string' || !/^https:\/\/[^/]+\/secrets\/[^/]+(\/[^/]*)?$/i.test(p.keyVaultSecretId)) {
          throw new ArmError(400, 'ApplicationGatewaySslCertificateInvalidKeyVaultSecretId', `Key Vault secret id '${p.keyVaultSecretId}' of ${cert.id} is not a valid secret URL.`);
        }
        // Application Gateway reads Key Vault only through a user-assigned identity.
        if (!hasUserIdentity) {
          throw new ArmError(
            400,
            'ApplicationGatewayKeyVaultSecretRequiresUserAssignedIdentity',
            `SSL certificate ${cert.id} references Key Vault secret ${p.keyVaultSecretId}, but application gateway ${id} has no user-assigned identity.`,
          );
        }
      } else if (p.data === undefined) {
        const old = prevCerts.get(lower(cert.name));
        if (!old) {
          throw new ArmError(400, 'ApplicationGatewaySslCertificateDataMustBeSpecified', `Data must be specified for certificate ${cert.id}.`);
        }
        cert.properties = { ...clone(old.properties), ...p };
      } else {
        // Azure keeps only the public part; the PFX and its password are write-only.
        cert.properties = { ...p, publicCertData: 'MIIB' + Buffer.from(cert.name).toString('base64') };
        delete cert.properties.data;
        delete cert.properties.password;
      }
    }

    // Listeners.
    for (const listener of items('httpListeners')) {
      const p = listener.properties;
      checkRef(listener, 'frontendIPConfiguration', 'frontendIPConfigurations', true);
      checkRef(listener, 'frontendPort', 'frontendPorts', true);
      const protocol = String(p.protocol ?? '');
      if (!/^https?$/i.test(protocol)) {
        throw new ArmError(400, 'InvalidRequestFormat', `Listener ${listener.id} must have protocol Http or Https.`);
      }
      if (/^https$/i.test(protocol)) {
        if (!p.sslCertificate) {
          throw new ArmError(400, 'ApplicationGatewayHttpsListenerMustReferenceSslCert', `Https listener ${listener.id} must reference an SSL certificate.`);
        }
        checkRef(listener, 'sslCertificate', 'sslCertificates', true);
      }
      checkRef(listener, 'sslProfile', 'sslProfiles', false);
      if (p.hostName && p.hostNames?.length) {
        throw new ArmError(400, 'ApplicationGatewayHttpListenerHostNameAndHostNamesBothSpecified', `Listener ${listener.id} may set hostName or hostNames, not both.`);
      }
      if ((p.hostNames?.length ?? 0) > LIMITS.hostNamesPerListener) {
        throw new ArmError(400, 'ApplicationGatewayHttpListenerHostNamesLimitExceeded', `Listener ${listener.id} has ${p.hostNames.length} host names; the limit is ${LIMITS.hostNamesPerListener}.`);
      }
    }
    // Two listeners on one frontend port may not accept the same host name, and only one may be
    // basic (no host name). Azure: ApplicationGatewayHttpListenersUsingSameFrontendPort.
    const claimed = new Map<string, Json>();
    for (const listener of items('httpListeners')) {
      const p = listener.properties;
      const hostSet: string[] = p.hostNames?.length ? p.hostNames : p.hostName ? [p.hostName] : [''];
      for (const h of hostSet) {
        const k = `${lower(p.frontendPort.id)}|${lower(String(h))}`;
        const other = claimed.get(k);
        if (other && other !== listener) {
          throw new ArmError(
            400,
            'ApplicationGatewayHttpListenersUsingSameFrontendPort',
            `Two Http Listeners of Application Gateway ${id} are using the same Frontend Port ${p.frontendPort.id} and host name '${h}': ${other.id} and ${listener.id}.`,
          );
        }
        claimed.set(k, listener);
      }
    }

    // Backend settings, path maps, redirects.
    for (const settings of items('backendHttpSettingsCollection')) checkRef(settings, 'probe', 'probes', false);
    for (const redirect of items('redirectConfigurations')) checkRef(redirect, 'targetListener', 'httpListeners', false);
    for (const map of items('urlPathMaps')) {
      checkRef(map, 'defaultBackendAddressPool', 'backendAddressPools', false);
      checkRef(map, 'defaultBackendHttpSettings', 'backendHttpSettingsCollection', false);
      checkRef(map, 'defaultRedirectConfiguration', 'redirectConfigurations', false);
      checkRef(map, 'defaultRewriteRuleSet', 'rewriteRuleSets', false);
      for (const rule of (map.properties.pathRules as Json[] | undefined) ?? []) {
        if (!Array.isArray(rule.properties.paths) || rule.properties.paths.length === 0) {
          throw new ArmError(400, 'InvalidRequestFormat', `Path rule ${rule.id} must have at least one path.`);
        }
        checkRef(rule, 'backendAddressPool', 'backendAddressPools', false);
        checkRef(rule, 'backendHttpSettings', 'backendHttpSettingsCollection', false);
        checkRef(rule, 'redirectConfiguration', 'redirectConfigurations', false);
        checkRef(rule, 'rewriteRuleSet', 'rewriteRuleSets', false);
      }
    }

    // Routing rules.
    const rules = items('requestRoutingRules');
    const usedListeners = new Map<string, Json>();
    for (const rule of rules) {
      const p = rule.properties;
      checkRef(rule, 'httpListener', 'httpListeners', true);
      const listenerKey = lower(p.httpListener.id);
      const other = usedListeners.get(listenerKey);
      if (other) {
        throw new ArmError(
          400,
          'ApplicationGatewayRequestRoutingRulesUsingSameHttpListener',
          `Two Request Routing Rules of Application Gateway ${id} are using the same Http Listener ${p.httpListener.id}: ${other.id} and ${rule.id}.`,
        );
      }
      usedListeners.set(listenerKey, rule);
      const ruleType = String(p.ruleType ?? 'Basic');
      if (/^PathBasedRouting$/i.test(ruleType)) {
        checkRef(rule, 'urlPathMap', 'urlPathMaps', true);
      } else if (/^Basic$/i.test(ruleType)) {
        if (p.redirectConfiguration) {
          checkRef(rule, 'redirectConfiguration', 'redirectConfigurations', true);
        } else {
          checkRef(rule, 'backendAddressPool', 'backendAddressPools', true);
          checkRef(rule, 'backendHttpSettings', 'backendHttpSettingsCollection', true);
        }
      } else {
        throw new ArmError(400, 'InvalidRequestFormat', `Rule ${rule.id} has unknown ruleType '${ruleType}'.`);
      }
      checkRef(rule, 'rewriteRuleSet', 'rewriteRuleSets', false);
    }
    const withPriority = rules.filter((r) => r.properties.priority !== undefined && r.properties.priority !== null);
    if (withPriority.length > 0 && withPriority.length < rules.length) {
      throw new ArmError(400, 'ApplicationGatewayRequestRoutingRulePartialPriorityDefined', 'Either all or no rule should have the priority specified.');
    }
    if (apiVersion >= PRIORITY_REQUIRED_FROM && rules.length > 0 && withPriority.length === 0) {
      throw new ArmError(
        400,
        'ApplicationGatewayRequestRoutingRulePriorityCannotBeEmpty',
        `Priority for the request routing rule ${rules[0].id} cannot be empty. All request routing rules should have a priority defined starting from api-version ${PRIORITY_REQUIRED_FROM}`,
      );
    }
    const priorities = new Map<number, Json>();
    for (const rule of withPriority) {
      const priority: unknown = rule.properties.priority;
      if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 1 || priority > 20000) {
        throw new ArmError(400, 'ApplicationGatewayRequestRoutingRuleInvalidPriority', `Priority ${String(priority)} of request routing rule ${rule.id} must be an integer from 1 to 20000.`);
      }
      const other = priorities.get(priority);
      if (other) {
        // Message as Azure words it; the code is this emulator's (not seen in the wild).
        throw new ArmError(
          400,
          'ApplicationGatewayRequestRoutingRuleDuplicatePriority',
          `Priority must be unique across all the request routing rules: ${other.id} and ${rule.id} both have priority ${priority}.`,
        );
      }
      priorities.set(priority, rule);
    }

    // Limits.
    const limit = (count: number, max: number, what: string): void => {
      if (count > max) {
        throw new ArmError(400, 'ApplicationGatewayLimitExceeded', `Application gateway ${id} has ${count} ${what}; the limit is ${max}.`);
      }
    };
    limit(items('sslCertificates').length, LIMITS.sslCertificates, 'SSL certificates');
    limit(items('httpListeners').length, LIMITS.httpListeners, 'listeners');
    limit(usedListeners.size, LIMITS.activeHttpListeners, 'listeners bound to rules');
    limit(rules.length, LIMITS.requestRoutingRules, 'request routing rules');

    // Read-only back-references Azure computes (the SDK drops them on the way back).
    for (const collection of ['frontendIPConfigurations', 'frontendPorts'] as const) {
      const prop = collection === 'frontendPorts' ? 'frontendPort' : 'frontendIPConfiguration';
      for (const item of items(collection)) {
        const users = items('httpListeners')
          .filter((l) => lower(l.properties[prop].id) === lower(item.id))
          .map((l) => ({ id: l.id }));
        if (users.length > 0) item.properties.httpListeners = users;
        else delete item.properties.httpListeners;
      }
    }

    // Identity: principal/client ids are read-only and dropped by the SDK on the way back.
    let identity: Json = clone(body.identity);
    if (identity?.userAssignedIdentities) {
      const prevUai: Json = previous?.identity?.userAssignedIdentities ?? {};
      for (const uaiId of Object.keys(identity.userAssignedIdentities)) {
        const old = Object.entries(prevUai).find(([k]) => lower(k) === lower(uaiId))?.[1] as Json;
        identity.userAssignedIdentities[uaiId] = {
          principalId: old?.principalId ?? randomUUID(),
          clientId: old?.clientId ?? randomUUID(),
        };
      }
    } else if (identity === null) {
      identity = undefined;
    }

    return {
      id,
      name,
      type: 'Microsoft.Network/applicationGateways',
      location,
      ...(body.tags ? { tags: clone(body.tags) } : {}),
      ...(body.zones ? { zones: clone(body.zones) } : {}),
      ...(identity ? { identity } : {}),
      properties: {
        ...props,
        resourceGuid: prevProps.resourceGuid ?? randomUUID(),
        operationalState: 'Running',
      },
    };
  }

  /** Stamps a new etag and provisioning state on the gateway and all its children, as ARM does. */
  function stamp(json: Json, state: string): void {
    const etag = newEtag();
    json.etag = etag;
    json.properties.provisioningState = state;
    for (const collection of CHILD_COLLECTIONS) {
      for (const item of (json.properties[collection] as Json[] | undefined) ?? []) {
        item.etag = etag;
        item.properties.provisioningState = state;
        for (const rule of (item.properties.pathRules as Json[] | undefined) ?? []) {
          rule.etag = etag;
          rule.properties.provisioningState = state;
        }
      }
    }
  }

  function addGateway(rg: string, name: string, body: Json, apiVersion: string): Json {
    const k = key(rg, name);
    const existing = gateways.get(k);
    const json = normalise(existing?.resourceGroup ?? rg, existing?.name ?? name, body, existing?.json, apiVersion);
    stamp(json, 'Succeeded');
    if (existing) existing.json = json;
    else gateways.set(k, { resourceGroup: rg, name, json, putInProgress: false });
    return json;
  }

  function checkAuth(req: IncomingMessage): void {
    const auth = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(auth);
    if (!match) {
      throw new ArmError(
        401,
        auth ? 'InvalidAuthenticationToken' : 'AuthenticationFailed',
        auth ? 'The access token is invalid.' : "Authentication failed. The 'Authorization' header is missing.",
      );
    }
  }

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'x-ms-request-id': randomUUID(),
      'x-ms-correlation-request-id': randomUUID(),
      ...headers,
    });
    res.end(text);
  }

  function sendError(res: ServerResponse, err: ArmError): void {
    const headers: Record<string, string> = {};
    if (err.status === 401) {
      // ARM's challenge shape; the SDK does not need it (it sends the token up front).
      headers['www-authenticate'] =
        `Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="${err.message.replace(/"/g, "'")}"`;
    }
    send(res, err.status, { error: { code: err.code, message: err.message } }, headers);
  }

  function readBody(req: IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
  }

  function startOperation(stored: StoredGateway, next: Json, apiVersion: string, fault: 'lroFailed' | undefined): string {
    const opId = randomUUID();
    const op: Operation = { id: opId, location: norm(stored.json.location), status: 'InProgress', startTime: new Date().toISOString() };
    operations.set(opId, op);
    stored.putInProgress = true;
    stored.json.properties.provisioningState = 'Updating';
    const timer = setTimeout(() => {
      timers.delete(timer);
      stored.putInProgress = false;
      op.endTime = new Date().toISOString();
      if (fault === 'lroFailed') {
        op.status = 'Failed';
        op.error = {
          code: 'ApplicationGatewayUpdateFailed',
          message: `Update of application gateway ${stored.json.id} failed (injected fault); the previous configuration is still in place.`,
        };
        stored.json.properties.provisioningState = 'Succeeded';
        return;
      }
      stamp(next, 'Succeeded');
      stored.json = next;
      op.status = 'Succeeded';
      for (const l of listeners) {
        try {
          l(stored.resourceGroup, stored.name, clone(next));
        } catch {
          // A test's listener must not break the emulator.
        }
      }
    }, putDurationMs);
    timers.add(timer);
    return `${url}/subscriptions/${sub}/providers/Microsoft.Network/locations/${op.location}/operations/${opId}?api-version=${encodeURIComponent(apiVersion)}`;
  }

  async function handleGatewayPut(req: IncomingMessage, res: ServerResponse, rg: string, name: string, apiVersion: string): Promise<number> {
    const text = await readBody(req);
    const k = key(rg, name);
    let stored = gateways.get(k);
    const concurrent = (stored?.putInProgress ? 1 : 0) + 1;
    maxConcurrentPutsSeen = Math.max(maxConcurrentPutsSeen, concurrent);
    if (stored?.putInProgress || faults[0] === 'conflict') {
      if (!stored?.putInProgress) faults.shift();
      throw new ArmError(
        409,
        'AnotherOperationInProgress',
        `Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: ${url}/subscriptions/${sub}/providers/Microsoft.Network/locations/${norm(stored?.json.location ?? 'westeurope')}/operations/${randomUUID()}?api-version=${apiVersion}.`,
      );
    }
    const ifMatch = req.headers['if-match'];
    if (ifMatch !== undefined && !(ifMatch === '*' && stored) && ifMatch !== stored?.json.etag) {
      throw new ArmError(
        412,
        'PreconditionFailed',
        `Precondition failed: the etag ${ifMatch} does not match the current etag ${stored?.json.etag ?? '(none)'} of resource ${gatewayId(sub, rg, name)}.`,
      );
    }
    let body: Json;
    try {
      body = JSON.parse(text);
    } catch {
      throw new ArmError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
    }
    const next = normalise(stored?.resourceGroup ?? rg, stored?.name ?? name, body, stored?.json, apiVersion);
    const created = !stored;
    if (!stored) {
      // A PUT can create a gateway; until its operation succeeds it exists with its new settings.
      const initial = clone(next);
      stamp(initial, 'Updating');
      stored = { resourceGroup: rg, name, json: initial, putInProgress: false };
      gateways.set(k, stored);
    }
    const fault = faults[0] === 'lroFailed' ? faults.shift() as 'lroFailed' : undefined;
    putCount += 1;
    const asyncUrl = startOperation(stored, next, apiVersion, fault);
    const answer = clone(next);
    answer.etag = stored.json.etag;
    answer.properties.provisioningState = 'Updating';
    const status = created ? 201 : 200;
    send(res, status, answer, { 'azure-asyncoperation': asyncUrl });
    return status;
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<number> {
    const u = new URL(req.url ?? '/', 'https://arm.invalid');
    const apiVersion = u.searchParams.get('api-version') ?? '';
    const method = req.method ?? 'GET';
    checkAuth(req);
    if (!apiVersion) {
      throw new ArmError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
    }
    const seg = u.pathname.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
    const is = (i: number, word: string): boolean => lower(seg[i] ?? '') === lower(word);
    if (!is(0, 'subscriptions') || seg.length < 2) throw routeNotFound(method, u.pathname);
    if (seg[1] !== sub) {
      throw new ArmError(404, 'SubscriptionNotFound', `The subscription '${seg[1]}' could not be found.`);
    }
    // /subscriptions/{s}/providers/Microsoft.Network/locations/{loc}/operations/{id}
    if (seg.length === 8 && is(2, 'providers') && is(3, 'Microsoft.Network') && is(4, 'locations') && is(6, 'operations') && method === 'GET') {
      const op = operations.get(seg[7]!);
      if (!op) throw new ArmError(404, 'OperationNotFound', `Operation ${seg[7]} was not found.`);
      const body: Json = { id: u.pathname, name: op.id, status: op.status, startTime: op.startTime };
      if (op.endTime) body.endTime = op.endTime;
      if (op.error) body.error = op.error;
      send(res, 200, body);
      return 200;
    }
    // /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Network/{type}[/{name}]
    if (!(is(2, 'resourceGroups') && is(4, 'providers') && is(5, 'Microsoft.Network')) || seg.length < 7 || seg.length > 8) {
      throw routeNotFound(method, u.pathname);
    }
    const rg = seg[3]!;
    const type = lower(seg[6]!);
    const name = seg[7];
    if (type === 'publicipaddresses' && name !== undefined && method === 'GET') {
      const ip = publicIps.get(key(rg, name));
      if (!ip) throw notFound('Microsoft.Network/publicIPAddresses', rg, name);
      send(res, 200, ip);
      return 200;
    }
    if (type === 'applicationgateways' && name === undefined && method === 'GET') {
      const value = [...gateways.values()].filter((g) => lower(g.resourceGroup) === lower(rg)).map((g) => g.json);
      send(res, 200, { value });
      return 200;
    }
    if (type === 'applicationgateways' && name !== undefined) {
      if (method === 'GET') {
        const gw = gateways.get(key(rg, name));
        if (!gw) throw notFound('Microsoft.Network/applicationGateways', rg, name);
        send(res, 200, gw.json);
        return 200;
      }
      if (method === 'PUT') return handleGatewayPut(req, res, rg, name, apiVersion);
    }
    throw routeNotFound(method, u.pathname);
  }

  function routeNotFound(method: string, path: string): ArmError {
    return new ArmError(404, 'InvalidResourceType', `The ARM emulator does not serve ${method} ${path}.`);
  }

  const server = https.createServer({ cert: serverCert.certPem, key: serverCert.keyPem }, (req, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const isGatewayPut = method === 'PUT' && /\/applicationGateways\/[^/?]+(\?|$)/i.test(path);
    route(req, res).then(
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
  url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url,
    async stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    addPublicIp(resourceGroup, name, ipAddress) {
      const id = publicIpId(sub, resourceGroup, name);
      publicIps.set(key(resourceGroup, name), {
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
      return addGateway(resourceGroup, name, clone(gateway), '9999-12-31').id as string;
    },
    getApplicationGateway(resourceGroup, name) {
      const gw = gateways.get(key(resourceGroup, name));
      if (!gw) throw new Error(`ARM emulator: no application gateway ${resourceGroup}/${name}`);
      return clone(gw.json);
    },
    get putCount() {
      return putCount;
    },
    get rejectedPuts() {
      return rejectedPuts;
    },
    get maxConcurrentPutsSeen() {
      return maxConcurrentPutsSeen;
    },
    set maxConcurrentPutsSeen(v: number) {
      maxConcurrentPutsSeen = v;
    },
    setPutDurationMs(ms) {
      putDurationMs = ms;
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

/** ARM location names are lower-case without spaces ("West Europe" → "westeurope"). */
function norm(location: string): string {
  return String(location).toLowerCase().replace(/\s+/g, '');
}

/**
 * A gateway as Azure returns it after the usual portal set-up for this project: Standard_v2, a
 * user-assigned identity (for Key Vault), a public frontend, port 80 and 443, and an HTTP listener
 * whose path map sends ACME HTTP-01 challenges to a storage account's static content.
 */
export function sampleGateway(opts: {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  publicIpId: string;
  userAssignedIdentityId: string;
}): object {
  const gw = gatewayId(opts.subscriptionId, opts.resourceGroup, opts.name);
  const etag = newEtag();
  const child = (collection: string, name: string, properties: Json): Json => ({
    id: `${gw}/${collection}/${name}`,
    name,
    etag,
    type: childType(collection),
    properties: { provisioningState: 'Succeeded', ...properties },
  });
  const ref = (collection: string, name: string): { id: string } => ({ id: `${gw}/${collection}/${name}` });
  const subnetId = `/subscriptions/${opts.subscriptionId}/resourceGroups/${opts.resourceGroup}/providers/Microsoft.Network/virtualNetworks/${opts.name}-vnet/subnets/appgw`;
  const storageFqdn = `acme${opts.name.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 16)}.z6.web.core.windows.net`;
  return {
    id: gw,
    name: opts.name,
    type: 'Microsoft.Network/applicationGateways',
    location: 'westeurope',
    etag,
    identity: {
      type: 'UserAssigned',
      userAssignedIdentities: { [opts.userAssignedIdentityId]: { principalId: randomUUID(), clientId: randomUUID() } },
    },
    properties: {
      provisioningState: 'Succeeded',
      resourceGuid: randomUUID(),
      operationalState: 'Running',
      sku: { name: 'Standard_v2', tier: 'Standard_v2', family: 'Generation_1' },
      autoscaleConfiguration: { minCapacity: 0, maxCapacity: 2 },
      enableHttp2: true,
      gatewayIPConfigurations: [child('gatewayIPConfigurations', 'appGatewayIpConfig', { subnet: { id: subnetId } })],
      sslCertificates: [],
      authenticationCertificates: [],
      trustedRootCertificates: [],
      trustedClientCertificates: [],
      sslProfiles: [],
      frontendIPConfigurations: [
        child('frontendIPConfigurations', 'appGwPublicFrontendIp', {
          privateIPAllocationMethod: 'Dynamic',
          publicIPAddress: { id: opts.publicIpId },
          httpListeners: [ref('httpListeners', 'http-listener')],
        }),
      ],
      frontendPorts: [
        child('frontendPorts', 'port_80', { port: 80, httpListeners: [ref('httpListeners', 'http-listener')] }),
        child('frontendPorts', 'port_443', { port: 443 }),
      ],
      backendAddressPools: [
        child('backendAddressPools', 'backend', { backendAddresses: [{ ipAddress: '10.0.1.4' }] }),
        child('backendAddressPools', 'acme-challenge-storage', { backendAddresses: [{ fqdn: storageFqdn }] }),
      ],
      backendHttpSettingsCollection: [
        child('backendHttpSettingsCollection', 'http-settings', {
          port: 80,
          protocol: 'Http',
          cookieBasedAffinity: 'Disabled',
          pickHostNameFromBackendAddress: false,
          requestTimeout: 20,
        }),
        child('backendHttpSettingsCollection', 'acme-challenge-storage-settings', {
          port: 443,
          protocol: 'Https',
          cookieBasedAffinity: 'Disabled',
          pickHostNameFromBackendAddress: true,
          requestTimeout: 20,
        }),
      ],
      httpListeners: [
        child('httpListeners', 'http-listener', {
          frontendIPConfiguration: ref('frontendIPConfigurations', 'appGwPublicFrontendIp'),
          frontendPort: ref('frontendPorts', 'port_80'),
          protocol: 'Http',
          hostNames: [],
          requireServerNameIndication: false,
        }),
      ],
      urlPathMaps: [
        child('urlPathMaps', 'http-path-map', {
          defaultBackendAddressPool: ref('backendAddressPools', 'backend'),
          defaultBackendHttpSettings: ref('backendHttpSettingsCollection', 'http-settings'),
          pathRules: [
            {
              id: `${gw}/urlPathMaps/http-path-map/pathRules/acme-challenge`,
              name: 'acme-challenge',
              etag,
              type: 'Microsoft.Network/applicationGateways/urlPathMaps/pathRules',
              properties: {
                provisioningState: 'Succeeded',
                // Storage static website serves the challenge files uploaded to $web.
                paths: ['/.well-known/acme-challenge/*'],
                backendAddressPool: ref('backendAddressPools', 'acme-challenge-storage'),
                backendHttpSettings: ref('backendHttpSettingsCollection', 'acme-challenge-storage-settings'),
              },
            },
          ],
        }),
      ],
      requestRoutingRules: [
        child('requestRoutingRules', 'http-rule', {
          ruleType: 'PathBasedRouting',
          priority: 100,
          httpListener: ref('httpListeners', 'http-listener'),
          urlPathMap: ref('urlPathMaps', 'http-path-map'),
        }),
      ],
      probes: [],
      rewriteRuleSets: [],
      redirectConfigurations: [],
      privateLinkConfigurations: [],
      privateEndpointConnections: [],
    },
  };
}
