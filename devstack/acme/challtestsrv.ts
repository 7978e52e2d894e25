/**
 * pebble-challtestsrv as Pebble's DNS server (Debian package `pebble`).
 *
 * challtestsrv answers every A query with 127.0.0.1 by default (`-defaultIPv4`), so Pebble's
 * validator reaches the gateway data plane on loopback; AAAA is disabled (`-defaultIPv6 ''`)
 * because otherwise the validator dials [::1] first and fails. Tests override A and CNAME records
 * per hostname through the management API.
 */
import { CHALLTESTSRV_BIN } from './binaries';
import { spawnProcess, Spawned, waitUntil } from '../stack/processes';

export interface ChallTestSrv {
  /** The DNS server, as host:port. */
  readonly dnsServer: string;
  /** The management URL (acme-client's ACME_CHALLTESTSRV_URL). */
  readonly url: string;
  readonly process: Spawned;
  setARecord(host: string, ip: string): Promise<void>;
  /** An AAAA record: Pebble's validator then dials that IPv6 address first, as Let's Encrypt does. */
  setAAAARecord(host: string, ip: string): Promise<void>;
  setCname(host: string, target: string): Promise<void>;
  clearRecords(host: string): Promise<void>;
}

async function post(url: string, path: string, body: object): Promise<void> {
  const res = await fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`challtestsrv ${path}: ${res.status} ${await res.text()}`);
}

function fqdn(host: string): string {
  return host.endsWith('.') ? host : `${host}.`;
}

/** Starts challtestsrv and waits until its management API answers; stops it again if that fails. */
export async function startChallTestSrv(ports: { dns: number; management: number }): Promise<ChallTestSrv> {
  const dnsServer = `127.0.0.1:${ports.dns}`;
  const url = `http://127.0.0.1:${ports.management}`;
  const proc = spawnProcess(CHALLTESTSRV_BIN, [
    '-dns01',
    dnsServer,
    '-http01',
    '',
    '-https01',
    '',
    '-tlsalpn01',
    '',
    '-management',
    `127.0.0.1:${ports.management}`,
    '-defaultIPv4',
    '127.0.0.1',
    '-defaultIPv6',
    '',
  ]);
  try {
    await waitUntil(
      'pebble-challtestsrv',
      async () => (await fetch(`${url}/clear-request-history`, { method: 'POST', body: '{"host":"x","type":"http"}' })).status < 500,
      proc,
    );
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return {
    dnsServer,
    url,
    process: proc,
    setARecord: (host, ip) => post(url, '/add-a', { host: fqdn(host), addresses: [ip] }),
    setAAAARecord: (host, ip) => post(url, '/add-aaaa', { host: fqdn(host), addresses: [ip] }),
    setCname: (host, target) => post(url, '/set-cname', { host: fqdn(host), target: fqdn(target) }),
    async clearRecords(host) {
      await post(url, '/clear-a', { host: fqdn(host) });
      await post(url, '/clear-aaaa', { host: fqdn(host) });
      await post(url, '/clear-cname', { host: fqdn(host) });
    },
  };
}
