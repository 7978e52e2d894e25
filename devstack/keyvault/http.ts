/** The Key Vault emulator's HTTP plumbing: request context, replies and Key Vault's error shape. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KvError } from './errors';
import type { Wire } from './json';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Ctx {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: Wire;
}

export function pathOf(req: IncomingMessage): string {
  return new URL(req.url ?? '/', 'https://vault').pathname;
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function send(res: ServerResponse, reply: Reply): number {
  const payload = reply.body === undefined ? '' : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    ...reply.headers,
  });
  res.end(payload);
  return reply.status;
}

export function errorReply(e: KvError, headers?: Record<string, string>): Reply {
  const error: Wire = { code: e.code, message: e.message };
  if (e.innerCode) error.innererror = { code: e.innerCode };
  return { status: e.status, body: { error }, headers };
}
