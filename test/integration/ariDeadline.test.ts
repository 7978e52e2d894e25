/**
 * ACME Renewal Information (RFC 9773) against a CA that misbehaves: whatever the peer does — never
 * answers, trickles its body, cuts the connection mid-body, stalls its directory — the lookup ends
 * within its deadline with "no window" (renewal falls back to the lifetime rule), never hangs.
 */
import { createServer, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchRenewalWindow } from '../../lib/adapters/acme/renewalInfo';
import { issue } from '../fixtures/certificates';

type Behaviour = 'answer' | 'silent' | 'trickle' | 'cut' | 'silentDirectory';

const DEADLINE_MS = 300;
const WINDOW = { start: '2030-01-01T00:00:00Z', end: '2030-01-02T00:00:00Z' };
const leaf = issue({ cn: 'ari.example', sans: ['ari.example'], authorityKeyId: Buffer.from('0102030405060708090a0b0c0d0e0f1011121314', 'hex') });
const der = leaf.cert.raw;
const serialHex = leaf.cert.serialNumber;

const servers: Server[] = [];
const stalled: ServerResponse[] = [];
afterEach(async () => {
  for (const res of stalled.splice(0)) res.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A CA whose directory offers renewalInfo, and whose renewalInfo endpoint behaves as asked. */
async function ca(behaviour: Behaviour): Promise<{ directoryUrl: string; windowRequests: () => number }> {
  let windowRequests = 0;
  const server = createServer((req, res) => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (req.url === '/dir') {
      if (behaviour === 'silentDirectory') return void stalled.push(res);
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ renewalInfo: `${base}/renewal-info` }));
    }
    windowRequests += 1;
    const body = JSON.stringify({ suggestedWindow: WINDOW });
    switch (behaviour) {
      case 'answer':
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(body);
      case 'silent':
        return void stalled.push(res);
      case 'trickle': {
        res.writeHead(200, { 'content-type': 'application/json' });
        stalled.push(res);
        let i = 0;
        const drip = setInterval(() => (res.destroyed ? clearInterval(drip) : res.write(body[i++ % body.length] ?? ' ')), 50);
        return;
      }
      case 'cut':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
        res.write(body.slice(0, 10));
        return void setTimeout(() => res.socket?.destroy(), 20);
    }
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { directoryUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/dir`, windowRequests: () => windowRequests };
}

describe('the renewal information deadline', () => {
  it('reads the window from a CA that answers (the control: the certificate id and the request are real)', async () => {
    const server = await ca('answer');
    expect(await fetchRenewalWindow(server.directoryUrl, der, serialHex, DEADLINE_MS)).toEqual({ start: new Date(WINDOW.start), end: new Date(WINDOW.end) });
    expect(server.windowRequests()).toBe(1);
  });

  for (const behaviour of ['silent', 'trickle', 'cut', 'silentDirectory'] as const) {
    it(`gives "no window" within its deadline from a CA that does "${behaviour}"`, async () => {
      const server = await ca(behaviour);
      const started = Date.now();
      expect(await fetchRenewalWindow(server.directoryUrl, der, serialHex, DEADLINE_MS)).toBeUndefined();
      // One deadline for the directory and one for the window, at most; generous slack for a loaded machine.
      expect(Date.now() - started).toBeLessThan(2 * DEADLINE_MS + 1_000);
      expect(server.windowRequests()).toBe(behaviour === 'silentDirectory' ? 0 : 1);
    });
  }
});
