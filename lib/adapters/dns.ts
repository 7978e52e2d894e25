/**
 * Resolves a hostname's A and AAAA records through its CNAME chain with configurable servers
 * (node's c-ares resolver), within one overall deadline whatever the servers do: each query has
 * its own timeout, but a chain of hops could otherwise add up to minutes.
 */
import { Resolver } from 'node:dns/promises';
import { AppError } from '../errors';
import type { Resolution } from '../dnsCheck';

/** RFC 1034 does not bound chains; resolvers stop around 8–16 hops, and so do we. */
const MAX_CNAME_HOPS = 10;
/** The whole lookup — every hop, A and AAAA — ends within this. */
export const DNS_DEADLINE_MS = 15_000;
const NOT_FOUND = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN']);

export async function resolveHostname(hostname: string, servers: readonly string[], deadlineMs = DNS_DEADLINE_MS): Promise<Resolution> {
  const resolver = new Resolver({ timeout: 3_000, tries: 2 });
  if (servers.length > 0) resolver.setServers([...servers]);
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    resolver.cancel();
  }, deadlineMs);
  const wrap = (error: unknown, name: string): never => {
    const code = timedOut ? `no answer within ${deadlineMs / 1000} s` : ((error as NodeJS.ErrnoException).code ?? 'unknown');
    throw new AppError('DnsLookupFailed', `DNS lookup of ${name} failed (${code}); the resolver may be unreachable`, true);
  };
  /** Records of one type, [] when the name has none. */
  const records = async (name: string, query: (n: string) => Promise<string[]>): Promise<string[]> => {
    try {
      return await query(name);
    } catch (error) {
      if (!timedOut && NOT_FOUND.has((error as NodeJS.ErrnoException).code ?? '')) return [];
      return wrap(error, name);
    }
  };
  try {
    const chain = [hostname];
    let name = hostname;
    for (let hop = 0; hop < MAX_CNAME_HOPS; hop += 1) {
      const next = (await records(name, (n) => resolver.resolveCname(n)))[0]?.replace(/\.$/, '').toLowerCase();
      if (!next || chain.includes(next)) break;
      chain.push(next);
      name = next;
    }
    const [addresses, addresses6] = await Promise.all([records(name, (n) => resolver.resolve4(n)), records(name, (n) => resolver.resolve6(n))]);
    return { chain, addresses, addresses6 };
  } finally {
    clearTimeout(deadline);
  }
}
