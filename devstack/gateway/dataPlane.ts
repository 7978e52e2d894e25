/**
 * The emulated Application Gateway's data plane: it serves traffic on loopback the way the
 * gateway's current ARM configuration says it would.
 *
 * - `httpPort` stands in for frontend port 80: a request is routed like the gateway routes it
 *   (Http listener for the Host header → its rule → the url path map), and only a path rule for
 *   `/.well-known/acme-challenge/*` makes challenge files reachable. The file is read from the
 *   blob container the rule's storage backend stands for.
 * - `httpsPort` stands in for frontend port 443: the certificate is chosen by SNI from the Https
 *   listener for that host name, through its sslCertificate's Key Vault secret id.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export interface GatewayDataPlane {
  readonly httpPort: number;
  readonly httpsPort: number;
  stop(): Promise<void>;
}

export const ACME_CHALLENGE_PATH = '/.well-known/acme-challenge/*';

/** RFC 8555 §8.3: the token is base64url, so anything else cannot be a challenge file. */
const TOKEN = /^[A-Za-z0-9_-]+$/;

const lower = (s: unknown): string => String(s ?? '').toLowerCase();

function items(gw: Json, collection: string): Json[] {
  return (gw?.properties?.[collection] as Json[] | undefined) ?? [];
}

function byId(gw: Json, collection: string, ref: Json): Json | undefined {
  if (!ref?.id) return undefined;
  return items(gw, collection).find((i) => lower(i.id) === lower(ref.id));
}

function hostNamesOf(listener: Json): string[] {
  const p = listener.properties ?? {};
  if (Array.isArray(p.hostNames) && p.hostNames.length > 0) return p.hostNames as string[];
  return p.hostName ? [p.hostName as string] : [];
}

/** Application Gateway host names may use `*` and `?` wildcards (multi-site listeners). */
function hostMatches(pattern: string, host: string): boolean {
  const re = new RegExp(
    '^' + pattern.toLowerCase().replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$',
  );
  return re.test(host.toLowerCase());
}

/**
 * The listener on `frontendPortNumber` that takes a request for `host`: a multi-site listener
 * whose host names match wins over a basic one (no host name), as on the real gateway.
 */
function findListener(gw: Json, protocol: 'Http' | 'Https', frontendPortNumber: number, host: string): Json | undefined {
  const candidates = items(gw, 'httpListeners').filter(
    (l) =>
      lower(l.properties?.protocol) === lower(protocol) &&
      byId(gw, 'frontendPorts', l.properties?.frontendPort)?.properties?.port === frontendPortNumber,
  );
  const multiSite = candidates.find((l) => hostNamesOf(l).some((h) => hostMatches(h, host)));
  return multiSite ?? candidates.find((l) => hostNamesOf(l).length === 0);
}

function ruleFor(gw: Json, listener: Json): Json | undefined {
  return items(gw, 'requestRoutingRules').find((r) => lower(r.properties?.httpListener?.id) === lower(listener.id));
}

/** Whether the routing for `listener` sends the ACME challenge path to a path rule (the storage backend). */
function routesChallenges(gw: Json, listener: Json): boolean {
  const rule = ruleFor(gw, listener);
  if (!rule || lower(rule.properties?.ruleType) !== 'pathbasedrouting') return false;
  const map = byId(gw, 'urlPathMaps', rule.properties?.urlPathMap);
  return ((map?.properties?.pathRules as Json[] | undefined) ?? []).some((pr) =>
    ((pr.properties?.paths as string[] | undefined) ?? []).some((p) => lower(p) === ACME_CHALLENGE_PATH),
  );
}

export async function startGatewayDataPlane(opts: {
  host?: string;
  httpPort?: number;
  httpsPort?: number;
  gateway: () => any;
  challengeBlobBaseUrl: string;
  challengeBlobPrefix?: string;
  resolveSecret: (secretId: string) => Promise<{ chainPem: string[]; keyPem: string } | undefined>;
}): Promise<GatewayDataPlane> {
  const host = opts.host ?? '127.0.0.1';
  const base = opts.challengeBlobBaseUrl.replace(/\/+$/, '');
  const prefix = opts.challengeBlobPrefix ?? '';

  const httpServer = http.createServer((req, res) => {
    const reply = (status: number, body: string): void => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(body);
    };
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://gateway.invalid').pathname;
      const hostHeader = (req.headers.host ?? '').replace(/:\d+$/, '');
      const gw = opts.gateway();
      const listener = gw ? findListener(gw, 'Http', 80, hostHeader) : undefined;
      const match = /^\/\.well-known\/acme-challenge\/([^/]+)$/.exec(path);
      if (!listener || !match || !routesChallenges(gw, listener) || !TOKEN.test(match[1]!)) {
        reply(404, 'Not Found\n');
        return;
      }
      const blob = await fetch(`${base}/${prefix}${match[1]}`);
      if (blob.status === 404) {
        reply(404, 'Not Found\n');
      } else if (!blob.ok) {
        // What the real gateway answers when the backend misbehaves.
        reply(502, `Bad Gateway: blob answered ${blob.status}\n`);
      } else {
        reply(200, await blob.text());
      }
    })().catch((err: unknown) => {
      if (!res.headersSent) reply(502, `Bad Gateway: ${(err as Error)?.message ?? String(err)}\n`);
      else res.end();
    });
  });

  // Secure contexts are cached by secret id and content hash, never by name alone: the real
  // gateway polls Key Vault for a new version of a versionless secret id about every 4 hours,
  // but tests want the newest version served at once, so the secret is resolved per handshake.
  const contexts = new Map<string, tls.SecureContext>();
  async function contextFor(servername: string): Promise<tls.SecureContext> {
    const gw = opts.gateway();
    const listener = gw ? findListener(gw, 'Https', 443, servername) : undefined;
    if (!listener) {
      throw new Error(`no Https listener for ${servername}`);
    }
    const cert = byId(gw, 'sslCertificates', listener.properties?.sslCertificate);
    const secretId: unknown = cert?.properties?.keyVaultSecretId;
    if (typeof secretId !== 'string') throw new Error(`listener ${listener.name} has no Key Vault certificate`);
    const secret = await opts.resolveSecret(secretId);
    if (!secret) throw new Error(`secret ${secretId} not found`);
    const hash = createHash('sha256').update(secret.chainPem.join('\n')).update('\0').update(secret.keyPem).digest('hex');
    const cacheKey = `${secretId}#${hash}`;
    let ctx = contexts.get(cacheKey);
    if (!ctx) {
      ctx = tls.createSecureContext({ cert: secret.chainPem.join('\n'), key: secret.keyPem });
      contexts.set(cacheKey, ctx);
    }
    return ctx;
  }

  const httpsServer = https.createServer(
    {
      SNICallback: (servername, cb) => {
        contextFor(servername).then(
          (ctx) => cb(null, ctx),
          (err: Error) => cb(err),
        );
      },
    },
    (req, res) => {
      const servername = (req.socket as tls.TLSSocket).servername;
      const gw = opts.gateway();
      const listener = gw && typeof servername === 'string' ? findListener(gw, 'Https', 443, servername) : undefined;
      res.writeHead(listener ? 200 : 421, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(listener ? `listener ${listener.name} for ${servername}\n` : 'Misdirected Request\n');
    },
  );
  // A failed handshake (unknown name) is the expected outcome, not a server error.
  httpsServer.on('tlsClientError', () => undefined);

  const listen = (server: http.Server | https.Server, port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
    });
  const httpPort = await listen(httpServer, opts.httpPort ?? 0);
  const httpsPort = await listen(httpsServer, opts.httpsPort ?? 0).catch(async (err: unknown) => {
    httpServer.close();
    throw err;
  });

  const close = (server: http.Server | https.Server): Promise<void> =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    httpPort,
    httpsPort,
    async stop() {
      await Promise.all([close(httpServer), close(httpsServer)]);
    },
  };
}
