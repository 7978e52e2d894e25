import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { startLocalStack } from '../../devstack/stack/localStack';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Listening TCP sockets of these processes, from /proc (no ss/netstat needed on a fresh machine). */
function listeningAddresses(pids: readonly number[]): string[] {
  const inodes = new Set<string>();
  for (const pid of pids) {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m?.[1]) inodes.add(m[1]);
      } catch {
        // the descriptor closed meanwhile
      }
    }
  }
  const addresses: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] !== '0A' || !inodes.has(f[9] ?? '')) continue; // 0A = LISTEN
      const [hexIp, hexPort] = (f[1] ?? ':').split(':');
      const port = parseInt(hexPort ?? '0', 16);
      if (hexIp && hexIp.length === 8) {
        const ip = (hexIp.match(/../g) ?? [])
          .reverse()
          .map((b) => parseInt(b, 16))
          .join('.');
        addresses.push(`${ip}:${port}`);
      } else addresses.push(`[v6 ${hexIp}]:${port}`);
    }
  }
  return addresses;
}

describe('the local stack', () => {
  it('starts in seconds, listens only on loopback, and leaves no process behind', async () => {
    const t0 = Date.now();
    const stack = await startLocalStack();
    const startupMs = Date.now() - t0;
    const pids = [...stack.pebble.pids, stack.azurite.pid!];
    try {
      expect(startupMs).toBeLessThan(20_000); // a generous bound; the figure itself is reported, not asserted tightly
      expect(pids.every(alive)).toBe(true);
      for (const url of [stack.pebble.directoryUrl, stack.keyVault.url, stack.arm.url, stack.azurite.blobEndpoint])
        expect(new URL(url).hostname).toBe('127.0.0.1');
      const addresses = listeningAddresses(pids);
      expect(addresses.length).toBeGreaterThanOrEqual(4);
      for (const address of addresses) expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    } finally {
      await stack.stop();
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(pids.filter(alive)).toEqual([]);
    console.log(`local stack started in ${startupMs} ms`);
  });
});
