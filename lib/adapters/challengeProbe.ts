/**
 * Fetches the challenge file through the gateway the way the CA will, before we answer: a CA's
 * failed validation counts against its limit (Let's Encrypt: 5 per hostname per hour), ours do not.
 */
import { request } from 'node:http';

export type ProbeResult =
  | { readonly kind: 'matches' }
  | { readonly kind: 'missing'; readonly status: number | 'unreachable' }
  | { readonly kind: 'different' };

const MAX_BODY = 8 * 1024;

export function probeChallengeFile(opts: { gatewayIp: string; port: number; hostname: string; token: string; expected: string; timeoutMs?: number }): Promise<ProbeResult> {
  return new Promise((resolve) => {
    // Connect to the gateway's IP with the hostname in Host: what the CA does after its own DNS lookup.
    const req = request(
      { host: opts.gatewayIp, port: opts.port, path: `/.well-known/acme-challenge/${encodeURIComponent(opts.token)}`, method: 'GET', headers: { host: opts.hostname }, timeout: opts.timeoutMs ?? 10_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < MAX_BODY) body += chunk;
        });
        res.on('end', () => {
          if (res.statusCode !== 200) resolve({ kind: 'missing', status: res.statusCode ?? 0 });
          // RFC 8555 §8.3: the CA compares the body with trailing whitespace removed.
          else resolve(body.trimEnd() === opts.expected ? { kind: 'matches' } : { kind: 'different' });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ kind: 'missing', status: 'unreachable' }));
    req.end();
  });
}
