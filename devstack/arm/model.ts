/** The ARM emulator's shared vocabulary: resource ids, child collections, errors, stored shapes. */
import { randomUUID } from 'node:crypto';

export type Json = any;

/** Child collections of a gateway that are ARM sub-resources (each item has id, name, etag). */
export const CHILD_COLLECTIONS = [
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
export function childType(collection: string): string {
  const segment = collection === 'backendHttpSettingsCollection' ? 'backendHttpSettingsCollection' : collection;
  return `Microsoft.Network/applicationGateways/${segment}`;
}

export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** ARM's `error.details`, when the service sends them. */
    readonly details?: ReadonlyArray<{ code: string; message: string }>,
  ) {
    super(message);
  }
}

export function newEtag(): string {
  return `W/"${randomUUID()}"`;
}

export function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

export function lower(s: string): string {
  return s.toLowerCase();
}

export interface StoredGateway {
  resourceGroup: string; // as first written: ARM keeps the casing of the creating request
  name: string;
  json: Json;
  putInProgress: boolean;
  /** The operation of the PUT in progress, if any. */
  currentOperation?: Operation;
}

export interface Operation {
  id: string;
  location: string;
  status: 'InProgress' | 'Succeeded' | 'Failed' | 'Canceled';
  error?: { code: string; message: string; details?: Array<{ code: string; message: string }> };
  /** The caller that started it: only that principal may read it (azure-docs issue 119301). */
  principalId: string;
  /** The resource group of the resource it changes, where reading it must be granted. */
  resourceGroupScope: string;
  /** Its Azure-AsyncOperation URL. */
  url: string;
  /** The gateway it writes (for test hooks). */
  gateway: { resourceGroup: string; name: string };
  /** Pending timers (Updating window, completion), cleared when it is canceled. */
  timers: NodeJS.Timeout[];
}

export function gatewayId(subscriptionId: string, resourceGroup: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Network/applicationGateways/${name}`;
}

export function publicIpId(subscriptionId: string, resourceGroup: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Network/publicIPAddresses/${name}`;
}

/** ARM location names are lower-case without spaces ("West Europe" → "westeurope"). */
export function norm(location: string): string {
  return String(location).toLowerCase().replace(/\s+/g, '');
}

/** Stamps a new etag and provisioning state on the gateway and all its children, as ARM does. */
export function stamp(json: Json, state: string): void {
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
