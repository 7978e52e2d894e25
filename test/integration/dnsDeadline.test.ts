/**
 * The DNS check ends within its overall deadline whatever the resolver does — here, one that
 * swallows every query (c-ares would otherwise retry each query of each hop).
 */
import { createSocket, Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveHostname } from '../../lib/adapters/dns';

let server: Socket | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
});

async function silentResolver(): Promise<string> {
  server = createSocket('udp4');
  server.on('message', () => undefined);
  await new Promise<void>((resolve) => server?.bind(0, '127.0.0.1', resolve));
  return `127.0.0.1:${server.address().port}`;
}

describe('the DNS lookup deadline', () => {
  it('gives up on a resolver that never answers, as a retryable DnsLookupFailed, within its deadline', async () => {
    const started = Date.now();
    await expect(resolveHostname('www.contoso.com', [await silentResolver()], 400)).rejects.toMatchObject({
      code: 'DnsLookupFailed',
      retryable: true,
      message: expect.stringMatching(/no answer within 0\.4 s/),
    });
    expect(Date.now() - started).toBeLessThan(400 * 5);
  });
});
