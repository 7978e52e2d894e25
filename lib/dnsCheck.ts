/** Does a hostname lead to the gateway? Pure decision over what the resolver answered. */
import { Outcome, fail } from './outcome';
import { ErrorCodes } from './status';

export interface Resolution {
  /** Names followed, starting with the hostname itself (CNAME hops after it). */
  readonly chain: readonly string[];
  /** A records at the end of the chain; empty when the name does not exist. */
  readonly addresses: readonly string[];
}

export function judgeResolution(hostname: string, resolution: Resolution, gatewayIp: string): Outcome {
  if (resolution.addresses.includes(gatewayIp)) return { ok: true };
  const via = resolution.chain.length > 1 ? ` (via ${resolution.chain.slice(1).join(' → ')})` : '';
  const found = resolution.addresses.length > 0 ? `resolves to ${resolution.addresses.join(', ')}` : 'does not resolve to any IPv4 address';
  return fail(
    ErrorCodes.HostnameNotResolvingToApplicationGateway,
    `${hostname}${via} ${found}, not to the Application Gateway's public IP ${gatewayIp}. Create an A record for ${gatewayIp} or a CNAME to the gateway's DNS name, wait for it to propagate, then try again.`,
  );
}
