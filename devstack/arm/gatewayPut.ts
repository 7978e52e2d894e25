/**
 * PUT of an Application Gateway, in the order ARM and the network provider take it:
 * 1. ARM authorizes `applicationGateways/write` on the gateway (403 AuthorizationFailed);
 * 2. ARM checks the linked resources in the body (403 LinkedAuthorizationFailed, ./linked.ts);
 * 3. the provider meets a PUT already running: by default it accepts the new one and cancels the
 *    old (./state.ts ArmBehaviour.concurrentPut), or answers 409; If-Match is ignored by default;
 * 4. validation (400), then a long-running operation (200/201 + Azure-AsyncOperation).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, send } from './http';
import { linkedResources } from './linked';
import { ArmError, clone, gatewayId, Json, stamp } from './model';
import { normalise } from './normalise';
import { cancelOperation, putEvent, startOperation } from './operations';
import { authorize, linkedAuthorizationFailed, type Principal } from './rbac';
import { ArmState, notify, resourceKey } from './state';

export const GATEWAY_WRITE = 'Microsoft.Network/applicationGateways/write';

export async function handleGatewayPut(
  state: ArmState,
  req: IncomingMessage,
  res: ServerResponse,
  caller: Principal,
  rg: string,
  name: string,
  apiVersion: string,
): Promise<number> {
  const text = await readBody(req);
  const k = resourceKey(rg, name);
  let stored = state.gateways.get(k);
  const id = gatewayId(state.subscriptionId, stored?.resourceGroup ?? rg, stored?.name ?? name);
  authorize(state.rbac, caller, GATEWAY_WRITE, id);
  let body: Json;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ArmError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
  }
  const missing = linkedResources(body).filter((l) => !state.rbac.can(caller.objectId, l.action, l.scope));
  if (missing.length > 0) throw linkedAuthorizationFailed(caller, GATEWAY_WRITE, id, missing);

  const running = stored?.putInProgress ? stored.currentOperation : undefined;
  state.maxConcurrentPutsSeen = Math.max(state.maxConcurrentPutsSeen, (stored?.putInProgress ? 1 : 0) + 1);
  const busy = stored?.putInProgress === true && state.behaviour.concurrentPut === 'conflict';
  if (busy || state.faults[0] === 'conflict') {
    if (!busy) state.faults.shift();
    // Wording from a recorded Microsoft.Network answer (terraform log, research notes §3); the URL
    // is the status of the operation in progress.
    const opUrl =
      running?.url ??
      `${state.url}/subscriptions/${state.subscriptionId}/providers/Microsoft.Network/locations/westeurope/operations/00000000-0000-0000-0000-000000000000?api-version=${apiVersion}`;
    throw new ArmError(
      409,
      'AnotherOperationInProgress',
      `Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: ${opUrl}.`,
      [],
    );
  }
  const ifMatch = req.headers['if-match'];
  if (state.behaviour.ifMatch === 'honour' && ifMatch !== undefined && !(ifMatch === '*' && stored) && ifMatch !== stored?.json.etag) {
    throw new ArmError(
      412,
      'PreconditionFailed',
      `Precondition failed: the etag ${ifMatch} does not match the current etag ${stored?.json.etag ?? '(none)'} of resource ${id}.`,
    );
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
  const fault = state.faults[0] === 'lroFailed' ? (state.faults.shift() as 'lroFailed') : undefined;
  state.putCount += 1;
  const rgScope = `/subscriptions/${state.subscriptionId}/resourceGroups/${stored.resourceGroup}`;
  const op = startOperation(state, stored, next, apiVersion, fault, caller.objectId, rgScope);
  if (running) cancelOperation(state, running, op.id);
  notify(state.hooks.putAccepted, putEvent(op));
  const answer = clone(next);
  answer.etag = stored.json.etag;
  answer.properties.provisioningState = 'Updating';
  const status = created ? 201 : 200;
  send(res, status, answer, { 'azure-asyncoperation': op.url });
  return status;
}
