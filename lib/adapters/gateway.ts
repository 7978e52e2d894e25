/** Application Gateway through ARM: read its public IP, and merge our HTTPS bindings into it. */
import type { ApplicationGateway } from '@azure/arm-network';
import type { AppConfig } from '../config';
import { networkClient } from '../clients';
import { AppError, isCredentialError } from '../errors';
import type { Binding, RefusedBinding } from '../activityContracts';
import { mergeBindings } from '../gatewayMerge';
import { Outcome, fail } from '../outcome';

interface RestLike {
  statusCode?: number;
  code?: string;
}

function armError(action: string, error: unknown): AppError {
  const { statusCode, code } = error as RestLike;
  if (isCredentialError(error)) return new AppError('ApplicationGatewayAccessDenied', `${action}: the function's identity could not get a token for Azure Resource Manager`);
  if (statusCode === 404) return new AppError('ApplicationGatewayNotFound', `${action}: the Application Gateway or its public IP was not found; check ApplicationGatewayResourceGroup and ApplicationGatewayName`);
  if (statusCode === 401 || statusCode === 403) {
    const linked = code === 'LinkedAuthorizationFailed'
      ? ' (LinkedAuthorizationFailed: grant the function\'s identity "Managed Identity Operator" on the gateway\'s user-assigned identity)'
      : '';
    return new AppError('ApplicationGatewayAccessDenied', `${action}: access denied${linked}`);
  }
  if (statusCode === 409 || statusCode === 412 || code === 'AnotherOperationInProgress') {
    return new AppError('ApplicationGatewayBusy', `${action}: another update of the gateway is in progress`, true);
  }
  if (statusCode === 400) return new AppError('ApplicationGatewayUpdateFailed', `${action}: the gateway rejected the configuration (${code ?? 'BadRequest'})`);
  return new AppError('ApplicationGatewayUpdateFailed', `${action} failed${statusCode ? ` (HTTP ${statusCode})` : ''}${code ? ` (${code})` : ''}`, true);
}

async function getGateway(config: AppConfig): Promise<ApplicationGateway> {
  try {
    return await networkClient(config).applicationGateways.get(config.gateway.resourceGroup, config.gateway.name);
  } catch (error) {
    throw armError('Reading the Application Gateway', error);
  }
}

function parseResourceId(id: string): { resourceGroup: string; name: string } | undefined {
  const match = /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/publicIPAddresses\/([^/]+)$/i.exec(id);
  return match ? { resourceGroup: match[1] ?? '', name: match[2] ?? '' } : undefined;
}

export async function readGatewayPublicIp(config: AppConfig): Promise<Outcome<{ ip: string }>> {
  const gateway = await getGateway(config);
  const publicIpId = gateway.frontendIPConfigurations?.find((f) => f.publicIPAddress?.id)?.publicIPAddress?.id;
  const ref = publicIpId ? parseResourceId(publicIpId) : undefined;
  if (!ref) return fail('ApplicationGatewayPublicIpNotFound', `Application Gateway ${config.gateway.name} has no public frontend IP; HTTP-01 validation needs one`);
  try {
    const pip = await networkClient(config).publicIPAddresses.get(ref.resourceGroup, ref.name);
    if (!pip.ipAddress) return fail('ApplicationGatewayPublicIpNotFound', `Public IP ${ref.name} has no address allocated`);
    return { ok: true, ip: pip.ipAddress };
  } catch (error) {
    if ((error as RestLike).statusCode === 404) return fail('ApplicationGatewayPublicIpNotFound', `Public IP ${ref.name} in ${ref.resourceGroup}, used by the gateway, was not found`);
    throw armError('Reading the gateway public IP', error);
  }
}

/**
 * GET, merge, PUT with If-Match. A gateway mid-update or a concurrent writer (409, 412) comes back
 * as ApplicationGatewayBusy: the orchestrator waits on a durable timer and calls again, and the
 * next call merges into the fresh configuration, so no update is lost.
 */
export async function applyBindings(config: AppConfig, bindings: readonly Binding[], pollIntervalMs: number, force = false): Promise<Outcome<{ updated: boolean; refused: RefusedBinding[] }>> {
  const current = await getGateway(config);
  if (current.provisioningState === 'Updating') {
    return fail('ApplicationGatewayBusy', 'The Application Gateway is being updated by another operation');
  }
  const merged = mergeBindings(current, bindings, config.gateway);
  if (!merged.ok) return merged;
  const { refused } = merged;
  // A forced PUT of an unchanged configuration makes the gateway fetch Key Vault secrets again.
  if (refused.length === bindings.length || (!merged.changed && !force)) return { ok: true, updated: false, refused };
  try {
    await networkClient(config).applicationGateways.beginCreateOrUpdateAndWait(config.gateway.resourceGroup, config.gateway.name, merged.gateway, {
      updateIntervalInMs: pollIntervalMs,
      // arm-network 39 (the generated "classic" client) sends requestOptions.headers; the older
      // core-client `customHeaders` does not exist here. test/devstack/arm-emulator.test.ts
      // proves the header reaches the wire (a stale etag gets 412).
      ...(current.etag ? { requestOptions: { headers: { 'If-Match': current.etag } } } : {}),
    });
  } catch (error) {
    const wrapped = armError('Updating the Application Gateway', error);
    // Busy is contention, not a fault: the orchestrator waits its turn on jittered timers.
    if (wrapped.code === 'ApplicationGatewayBusy') return fail(wrapped.code, wrapped.detail);
    if (wrapped.retryable) throw wrapped;
    return fail(wrapped.code, wrapped.detail);
  }
  return { ok: true, updated: true, refused };
}

/** Host name → Key Vault secret id of the HTTPS listeners that serve it. */
export async function boundHostnames(config: AppConfig): Promise<Map<string, string>> {
  const gateway = await getGateway(config);
  const secretByCertId = new Map((gateway.sslCertificates ?? []).map((c) => [(c.id ?? '').toLowerCase(), c.keyVaultSecretId ?? '']));
  const result = new Map<string, string>();
  for (const listener of gateway.httpListeners ?? []) {
    if (listener.protocol !== 'Https') continue;
    const secret = secretByCertId.get((listener.sslCertificate?.id ?? '').toLowerCase()) ?? '';
    for (const host of [listener.hostName, ...(listener.hostNames ?? [])]) if (host) result.set(host.toLowerCase(), secret);
  }
  return result;
}
