/**
 * Writing the Application Gateway through ARM as three short calls, so that waiting happens on
 * durable timers and never inside an activity (a real PUT takes minutes):
 * - `startGatewayUpdate`: GET, merge, PUT; returns the long-running operation's serialized poller
 *   (URLs only: the operation and the resource, no token), or nothing when no PUT was needed.
 * - `checkGatewayUpdate`: one poll of that operation (restored with the SDK's `restorePoller`).
 * - `checkGatewayBindings`: read after write — are our bindings still in the gateway?
 * ARM's long-running-operation protocol: "Track asynchronous Azure operations"
 * (learn.microsoft.com/azure/azure-resource-manager/management/async-operations).
 */
import type { Binding, RefusedBinding } from '../activityContracts';
import type { ApplicationGateway } from '@azure/arm-network';
import type { AppConfig } from '../config';
import { networkClient } from '../clients';
import { mergeBindings, missingBindings } from '../gatewayMerge';
import { Outcome, fail } from '../outcome';
import { ErrorCodes } from '../status';
import { armError, getGateway } from './gateway';

export type StartedUpdate = Outcome<{
  /** The etag of the configuration the merge was built on. */
  etag: string;
  /** The serialized poller of the PUT's operation; absent when nothing needed writing. */
  operation?: string;
  refused: RefusedBinding[];
  /**
   * Seconds until the first poll: ApplicationGatewayPollIntervalSeconds (10 by default, the
   * Retry-After ARM's network provider sends), at least 1.
   */
  pollAfterSeconds: number;
}>;

/**
 * GET → merge → PUT (not awaited). No If-Match: the network provider does not honour it on
 * gateways (the REST spec of ApplicationGateways_CreateOrUpdate declares none), so serialization
 * is the caller's job (lib/gatewayQueue.ts). A 409 AnotherOperationInProgress comes back as
 * `ApplicationGatewayBusy`: the caller waits its turn.
 */
export async function startGatewayUpdate(config: AppConfig, bindings: readonly Binding[], force: boolean): Promise<StartedUpdate> {
  const pollAfterSeconds = Math.max(1, Math.round(config.gateway.pollIntervalMs / 1000));
  const current = await getGateway(config);
  const merged = mergeBindings(current, bindings, config.gateway);
  if (!merged.ok) return merged;
  const { refused } = merged;
  // A forced PUT of an unchanged configuration makes the gateway fetch Key Vault secrets again.
  const etag = current.etag ?? '';
  if (refused.length === bindings.length || (!merged.changed && !force)) return { ok: true, etag, refused, pollAfterSeconds };
  try {
    const poller = await networkClient(config).applicationGateways.beginCreateOrUpdate(config.gateway.resourceGroup, config.gateway.name, merged.gateway);
    return { ok: true, etag, operation: await poller.serialize(), refused, pollAfterSeconds };
  } catch (error) {
    const wrapped = armError('Updating the Application Gateway', error);
    if (wrapped.retryable && wrapped.code !== ErrorCodes.ApplicationGatewayBusy) throw wrapped;
    return fail(wrapped.code, wrapped.detail);
  }
}

/**
 * Where a gateway update stands. `Canceled` is contention: another writer's PUT superseded ours.
 * `gateway`: with `Succeeded`, the gateway as the poller's final GET read it (the read after write).
 */
export type UpdateStatus = Outcome<{ status: 'InProgress' | 'Succeeded' | 'Canceled'; gateway?: ApplicationGateway }>;

interface OperationError {
  code?: string;
  message?: string;
  details?: Array<{ code?: string; message?: string }>;
}

function errorOf(error: unknown): OperationError {
  const e = error as { code?: string; message?: string; details?: unknown; error?: OperationError } | undefined;
  return (
    e?.error ?? {
      ...(e?.code ? { code: e.code } : {}),
      ...(e?.message ? { message: e.message } : {}),
      ...(Array.isArray(e?.details) ? { details: e.details as OperationError['details'] } : {}),
    }
  );
}

/**
 * One poll of the operation. A 403 here means the identity may start operations but not track
 * them: tracking needs `Microsoft.Network/locations/operations/read` at the resource group (ARM
 * docs, "Permission for tracking async status"). A failed operation's own error code reaches the message.
 */
export async function checkGatewayUpdate(config: AppConfig, operation: string): Promise<UpdateStatus> {
  const { restorePoller } = require('@azure/arm-network') as typeof import('@azure/arm-network');
  const client = networkClient(config);
  const poller = restorePoller(client, operation, client.applicationGateways.beginCreateOrUpdate as never);
  let thrown: unknown;
  try {
    await poller.poll();
  } catch (error) {
    thrown = error;
  }
  const state = poller.operationState;
  const status = state?.status;
  // core-lro records a status poll's RestError (a 403 included) as a failed operation: the HTTP
  // status is checked first, or a permission problem would read as a failed update.
  const statusCode = (thrown as { statusCode?: number } | undefined)?.statusCode ?? (state?.error as { statusCode?: number } | undefined)?.statusCode;
  if (statusCode === 403 || statusCode === 401) {
    return fail(
      ErrorCodes.ApplicationGatewayAccessDenied,
      `The gateway update was accepted but its status cannot be read (HTTP ${statusCode}): tracking an operation needs "Microsoft.Network/locations/operations/read" at the scope of resource group ${config.gateway.resourceGroup} (see infra/README.md, permissions)`,
    );
  }
  if (status === 'canceled' || (thrown && /cancel/i.test(errorOf(thrown).code ?? ''))) return { ok: true, status: 'Canceled' };
  if (status === 'failed' || (thrown && (thrown as { statusCode?: number }).statusCode === undefined && state?.error)) {
    const cause = errorOf(state?.error ?? thrown);
    const detail = [cause.code, ...(cause.details ?? []).map((d) => d.code)].filter(Boolean).join(' / ');
    return fail(
      ErrorCodes.ApplicationGatewayUpdateFailed,
      `The gateway update failed${detail ? ` (${detail})` : ''}${cause.message ? `: ${cause.message.slice(0, 300)}` : ''}`,
    );
  }
  if (thrown) throw armError('Reading the gateway update status', thrown);
  if (status === 'succeeded') {
    const gateway = poller.result as ApplicationGateway | undefined;
    return { ok: true, status: 'Succeeded', ...(gateway ? { gateway } : {}) };
  }
  return { ok: true, status: 'InProgress' };
}

/** Read after write: the bindings not (or no longer) in the gateway, with why; `read` is a gateway already read. */
export async function checkGatewayBindings(
  config: AppConfig,
  bindings: readonly Binding[],
  read?: ApplicationGateway,
): Promise<Outcome<{ missing: RefusedBinding[]; etag: string }>> {
  const gateway = read ?? (await getGateway(config));
  return { ok: true, missing: missingBindings(gateway, bindings), etag: gateway.etag ?? '' };
}
