/** The ARM emulator's HTTP plumbing: JSON replies with ARM's headers, ARM's error shape. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ArmError } from './model';

export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'x-ms-request-id': randomUUID(),
    'x-ms-correlation-request-id': randomUUID(),
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: ArmError): void {
  const headers: Record<string, string> = {};
  if (err.status === 401) {
    // ARM's challenge shape; the SDK does not need it (it sends the token up front).
    headers['www-authenticate'] =
      `Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="${err.message.replace(/"/g, "'")}"`;
  }
  send(res, err.status, { error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } }, headers);
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
