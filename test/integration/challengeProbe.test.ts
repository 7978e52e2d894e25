/**
 * The self-check against real sockets that misbehave in every way a peer can: it always ends,
 * within its deadline, with a coded answer.
 */
import { createServer, Server, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { probeChallengeFile } from '../../lib/adapters/challengeProbe';

const EXPECTED = 'token1.thumbprint';
const DEADLINE_MS = 400;

let server: Server | undefined;
const sockets = new Set<Socket>();

/** A raw TCP server, so a test can send exactly the bytes (or silence) it wants. */
async function peer(onConnection: (socket: Socket) => void): Promise<number> {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('data', () => onConnection(socket));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

const probe = (port: number) =>
  probeChallengeFile({ gatewayIp: '127.0.0.1', port, hostname: 'www.probe.test', token: 'token1', expected: EXPECTED, deadlineMs: DEADLINE_MS }, 'HINT');

const head = (status: string, extra = '') => `HTTP/1.1 ${status}\r\nConnection: close\r\n${extra}\r\n`;

describe('the challenge self-check', () => {
  it('accepts the key authorization (trailing whitespace ignored, RFC 8555 §8.3)', async () => {
    const port = await peer((s) => s.end(`${head('200 OK', `Content-Length: ${EXPECTED.length + 1}\r\n`)}${EXPECTED}\n`));
    await expect(probe(port)).resolves.toEqual({ ok: true });
  });

  it('reports another body as NotValid', async () => {
    const port = await peer((s) => s.end(`${head('200 OK', 'Content-Length: 5\r\n')}hello`));
    await expect(probe(port)).resolves.toMatchObject({ ok: false, code: 'HostnameOwnershipValidationFileNotValid' });
  });

  it('reports a 404 as NotFound with the fix', async () => {
    const port = await peer((s) => s.end(head('404 Not Found', 'Content-Length: 0\r\n')));
    await expect(probe(port)).resolves.toMatchObject({ ok: false, code: 'HostnameOwnershipValidationFileNotFound', message: expect.stringContaining('HINT') });
  });

  it('ends at its deadline when the peer accepts and never answers', async () => {
    const port = await peer(() => undefined);
    const started = Date.now();
    await expect(probe(port)).rejects.toMatchObject({ code: 'HostnameOwnershipValidationFileNotFound', retryable: true });
    expect(Date.now() - started).toBeLessThan(DEADLINE_MS * 5);
  });

  it('ends when the connection is cut in the middle of the body', async () => {
    const port = await peer((s) => {
      s.write(`${head('200 OK', 'Content-Length: 100\r\n')}token1.`);
      setTimeout(() => s.destroy(), 20);
    });
    await expect(probe(port)).rejects.toMatchObject({ retryable: true, message: expect.stringMatching(/could not be reached/) });
  });

  it('ends at its deadline when the peer drips the body slower than any idle timeout', async () => {
    const port = await peer((s) => {
      s.write(`${head('200 OK', 'Content-Length: 1000\r\n')}`);
      const drip = setInterval(() => (s.destroyed ? clearInterval(drip) : s.write('a')), 50);
    });
    const started = Date.now();
    await expect(probe(port)).rejects.toMatchObject({ retryable: true });
    expect(Date.now() - started).toBeLessThan(DEADLINE_MS * 5);
  });

  it('stops reading an endless body and calls it NotValid', async () => {
    const port = await peer((s) => {
      s.write(head('200 OK', 'Transfer-Encoding: chunked\r\n'));
      const chunk = `400\r\n${'x'.repeat(0x400)}\r\n`;
      const flood = setInterval(() => (s.destroyed ? clearInterval(flood) : s.write(chunk)), 1);
    });
    await expect(probe(port)).resolves.toMatchObject({ ok: false, code: 'HostnameOwnershipValidationFileNotValid' });
  });

  it('treats a refused connection and a 5xx as retryable', async () => {
    const port = await peer((s) => s.end(head('503 Service Unavailable', 'Content-Length: 0\r\n')));
    await expect(probe(port)).rejects.toMatchObject({ retryable: true, message: expect.stringMatching(/HTTP 503/) });
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
    await expect(probe(port)).rejects.toMatchObject({ retryable: true, message: expect.stringMatching(/could not be reached/) });
  });

  it('reports garbage that is not HTTP as unreachable rather than hanging', async () => {
    const port = await peer((s) => s.end('SSH-2.0-OpenSSH\r\n'));
    await expect(probe(port)).rejects.toMatchObject({ retryable: true });
  });
});
