/**
 * The emulated Application Gateway's data plane: it serves traffic on loopback the way the
 * gateway's current ARM configuration says it would.
 *
 * - `httpPort` stands in for frontend port 80 of the public frontend IP: a request is routed like
 *   the gateway routes it (the listener chosen for the Host header → its rule → the url path map),
 *   and only a path rule for `/.well-known/acme-challenge/*` makes challenge files reachable. The
 *   file is read from the blob container the rule's storage backend stands for.
 * - `httpsPort` stands in for frontend port 443: the certificate is that of the listener chosen for
 *   the SNI name, through its sslCertificate's Key Vault secret id.
 *
 * Listener choice follows the v2 SKU (`chooseRoute` below): rules by priority, first match wins,
 * so a wildcard or basic listener with a lower priority number shadows a specific one.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';

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

/**
 * Host names may use `*` (any characters, dots included: `*.contoso.com` matches
 * `customer1.b2b.contoso.com`) and `?` (one character); case-insensitive (azure-docs
 * articles/application-gateway/multiple-site-overview.md, "Wildcard host names in listener").
 */
function hostMatches(pattern: string, host: string): boolean {
  const re = new RegExp(
    '^' +
      pattern
        .toLowerCase()
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.') +
      '$',
  );
  return re.test(host.toLowerCase());
}

/** Ids of the frontend IP configurations on a public IP: the data plane stands for that address. */
function publicFrontends(gw: Json): Set<string> {
  return new Set(
    items(gw, 'frontendIPConfigurations')
      .filter((f) => f.properties?.publicIPAddress?.id)
      .map((f) => lower(f.id)),
  );
}

/**
 * The rule and listener that take a request for `host` on public frontend port `port`, as a v2
 * gateway chooses: "rule priority defines the order in which listeners are processed" (lowest
 * number first, 1 to 20000), and the first listener that matches — frontend IP and port, then one
 * of its host names, or any host for a basic listener without one — takes the request
 * (azure-docs articles/application-gateway/configuration-listeners.md, "Order of processing
 * listeners"; multiple-site-overview.md). Without priorities (v1, before API 2021-08-01) rules are
 * processed in the order listed. A listener no rule uses serves nothing.
 */
function chooseRoute(gw: Json, port: number, host: string): { listener: Json; rule: Json } | undefined {
  const frontends = publicFrontends(gw);
  const rules = items(gw, 'requestRoutingRules')
    .map((rule, index) => ({ rule, index, priority: typeof rule.properties?.priority === 'number' ? (rule.properties.priority as number) : Infinity }))
    .sort((a, b) => a.priority - b.priority || a.index - b.index);
  for (const { rule } of rules) {
    const listener = byId(gw, 'httpListeners', rule.properties?.httpListener);
    if (!listener) continue;
    const p = listener.properties ?? {};
    if (!frontends.has(lower(p.frontendIPConfiguration?.id))) continue;
    if (byId(gw, 'frontendPorts', p.frontendPort)?.properties?.port !== port) continue;
    const names = hostNamesOf(listener);
    if (names.length === 0 || names.some((h) => hostMatches(h, host))) return { listener, rule };
  }
  return undefined;
}

/** The listener taking `host` on `port`, when it speaks `protocol` (an Http listener on 443 answers no TLS). */
function findListener(gw: Json, protocol: 'Http' | 'Https', port: number, host: string): { listener: Json; rule: Json } | undefined {
  const route = chooseRoute(gw, port, host);
  return route && lower(route.listener.properties?.protocol) === lower(protocol) ? route : undefined;
}

/** Whether `rule` sends the ACME challenge path to a path rule (the storage backend). */
function routesChallenges(gw: Json, rule: Json): boolean {
  if (lower(rule.properties?.ruleType) !== 'pathbasedrouting') return false;
  const map = byId(gw, 'urlPathMaps', rule.properties?.urlPathMap);
  return ((map?.properties?.pathRules as Json[] | undefined) ?? []).some((pr) =>
    ((pr.properties?.paths as string[] | undefined) ?? []).some((p) => lower(p) === ACME_CHALLENGE_PATH),
  );
}

export async function startGatewayDataPlane(opts: {
  host?: string;
  httpPort?: number;
  httpsPort?: number;
  gateway: () => Json;
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
      const route = gw ? findListener(gw, 'Http', 80, hostHeader) : undefined;
      const match = /^\/\.well-known\/acme-challenge\/([^/]+)$/.exec(path);
      if (!route || !match || !routesChallenges(gw, route.rule) || !TOKEN.test(match[1]!)) {
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
    const listener = gw ? findListener(gw, 'Https', 443, servername)?.listener : undefined;
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
      const listener = gw && typeof servername === 'string' ? findListener(gw, 'Https', 443, servername)?.listener : undefined;
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
