/**
 * ARM's long-running operations for gateway PUTs. Clients track one through its
 * `Azure-AsyncOperation` URL (…/subscriptions/{s}/providers/Microsoft.Network/locations/{l}/operations/{id}).
 *
 * - The operation runs `putDurationMs` (a real gateway PUT takes minutes); then the new
 *   configuration replaces the old one, or the operation fails when a test injected that.
 * - `provisioningState` reads `Updating` only during the first tenth of it and `Succeeded` after,
 *   while the operation is still InProgress: on Azure it "appears to transition to Updating only
 *   briefly" and checking it before a PUT proves nothing (Azure/azure-cli#32961).
 * - A later PUT cancels it: status `Canceled` with the body Microsoft.Network sends
 *   (a raw response quoted in public terraform logs; AGIC issues Azure/application-gateway-kubernetes-ingress#187, #1116):
 *   `{"status":"Canceled","error":{"code":"Canceled","message":"Operation was canceled.","details":[{"code":"CanceledAndSupersededDueToAnotherOperation",…}]}}`.
 * - The status body is just `status` (+ `error`), as Microsoft.Network's recorded responses show
 *   (`{"status":"InProgress"}`); clients must not rely on id, startTime or percentComplete.
 */
import { randomUUID } from 'node:crypto';
import { clone, Json, norm, Operation, stamp, StoredGateway } from './model';
import { notify, type ArmState, type PutEvent } from './state';

/** The share of a PUT's duration during which the gateway reads `Updating`. */
export const UPDATING_FRACTION = 0.1;

function schedule(state: ArmState, op: Operation, ms: number, run: () => void): void {
  const timer = setTimeout(() => {
    state.timers.delete(timer);
    run();
  }, ms);
  state.timers.add(timer);
  op.timers.push(timer);
}

/** Starts the operation that applies `next` to `stored` on behalf of `principalId`. */
export function startOperation(
  state: ArmState,
  stored: StoredGateway,
  next: Json,
  apiVersion: string,
  fault: 'lroFailed' | undefined,
  principalId: string,
  resourceGroupScope: string,
): Operation {
  const id = randomUUID();
  const location = norm(stored.json.location);
  const op: Operation = {
    id,
    location,
    status: 'InProgress',
    principalId,
    resourceGroupScope,
    url: `${state.url}/subscriptions/${state.subscriptionId}/providers/Microsoft.Network/locations/${location}/operations/${id}?api-version=${encodeURIComponent(apiVersion)}`,
    gateway: { resourceGroup: stored.resourceGroup, name: stored.name },
    timers: [],
  };
  state.operations.set(id, op);
  stored.putInProgress = true;
  stored.currentOperation = op;
  stored.json.properties.provisioningState = 'Updating';

  schedule(state, op, Math.max(1, Math.round(state.putDurationMs * UPDATING_FRACTION)), () => {
    if (stored.currentOperation === op) stored.json.properties.provisioningState = 'Succeeded';
  });
  schedule(state, op, state.putDurationMs, () => {
    stored.putInProgress = false;
    stored.currentOperation = undefined;
    if (fault === 'lroFailed') {
      op.status = 'Failed';
      op.error = {
        code: 'ApplicationGatewayUpdateFailed',
        message: `Update of application gateway ${stored.json.id} failed (injected fault); the previous configuration is still in place.`,
      };
      stored.json.properties.provisioningState = 'Succeeded';
      notify(state.hooks.putSettled, putEvent(op));
      return;
    }
    stamp(next, 'Succeeded');
    stored.json = next;
    op.status = 'Succeeded';
    for (const l of state.listeners) {
      try {
        l(stored.resourceGroup, stored.name, clone(next));
      } catch {
        // A test's listener must not break the emulator.
      }
    }
    notify(state.hooks.putSettled, putEvent(op));
  });
  return op;
}

/** The operation as test hooks see it (./state.ts ArmHooks). */
export function putEvent(op: Operation): PutEvent {
  return { ...op.gateway, principalId: op.principalId, operationId: op.id, status: op.status };
}

/** Ends `op` Canceled because operation `by` superseded it; its configuration is never applied. */
export function cancelOperation(state: ArmState, op: Operation, by: string): void {
  for (const t of op.timers) {
    clearTimeout(t);
    state.timers.delete(t);
  }
  op.timers.length = 0;
  op.status = 'Canceled';
  op.error = {
    code: 'Canceled',
    message: 'Operation was canceled.',
    details: [
      {
        code: 'CanceledAndSupersededDueToAnotherOperation',
        message: `Operation PutApplicationGatewayOperation (${op.id}) was canceled and superseded by operation PutApplicationGatewayOperation (${by}).`,
      },
    ],
  };
  state.canceledPuts += 1;
  notify(state.hooks.putSettled, putEvent(op));
}

/** The body of GET {Azure-AsyncOperation URL}. */
export function operationStatus(op: Operation): Json {
  return op.error ? { status: op.status, error: clone(op.error) } : { status: op.status };
}
