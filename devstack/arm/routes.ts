/**
 * The ARM paths the emulator serves: operation status, public IPs, Application Gateways. ARM
 * authenticates, then authorizes the request's action at its scope, before the resource provider
 * looks anything up: without permission even a missing resource answers 403, not 404.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleGatewayPut } from './gatewayPut';
import { send } from './http';
import { ArmError, gatewayId, lower, norm, publicIpId } from './model';
import { operationStatus } from './operations';
import { authorize, authorizationFailed, type Principal } from './rbac';
import { ArmState, resourceKey } from './state';

export const GATEWAY_READ = 'Microsoft.Network/applicationGateways/read';
export const PUBLIC_IP_READ = 'Microsoft.Network/publicIPAddresses/read';
/** permissions/networking: "Gets operation resource that represents status of an asynchronous operation". */
export const OPERATIONS_READ = 'Microsoft.Network/locations/operations/read';

export async function route(state: ArmState, req: IncomingMessage, res: ServerResponse): Promise<number> {
  const u = new URL(req.url ?? '/', 'https://arm.invalid');
  const apiVersion = u.searchParams.get('api-version') ?? '';
  const method = req.method ?? 'GET';
  const caller = state.principals.caller(req);
  if (!apiVersion) {
    throw new ArmError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
  }
  const seg = u.pathname
    .split('/')
    .filter(Boolean)
    .map((s) => decodeURIComponent(s));
  const is = (i: number, word: string): boolean => lower(seg[i] ?? '') === lower(word);
  if (!is(0, 'subscriptions') || seg.length < 2) throw routeNotFound(method, u.pathname);
  if (seg[1] !== state.subscriptionId) {
    throw new ArmError(404, 'SubscriptionNotFound', `The subscription '${seg[1]}' could not be found.`);
  }
  // /subscriptions/{s}/providers/Microsoft.Network/locations/{loc}/operations/{id}
  if (seg.length === 8 && is(2, 'providers') && is(3, 'Microsoft.Network') && is(4, 'locations') && is(6, 'operations') && method === 'GET') {
    return getOperation(state, res, caller, u.pathname, seg[5]!, seg[7]!);
  }
  // /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Network/{type}[/{name}]
  if (!(is(2, 'resourceGroups') && is(4, 'providers') && is(5, 'Microsoft.Network')) || seg.length < 7 || seg.length > 8) {
    throw routeNotFound(method, u.pathname);
  }
  const rg = seg[3]!;
  const type = lower(seg[6]!);
  const name = seg[7];
  if (type === 'publicipaddresses' && name !== undefined && method === 'GET') {
    authorize(state.rbac, caller, PUBLIC_IP_READ, publicIpId(state.subscriptionId, rg, name));
    const ip = state.publicIps.get(resourceKey(rg, name));
    if (!ip) throw notFound('Microsoft.Network/publicIPAddresses', rg, name);
    send(res, 200, ip);
    return 200;
  }
  if (type === 'applicationgateways' && name === undefined && method === 'GET') {
    // A list is authorized at the resource group it lists.
    authorize(state.rbac, caller, GATEWAY_READ, `/subscriptions/${state.subscriptionId}/resourceGroups/${rg}`);
    const value = [...state.gateways.values()].filter((g) => lower(g.resourceGroup) === lower(rg)).map((g) => g.json);
    send(res, 200, { value });
    return 200;
  }
  if (type === 'applicationgateways' && name !== undefined) {
    if (method === 'GET') {
      authorize(state.rbac, caller, GATEWAY_READ, gatewayId(state.subscriptionId, rg, name));
      const gw = state.gateways.get(resourceKey(rg, name));
      if (!gw) throw notFound('Microsoft.Network/applicationGateways', rg, name);
      send(res, 200, gw.json);
      return 200;
    }
    if (method === 'PUT') return handleGatewayPut(state, req, res, caller, rg, name, apiVersion);
  }
  throw routeNotFound(method, u.pathname);
}

/**
 * The status of a long-running operation. Its URL is not under the resource, so ARM wants the read
 * permission at the resource group of the resource (or above): "If you only have permission at the
 * resource level, you can start the operation but you can't track its status" (learn.microsoft.com/
 * azure/azure-resource-manager/management/async-operations#permission-for-tracking-async-status;
 * MicrosoftDocs/azure-docs#111535). And "Only the original caller of an asynchronous operation is
 * allowed to retrieve the results" (MicrosoftDocs/azure-docs#119301; the HTTP status is not quoted
 * there: 403 here).
 */
function getOperation(state: ArmState, res: ServerResponse, caller: Principal, path: string, location: string, id: string): number {
  const op = state.operations.get(id);
  const known = op !== undefined && op.location === norm(location);
  const grantScope = known ? op.resourceGroupScope : `/subscriptions/${state.subscriptionId}`;
  if (!state.rbac.can(caller.objectId, OPERATIONS_READ, grantScope)) throw authorizationFailed(caller, OPERATIONS_READ, path);
  if (!known) throw new ArmError(404, 'OperationNotFound', `Operation ${id} was not found.`);
  if (op.principalId !== caller.objectId) {
    throw new ArmError(
      403,
      'AuthorizationFailed',
      'Only the original caller of an asynchronous operation is allowed to retrieve the results. The content hash provided in the query params of the request uri does not match the expected hash',
    );
  }
  send(res, 200, operationStatus(op));
  return 200;
}

function routeNotFound(method: string, path: string): ArmError {
  return new ArmError(404, 'InvalidResourceType', `The ARM emulator does not serve ${method} ${path}.`);
}

function notFound(type: string, rg: string, name: string): ArmError {
  return new ArmError(
    404,
    'ResourceNotFound',
    `The Resource '${type}/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}
