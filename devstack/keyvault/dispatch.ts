/**
 * One request through the Key Vault emulator: challenge auth, injected faults, the background work
 * due by now, api-version and JSON checks, then the route table.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultSpec } from './emulator';
import { KvError } from './errors';
import { Ctx, errorReply, readBody, send } from './http';
import { newRsaKeyPemAsync } from './crypto';
import { num, obj, Wire } from './json';
import { route } from './routes';
import type { Vault } from './vault';

const CHALLENGE = 'Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="https://vault.azure.net"';

export async function serve(req: IncomingMessage, res: ServerResponse, vault: Vault, faults: FaultSpec[]): Promise<number> {
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', vault.url);
  const raw = await readBody(req);

  if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) {
    const e = new KvError(401, 'Unauthorized', 'AKV10000: Request is missing a Bearer or PoP token.');
    return send(res, errorReply(e, { 'www-authenticate': CHALLENGE }));
  }
  const fault = faults.find((f) => f.count > 0 && (f.match ?? (() => true))(method, url.pathname));
  if (fault) {
    fault.count -= 1;
    const code = fault.status === 429 ? 'Throttled' : fault.status === 503 ? 'ServiceUnavailable' : 'InternalServerError';
    const headers = fault.retryAfterSeconds === undefined ? undefined : { 'retry-after': String(fault.retryAfterSeconds) };
    return send(res, errorReply(new KvError(fault.status, code, `Injected fault (${fault.status}) by the test.`), headers));
  }

  try {
    // Background work (deletions, purges, recoveries, Self issuances) catches up with the clock first.
    vault.tick();
    if (!url.searchParams.get('api-version')) throw new KvError(400, 'BadParameter', 'The api-version query parameter is required.');
    let body: Wire = {};
    if (raw.trim()) {
      try {
        body = JSON.parse(raw) as Wire;
      } catch {
        throw new KvError(400, 'BadParameter', 'The request body is not valid JSON.');
      }
    }
    const ctx: Ctx = { method, path: url.pathname, query: url.searchParams, body };
    const create = method === 'POST' ? /^\/certificates\/([0-9a-zA-Z-]+)\/create$/.exec(url.pathname) : null;
    if (create) {
      // Key Vault makes keys on its own servers; generating them synchronously here would stall the
      // whole test process (harness and every emulator) for ~200 ms per key.
      const bits = num(obj(obj(body.policy)?.key_props)?.key_size) ?? 2048;
      vault.stashKey(create[1] ?? '', await newRsaKeyPemAsync(bits));
    }
    return send(res, route(vault, ctx));
  } catch (e) {
    if (e instanceof KvError) return send(res, errorReply(e));
    const message = e instanceof Error ? e.message : String(e);
    return send(res, errorReply(new KvError(500, 'InternalServerError', `Emulator error: ${message}`)));
  }
}
