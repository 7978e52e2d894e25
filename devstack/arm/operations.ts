/**
 * ARM's long-running operations for gateway PUTs: the operation stays InProgress for
 * `putDurationMs`, then the new configuration replaces the old one (or the operation fails, when a
 * test injected that). Clients track it through the `Azure-AsyncOperation` URL.
 */
import { randomUUID } from 'node:crypto';
import { clone, Json, norm, Operation, stamp, StoredGateway } from './model';
import type { ArmState } from './state';

/** Starts the operation that applies `next` to `stored`; returns its Azure-AsyncOperation URL. */
export function startOperation(state: ArmState, stored: StoredGateway, next: Json, apiVersion: string, fault: 'lroFailed' | undefined): string {
  const opId = randomUUID();
  const op: Operation = { id: opId, location: norm(stored.json.location), status: 'InProgress', startTime: new Date().toISOString() };
  state.operations.set(opId, op);
  stored.putInProgress = true;
  stored.json.properties.provisioningState = 'Updating';
  const timer = setTimeout(() => {
    state.timers.delete(timer);
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
    for (const l of state.listeners) {
      try {
        l(stored.resourceGroup, stored.name, clone(next));
      } catch {
        // A test's listener must not break the emulator.
      }
    }
  }, state.putDurationMs);
  state.timers.add(timer);
  return `${state.url}/subscriptions/${state.subscriptionId}/providers/Microsoft.Network/locations/${op.location}/operations/${opId}?api-version=${encodeURIComponent(apiVersion)}`;
}

/** The body of GET {Azure-AsyncOperation URL}. */
export function operationStatus(op: Operation, path: string): Json {
  const body: Json = { id: path, name: op.id, status: op.status, startTime: op.startTime };
  if (op.endTime) body.endTime = op.endTime;
  if (op.error) body.error = op.error;
  return body;
}
