/**
 * PUT of an Application Gateway: 409 while another PUT runs (or when a test injects it), 412 on a
 * stale If-Match, validation, then a long-running operation (200/201 + Azure-AsyncOperation).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, send } from './http';
import { ArmError, clone, gatewayId, Json, norm, stamp } from './model';
import { normalise } from './normalise';
import { startOperation } from './operations';
import { ArmState, resourceKey } from './state';

export async function handleGatewayPut(state: ArmState, req: IncomingMessage, res: ServerResponse, rg: string, name: string, apiVersion: string): Promise<number> {
  const text = await readBody(req);
  const k = resourceKey(rg, name);
  let stored = state.gateways.get(k);
  const concurrent = (stored?.putInProgress ? 1 : 0) + 1;
  state.maxConcurrentPutsSeen = Math.max(state.maxConcurrentPutsSeen, concurrent);
  if (stored?.putInProgress || state.faults[0] === 'conflict') {
    if (!stored?.putInProgress) state.faults.shift();
    throw new ArmError(
      409,
      'AnotherOperationInProgress',
      `Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: ${state.url}/subscriptions/${state.subscriptionId}/providers/Microsoft.Network/locations/${norm(stored?.json.location ?? 'westeurope')}/operations/${randomUUID()}?api-version=${apiVersion}.`,
    );
  }
  const ifMatch = req.headers['if-match'];
  if (ifMatch !== undefined && !(ifMatch === '*' && stored) && ifMatch !== stored?.json.etag) {
    throw new ArmError(
      412,
      'PreconditionFailed',
      `Precondition failed: the etag ${ifMatch} does not match the current etag ${stored?.json.etag ?? '(none)'} of resource ${gatewayId(state.subscriptionId, rg, name)}.`,
    );
  }
  let body: Json;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ArmError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
  }
  const next = normalise(state.subscriptionId, stored?.resourceGroup ?? rg, stored?.name ?? name, body, stored?.json, apiVersion);
  const created = !stored;
  if (!stored) {
    // A PUT can create a gateway; until its operation succeeds it exists with its new settings.
    const initial = clone(next);
    stamp(initial, 'Updating');
    stored = { resourceGroup: rg, name, json: initial, putInProgress: false };
    state.gateways.set(k, stored);
  }
  const fault = state.faults[0] === 'lroFailed' ? state.faults.shift() as 'lroFailed' : undefined;
  state.putCount += 1;
  const asyncUrl = startOperation(state, stored, next, apiVersion, fault);
  const answer = clone(next);
  answer.etag = stored.json.etag;
  answer.properties.provisioningState = 'Updating';
  const status = created ? 201 : 200;
  send(res, status, answer, { 'azure-asyncoperation': asyncUrl });
  return status;
}
