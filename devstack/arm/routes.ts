/** The ARM paths the emulator serves: operation status, public IPs, Application Gateways. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleGatewayPut } from './gatewayPut';
import { checkAuth, send } from './http';
import { ArmError, lower } from './model';
import { operationStatus } from './operations';
import { ArmState, resourceKey } from './state';

export async function route(state: ArmState, req: IncomingMessage, res: ServerResponse): Promise<number> {
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
  if (seg[1] !== state.subscriptionId) {
    throw new ArmError(404, 'SubscriptionNotFound', `The subscription '${seg[1]}' could not be found.`);
  }
  // /subscriptions/{s}/providers/Microsoft.Network/locations/{loc}/operations/{id}
  if (seg.length === 8 && is(2, 'providers') && is(3, 'Microsoft.Network') && is(4, 'locations') && is(6, 'operations') && method === 'GET') {
    const op = state.operations.get(seg[7]!);
    if (!op) throw new ArmError(404, 'OperationNotFound', `Operation ${seg[7]} was not found.`);
    send(res, 200, operationStatus(op, u.pathname));
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
    const ip = state.publicIps.get(resourceKey(rg, name));
    if (!ip) throw notFound('Microsoft.Network/publicIPAddresses', rg, name);
    send(res, 200, ip);
    return 200;
  }
  if (type === 'applicationgateways' && name === undefined && method === 'GET') {
    const value = [...state.gateways.values()].filter((g) => lower(g.resourceGroup) === lower(rg)).map((g) => g.json);
    send(res, 200, { value });
    return 200;
  }
  if (type === 'applicationgateways' && name !== undefined) {
    if (method === 'GET') {
      const gw = state.gateways.get(resourceKey(rg, name));
      if (!gw) throw notFound('Microsoft.Network/applicationGateways', rg, name);
      send(res, 200, gw.json);
      return 200;
    }
    if (method === 'PUT') return handleGatewayPut(state, req, res, rg, name, apiVersion);
  }
  throw routeNotFound(method, u.pathname);
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
