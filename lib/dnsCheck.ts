/**
 * Does a hostname lead to the gateway, and only to it? Pure decision over what the resolver
 * answered. The CA validates over IPv6 first when the name has AAAA records (Let's Encrypt does,
 * falling back to IPv4 only when IPv6 cannot connect), so an AAAA record pointing anywhere but the
 * gateway's own frontends makes validation reach another server: it fails here, before ordering.
 */
import { Outcome, fail } from './outcome';
import { ErrorCodes } from './status';

export interface Resolution {
  /** Names followed, starting with the hostname itself (CNAME hops after it). */
  readonly chain: readonly string[];
  /** A records at the end of the chain; empty when the name has none. */
  readonly addresses: readonly string[];
  /** AAAA records at the end of the chain. */
  readonly addresses6: readonly string[];
}

/** Normalised textual form, so `::1` and `0:0:0:0:0:0:0:1` compare equal. */
function canonical(ip: string): string {
  if (!ip.includes(':')) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return groups.map((g) => g.replace(/^0+(?=.)/, '')).join(':');
}

/**
 * Ok with the gateway addresses the CA will reach (IPv6 first), when the name's A records include
 * the gateway's IPv4 address and every AAAA record is one of its frontends.
 */
export function judgeResolution(
  hostname: string,
  resolution: Resolution,
  gatewayIp: string,
  gatewayAddresses: readonly string[] = [gatewayIp],
): Outcome<{ reachable: string[] }> {
  const via = resolution.chain.length > 1 ? ` (via ${resolution.chain.slice(1).join(' → ')})` : '';
  const ours = new Set(gatewayAddresses.map(canonical));
  if (!resolution.addresses.includes(gatewayIp)) {
    const found = resolution.addresses.length > 0 ? `resolves to ${resolution.addresses.join(', ')}` : 'does not resolve to any IPv4 address';
    return fail(
      ErrorCodes.HostnameNotResolvingToApplicationGateway,
      `${hostname}${via} ${found}, not to the Application Gateway's public IP ${gatewayIp}. Create an A record for ${gatewayIp} or a CNAME to the gateway's DNS name, wait for it to propagate, then try again.`,
    );
  }
  // Every A record counts: the CA picks one of them, so one that is not the gateway's fails validation.
  const foreign4 = resolution.addresses.filter((ip) => !ours.has(canonical(ip)) && ip !== gatewayIp);
  if (foreign4.length > 0) {
    return fail(
      ErrorCodes.HostnameNotResolvingToApplicationGateway,
      `${hostname}${via} also resolves to ${foreign4.join(', ')}, which is not the Application Gateway's public IP ${gatewayIp}; the CA may validate against that server. Remove the extra A record(s), wait for the change to propagate, then try again.`,
    );
  }
  const foreign6 = resolution.addresses6.filter((ip) => !ours.has(canonical(ip)));
  if (foreign6.length > 0) {
    return fail(
      ErrorCodes.HostnameNotResolvingToApplicationGateway,
      `${hostname}${via} also resolves to the IPv6 address ${foreign6.join(', ')}, which is not the Application Gateway's; the CA tries IPv6 first and would validate against that server. Remove the AAAA record (or point it at an IPv6 frontend of the gateway), wait for it to propagate, then try again.`,
    );
  }
  return { ok: true, reachable: [...resolution.addresses6, gatewayIp] };
}
