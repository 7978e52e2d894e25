/** Resolves A records through a CNAME chain with configurable servers (node's c-ares resolver). */
import { Resolver } from 'node:dns/promises';
import { AppError } from '../errors';
import type { Resolution } from '../dnsCheck';

/** RFC 1034 does not bound chains; resolvers stop around 8–16 hops, and so do we. */
const MAX_CNAME_HOPS = 10;
const NOT_FOUND = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN']);

export async function resolveHostname(hostname: string, servers: readonly string[]): Promise<Resolution> {
  const resolver = new Resolver({ timeout: 3_000, tries: 2 });
  if (servers.length > 0) resolver.setServers([...servers]);
  const chain = [hostname];
  const wrap = (error: unknown, name: string): never => {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown';
    throw new AppError('DnsLookupFailed', `DNS lookup of ${name} failed (${code}); the resolver may be unreachable`, true);
  };
  let name = hostname;
  for (let hop = 0; hop < MAX_CNAME_HOPS; hop += 1) {
    let targets: string[] = [];
    try {
      targets = await resolver.resolveCname(name);
    } catch (error) {
      if (!NOT_FOUND.has((error as NodeJS.ErrnoException).code ?? '')) wrap(error, name);
    }
    const next = targets[0]?.replace(/\.$/, '').toLowerCase();
    if (!next || chain.includes(next)) break;
    chain.push(next);
    name = next;
  }
  try {
    return { chain, addresses: await resolver.resolve4(name) };
  } catch (error) {
    if (NOT_FOUND.has((error as NodeJS.ErrnoException).code ?? '')) return { chain, addresses: [] };
    return wrap(error, name);
  }
}
