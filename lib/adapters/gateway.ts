/** Application Gateway through ARM: read it and its public IP (writes: gatewayWrite.ts). */
import type { ApplicationGateway } from '@azure/arm-network';
import type { AppConfig } from '../config';
import { networkClient } from '../clients';
import { AppError, isCredentialError } from '../errors';
import { Outcome, fail } from '../outcome';

interface RestLike {
  statusCode?: number;
  code?: string;
}

/** ARM's errors as coded AppErrors; 409 is contention (`ApplicationGatewayBusy`), never a failure. */
export function armError(action: string, error: unknown): AppError {
  const { statusCode, code } = error as RestLike;
  if (isCredentialError(error))
    return new AppError('ApplicationGatewayAccessDenied', `${action}: the function's identity could not get a token for Azure Resource Manager`);
  if (statusCode === 404)
    return new AppError(
      'ApplicationGatewayNotFound',
      `${action}: the Application Gateway or its public IP was not found; check ApplicationGatewayResourceGroup and ApplicationGatewayName`,
    );
  if (statusCode === 401 || statusCode === 403) {
    const linked =
      code === 'LinkedAuthorizationFailed'
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

export async function getGateway(config: AppConfig): Promise<ApplicationGateway> {
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

/**
 * The gateway's public frontend addresses: `ip` is the IPv4 one the DNS check requires; `addresses`
 * are all of them (a dual-stack gateway also has an IPv6 frontend, which AAAA records may name).
 */
export async function readGatewayPublicIp(config: AppConfig): Promise<Outcome<{ ip: string; addresses: string[] }>> {
  const gateway = await getGateway(config);
  const ids = (gateway.frontendIPConfigurations ?? []).map((f) => f.publicIPAddress?.id).filter((id): id is string => !!id);
  const refs = ids.map(parseResourceId).filter((r): r is { resourceGroup: string; name: string } => r !== undefined);
  if (refs.length === 0)
    return fail('ApplicationGatewayPublicIpNotFound', `Application Gateway ${config.gateway.name} has no public frontend IP; HTTP-01 validation needs one`);
  const addresses: string[] = [];
  for (const ref of refs) {
    try {
      const pip = await networkClient(config).publicIPAddresses.get(ref.resourceGroup, ref.name);
      if (pip.ipAddress) addresses.push(pip.ipAddress);
    } catch (error) {
      if ((error as RestLike).statusCode === 404)
        return fail('ApplicationGatewayPublicIpNotFound', `Public IP ${ref.name} in ${ref.resourceGroup}, used by the gateway, was not found`);
      throw armError('Reading the gateway public IP', error);
    }
  }
  const ip = addresses.find((a) => !a.includes(':'));
  if (!ip)
    return fail(
      'ApplicationGatewayPublicIpNotFound',
      `Application Gateway ${config.gateway.name} has no public IPv4 address allocated; HTTP-01 validation needs one`,
    );
  return { ok: true, ip, addresses };
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
