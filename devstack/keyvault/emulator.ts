/**
 * A Key Vault data-plane emulator (certificates and secrets) for tests, served over HTTPS so the
 * real `CertificateClient` and `SecretClient` talk to it unchanged.
 *
 * Its shapes follow what the SDK 4.10 sends and what recordings of the real service answer:
 * - Challenge auth: the SDK's first request carries neither token nor body and expects a 401.
 * - `create` with issuer Unknown mints a placeholder version at once: until the merge,
 *   `GET /certificates/{name}` answers that disabled version (no `cer`, no `kid`/`sid`, a `pending`
 *   link). The SDK's `getCertificateOperation` reads the certificate before the operation, so a
 *   404 there would break it. The merge then creates a different, new version.
 * - Create, import and merge answer 409 while an operation is in progress, as the real vault does.
 * Only RSA keys are supported; anything this emulator does not do fails loudly with a 400.
 */
import {
  createHash,
  createPrivateKey,
  generateKeyPair,
  generateKeyPairSync,
  randomBytes,
  X509Certificate,
} from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import forge from 'node-forge';
import { issueServerCert, type PemPair } from '../tls/testCa';

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

export type OperationStatus = 'inProgress' | 'completed' | 'cancelled' | 'failed';

export interface CertificateVersionInfo {
  version: string;
  thumbprintHex: string;
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  tags: Record<string, string>;
}

export interface FaultSpec {
  status: number;
  count: number;
  retryAfterSeconds?: number;
  match?: (method: string, path: string) => boolean;
}

export interface KeyVaultEmulator {
  readonly url: string;
  stop(): Promise<void>;
  /** Test inspection (in-process, not over HTTP). */
  certificateNames(): string[];
  certificateVersions(name: string): CertificateVersionInfo[];
  pendingOperation(name: string): { status: OperationStatus; csrDer: Buffer } | undefined;
  /** The latest enabled version's chain and key, as the App Gateway reads them through the secret. */
  latestCertificateWithKey(name: string): { chainPem: string[]; keyPem: string; version: string } | undefined;
  /** The next `count` authenticated requests matching `match` get `status` (with Retry-After when given). */
  injectFaults(f: FaultSpec): void;
  readonly requests: Array<{ method: string; path: string; status: number }>;
  /** Every private key the vault holds, PEM. */
  privateKeyPems(): string[];
}

export interface KeyVaultEmulatorOptions {
  ca: PemPair;
  host?: string;
  port?: number;
  /** Default `maxresults` of list operations; Key Vault's is 25. Small values test paging cheaply. */
  pageSize?: number;
}

export async function startKeyVaultEmulator(opts: KeyVaultEmulatorOptions): Promise<KeyVaultEmulator> {
  const host = opts.host ?? '127.0.0.1';
  const tlsPair = issueServerCert(opts.ca, { dns: ['localhost'], ips: [host === 'localhost' ? '127.0.0.1' : host] });
  const vault = new Vault(opts.pageSize ?? 25);
  const requests: KeyVaultEmulator['requests'] = [];
  const faults: Array<Required<Omit<FaultSpec, 'retryAfterSeconds'>> & { retryAfterSeconds?: number }> = [];

  const server = https.createServer({ key: tlsPair.keyPem, cert: tlsPair.certPem }, (req, res) => {
    void serve(req, res, vault, faults).then(
      (status) => requests.push({ method: req.method ?? '', path: pathOf(req), status }),
      () => res.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  vault.url = `https://${host}:${port}`;

  return {
    url: vault.url,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        // The SDK keeps connections alive; without this, close() waits for them to time out.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    certificateNames: () => [...vault.certs.values()].map((c) => c.name).sort(),
    certificateVersions: (name) =>
      (vault.cert(name)?.versions ?? []).map((v) => ({
        version: v.version,
        thumbprintHex: sha1(leafDer(v)).toString('hex'),
        serialHex: v.leaf.serialNumber.toLowerCase(),
        notBefore: new Date(v.leaf.validFrom),
        notAfter: new Date(v.leaf.validTo),
        tags: { ...v.tags },
      })),
    pendingOperation: (name) => {
      const op = vault.cert(name)?.pending;
      return op && { status: op.status, csrDer: Buffer.from(op.csrDer) };
    },
    latestCertificateWithKey: (name) => {
      const v = [...(vault.cert(name)?.versions ?? [])].reverse().find((x) => x.enabled);
      return v && { chainPem: v.chainDer.map(derToPem), keyPem: v.keyPem, version: v.version };
    },
    injectFaults: (f) => faults.push({ match: () => true, ...f }),
    privateKeyPems: () =>
      [...vault.certs.values()].flatMap((c) => [...c.versions.map((v) => v.keyPem), ...(c.pending ? [c.pending.keyPem] : [])]),
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP plumbing
// ---------------------------------------------------------------------------------------------

type Wire = { [key: string]: unknown };

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Ctx {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: Wire;
}

/** An error answered in Key Vault's shape: `{ error: { code, message } }`. */
class KvError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly innerCode?: string,
  ) {
    super(message);
  }
}

const CHALLENGE =
  'Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="https://vault.azure.net"';

function pathOf(req: IncomingMessage): string {
  return new URL(req.url ?? '/', 'https://vault').pathname;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, reply: Reply): number {
  const payload = reply.body === undefined ? '' : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    ...reply.headers,
  });
  res.end(payload);
  return reply.status;
}

function errorReply(e: KvError, headers?: Record<string, string>): Reply {
  const error: Wire = { code: e.code, message: e.message };
  if (e.innerCode) error.innererror = { code: e.innerCode };
  return { status: e.status, body: { error }, headers };
}

async function serve(req: IncomingMessage, res: ServerResponse, vault: Vault, faults: FaultSpec[]): Promise<number> {
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

// Key Vault object names: 1-127 characters of 0-9, a-z, A-Z and '-'.
const NAME = '([0-9a-zA-Z-]{1,127})';
type Handler = (vault: Vault, ctx: Ctx, name: string, version: string) => Reply;

// Order matters: `pending`, `policy` and `versions` would otherwise be read as version ids.
const ROUTES: Array<[string, RegExp, Handler]> = [
  ['GET', /^\/certificates\/?$/, (v, c) => v.listCertificates(c)],
  ['POST', new RegExp(`^/certificates/${NAME}/create$`), (v, c, n) => v.createCertificate(n, c.body)],
  ['POST', new RegExp(`^/certificates/${NAME}/import$`), (v, c, n) => v.importCertificate(n, c.body)],
  ['POST', new RegExp(`^/certificates/${NAME}/pending/merge$`), (v, c, n) => v.mergeCertificate(n, c.body)],
  ['GET', new RegExp(`^/certificates/${NAME}/pending$`), (v, _c, n) => v.getOperation(n)],
  ['PATCH', new RegExp(`^/certificates/${NAME}/pending$`), (v, c, n) => v.updateOperation(n, c.body)],
  ['DELETE', new RegExp(`^/certificates/${NAME}/pending$`), (v, _c, n) => v.deleteOperation(n)],
  ['GET', new RegExp(`^/certificates/${NAME}/policy$`), (v, _c, n) => v.getPolicy(n)],
  ['GET', new RegExp(`^/certificates/${NAME}/versions$`), (v, c, n) => v.listVersions(n, c)],
  ['GET', new RegExp(`^/certificates/${NAME}(?:/([0-9a-zA-Z]*))?$`), (v, _c, n, ver) => v.getCertificate(n, ver)],
  ['PATCH', new RegExp(`^/certificates/${NAME}(?:/([0-9a-zA-Z]*))?$`), (v, c, n, ver) => v.updateCertificate(n, ver, c.body)],
  ['PUT', new RegExp(`^/secrets/${NAME}/?$`), (v, c, n) => v.setSecret(n, c.body)],
  ['GET', new RegExp(`^/secrets/${NAME}(?:/([0-9a-zA-Z]*))?$`), (v, c, n, ver) => v.getSecret(n, ver, c.query.get('outContentType'))],
];

function route(vault: Vault, ctx: Ctx): Reply {
  for (const [method, pattern, handler] of ROUTES) {
    const m = method === ctx.method ? pattern.exec(ctx.path) : null;
    if (m) return handler(vault, ctx, m[1] ?? '', m[2] ?? '');
  }
  throw new KvError(
    400,
    'BadParameter',
    `The Key Vault emulator has no route for ${ctx.method} ${ctx.path} (unsupported operation, or a name outside 1-127 of 0-9, a-z, A-Z, -).`,
  );
}

// ---------------------------------------------------------------------------------------------
// The store
// ---------------------------------------------------------------------------------------------

interface CertVersion {
  readonly version: string;
  readonly chainDer: Buffer[]; // leaf first
  readonly leaf: X509Certificate;
  readonly keyPem: string; // PKCS#8
  readonly created: number; // unix seconds, as on the wire
  updated: number;
  enabled: boolean;
  tags: Record<string, string>;
}

interface PendingOperation {
  readonly requestId: string;
  status: OperationStatus;
  statusDetails: string;
  readonly issuerName: string;
  readonly csrDer: Buffer;
  readonly keyPem: string;
  cancellationRequested: boolean;
  target?: string;
  readonly createTags?: Record<string, string>;
  readonly createEnabled?: boolean;
  /** The disabled version the real vault shows while the CSR waits for its merge. */
  readonly placeholder: { version: string; created: number; nbf: number; exp: number };
}

interface CertRecord {
  readonly name: string;
  policy: Wire;
  versions: CertVersion[];
  pending?: PendingOperation;
}

interface SecretVersion {
  readonly version: string;
  readonly value: string;
  readonly contentType?: string;
  readonly created: number;
  readonly enabled: boolean;
  readonly nbf?: number;
  readonly exp?: number;
  readonly tags: Record<string, string>;
}

const PFX = 'application/x-pkcs12';
const PEM = 'application/x-pem-file';
const RECOVERY = { recoveryLevel: 'Recoverable+Purgeable', recoverableDays: 90 };

class Vault {
  url = '';
  // Key Vault names are case-insensitive: keyed by lower case, shown as first written.
  readonly certs = new Map<string, CertRecord>();
  readonly secrets = new Map<string, { name: string; versions: SecretVersion[] }>();

  constructor(private readonly pageSize: number) {}

  cert(name: string): CertRecord | undefined {
    return this.certs.get(name.toLowerCase());
  }

  private requireCert(name: string): CertRecord {
    const rec = this.cert(name);
    if (!rec || (rec.versions.length === 0 && !rec.pending)) {
      throw new KvError(404, 'CertificateNotFound', `A certificate with (name/id) ${name} was not found in this key vault.`);
    }
    return rec;
  }

  private refuseWhilePending(name: string): void {
    const op = this.cert(name)?.pending;
    if (op?.status === 'inProgress') {
      throw new KvError(
        409,
        'Conflict',
        `There is a pending certificate operation for certificate '${name}' (request ${op.requestId}). Merge, cancel or delete it before starting another one.`,
      );
    }
  }

  private record(name: string): CertRecord {
    let rec = this.cert(name);
    if (!rec) {
      rec = { name, policy: {}, versions: [] };
      this.certs.set(name.toLowerCase(), rec);
    }
    return rec;
  }

  // --- certificates -------------------------------------------------------------------------

  /** A key made off the event loop for the next create of `name`. */
  private readonly stashedKeys = new Map<string, string>();
  stashKey(name: string, keyPem: string): void {
    this.stashedKeys.set(name.toLowerCase(), keyPem);
  }

  createCertificate(name: string, body: Wire): Reply {
    if (this.secrets.has(name.toLowerCase())) throw conflictWithSecret(name);
    this.refuseWhilePending(name);
    // A create carries the whole new policy: it replaces the previous one rather than patching it.
    const policy = normalizePolicy(this.url, name, obj(body.policy) ?? {}, undefined);
    const issuerName = str(obj(policy.issuer)?.name) ?? 'Unknown';
    if (issuerName !== 'Unknown' && issuerName !== 'Self') {
      throw new KvError(400, 'BadParameter', `Issuer '${issuerName}' is not supported by the emulator: use 'Unknown' (CSR + merge) or 'Self'.`);
    }
    const rec = this.record(name);
    rec.policy = policy;
    const keyProps = obj(policy.key_props) ?? {};
    const x509 = obj(policy.x509_props) ?? {};
    const previous = rec.versions.at(-1);
    const stashed = this.stashedKeys.get(name.toLowerCase());
    this.stashedKeys.delete(name.toLowerCase());
    const keyPem = keyProps.reuse_key === true && previous ? previous.keyPem : stashed ?? newRsaKeyPem(num(keyProps.key_size) ?? 2048);
    const now = unixNow();
    const attributes = obj(body.attributes);
    const tags = strMap(body.tags);

    if (issuerName === 'Self') {
      const der = selfSignedCertificate(keyPem, x509);
      rec.versions.push(newVersion([der], keyPem, tags ?? {}, bool(attributes?.enabled) ?? true));
      const op: PendingOperation = {
        requestId: randomHex(),
        status: 'completed',
        statusDetails: '',
        issuerName,
        csrDer: buildCsr(keyPem, x509),
        keyPem,
        cancellationRequested: false,
        target: `${this.url}/certificates/${rec.name}`,
        placeholder: { version: randomHex(), created: now, nbf: now, exp: now },
      };
      rec.pending = op;
      return { status: 202, body: this.operationBody(rec, op), headers: this.operationHeaders(rec, op) };
    }

    const validityMonths = num(x509.validity_months) ?? 12;
    const op: PendingOperation = {
      requestId: randomHex(),
      status: 'inProgress',
      statusDetails: 'Pending certificate created. Please Perform Merge to complete the request.',
      issuerName,
      csrDer: buildCsr(keyPem, x509),
      keyPem,
      cancellationRequested: false,
      createTags: tags,
      createEnabled: bool(attributes?.enabled),
      placeholder: { version: randomHex(), created: now, nbf: now - 600, exp: now - 600 + validityMonths * 30 * 86_400 },
    };
    rec.pending = op;
    return { status: 202, body: this.operationBody(rec, op), headers: this.operationHeaders(rec, op) };
  }

  getOperation(name: string): Reply {
    const rec = this.cert(name);
    if (!rec?.pending) throw pendingNotFound(name);
    return { status: 200, body: this.operationBody(rec, rec.pending) };
  }

  updateOperation(name: string, body: Wire): Reply {
    const rec = this.cert(name);
    const op = rec?.pending;
    if (!rec || !op) throw pendingNotFound(name);
    if (body.cancellation_requested === true) {
      if (op.status !== 'inProgress') throw new KvError(403, 'Forbidden', 'Pending status must be in progress to allow update.');
      op.cancellationRequested = true;
      op.status = 'cancelled';
      op.statusDetails = 'Pending certificate cancelled.';
    }
    return { status: 200, body: this.operationBody(rec, op) };
  }

  deleteOperation(name: string): Reply {
    const rec = this.cert(name);
    const op = rec?.pending;
    if (!rec || !op) throw pendingNotFound(name);
    rec.pending = undefined;
    if (rec.versions.length === 0) this.certs.delete(name.toLowerCase());
    return { status: 200, body: this.operationBody(rec, op) };
  }

  mergeCertificate(name: string, body: Wire): Reply {
    const rec = this.cert(name);
    const op = rec?.pending;
    if (!rec || !op) throw pendingNotFound(name);
    if (op.status !== 'inProgress') {
      throw new KvError(400, 'BadParameter', `The pending operation of certificate '${name}' is ${op.status}, not inProgress: nothing to merge.`);
    }
    const x5c = Array.isArray(body.x5c) ? body.x5c : [];
    if (x5c.length === 0) throw new KvError(400, 'BadParameter', 'x5c must contain at least one certificate.');
    const chainDer = x5c.flatMap((entry) => decodeX5cEntry(entry));
    const leaf = new X509Certificate(chainDer[0] as Buffer);
    if (!leaf.checkPrivateKey(createPrivateKey(op.keyPem))) {
      throw new KvError(400, 'BadParameter', 'Public key from x5c parameter does not match the public key of the pending certificate request.');
    }
    const attributes = obj(body.attributes);
    const tags = strMap(body.tags) ?? op.createTags ?? {};
    const version = newVersion(chainDer, op.keyPem, tags, bool(attributes?.enabled) ?? op.createEnabled ?? true);
    rec.versions.push(version);
    op.status = 'completed';
    op.statusDetails = '';
    op.target = `${this.url}/certificates/${rec.name}`;
    return {
      status: 201,
      body: this.certificateBody(rec, version),
      headers: { location: `${this.url}/certificates/${rec.name}?api-version=7.6` },
    };
  }

  importCertificate(name: string, body: Wire): Reply {
    if (this.secrets.has(name.toLowerCase())) throw conflictWithSecret(name);
    this.refuseWhilePending(name);
    const value = str(body.value);
    if (!value) throw new KvError(400, 'BadParameter', 'value is required: a base64 PFX or a PEM text with key and certificates.');
    const wirePolicy = obj(body.policy);
    const { keyPem, chainDer, format } = readImportValue(value, str(body.pwd), str(obj(wirePolicy?.secret_props)?.contentType));
    const existing = this.cert(name);
    const base = existing?.versions.length ? existing.policy : importedPolicy(this.url, name, chainDer[0] as Buffer, keyPem, format);
    // The 4.10 SDK drops `policy` from the import body; a hand-written request may still send one.
    const policy = wirePolicy ? normalizePolicy(this.url, name, wirePolicy, base) : base;
    const rec = this.record(name);
    rec.policy = policy;
    const version = newVersion(chainDer, keyPem, strMap(body.tags) ?? {}, bool(obj(body.attributes)?.enabled) ?? true);
    rec.versions.push(version);
    return { status: 200, body: this.certificateBody(rec, version) };
  }

  getCertificate(name: string, version: string): Reply {
    const rec = this.requireCert(name);
    const op = rec.pending;
    const showPlaceholder = op && op.status !== 'completed' && (!version || version === op.placeholder.version);
    if (showPlaceholder) return { status: 200, body: this.placeholderBody(rec, op) };
    return { status: 200, body: this.certificateBody(rec, this.findVersion(rec, version)) };
  }

  updateCertificate(name: string, version: string, body: Wire): Reply {
    const rec = this.requireCert(name);
    const v = this.findVersion(rec, version);
    const enabled = bool(obj(body.attributes)?.enabled);
    if (enabled !== undefined) v.enabled = enabled;
    const tags = strMap(body.tags);
    if (tags) v.tags = tags;
    if (obj(body.policy)) rec.policy = normalizePolicy(this.url, rec.name, obj(body.policy) ?? {}, rec.policy);
    v.updated = unixNow();
    return { status: 200, body: this.certificateBody(rec, v) };
  }

  getPolicy(name: string): Reply {
    return { status: 200, body: this.requireCert(name).policy };
  }

  listCertificates(ctx: Ctx): Reply {
    const includePending = ctx.query.get('includePending') === 'true';
    const items = [...this.certs.values()]
      .filter((rec) => rec.versions.length > 0 || (includePending && rec.pending))
      .sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()))
      .map((rec) => {
        const latest = rec.versions.at(-1);
        const item: Wire = { id: `${this.url}/certificates/${rec.name}` };
        if (latest) Object.assign(item, { x5t: sha1(leafDer(latest)).toString('base64url'), attributes: versionAttributes(latest) });
        if (latest && Object.keys(latest.tags).length) item.tags = latest.tags;
        return item;
      });
    return this.page(items, ctx, '/certificates');
  }

  listVersions(name: string, ctx: Ctx): Reply {
    const rec = this.requireCert(name);
    const items = rec.versions.map((v) => {
      const item: Wire = {
        id: `${this.url}/certificates/${rec.name}/${v.version}`,
        x5t: sha1(leafDer(v)).toString('base64url'),
        attributes: versionAttributes(v),
      };
      if (Object.keys(v.tags).length) item.tags = v.tags;
      return item;
    });
    return this.page(items, ctx, `/certificates/${rec.name}/versions`);
  }

  // --- secrets ------------------------------------------------------------------------------

  setSecret(name: string, body: Wire): Reply {
    if (this.cert(name)) throw conflictWithSecret(name);
    const value = body.value;
    if (typeof value !== 'string') throw new KvError(400, 'BadParameter', 'value is required and must be a string.');
    const attributes = obj(body.attributes);
    const secret: SecretVersion = {
      version: randomHex(),
      value,
      contentType: str(body.contentType),
      created: unixNow(),
      enabled: bool(attributes?.enabled) ?? true,
      nbf: num(attributes?.nbf),
      exp: num(attributes?.exp),
      tags: strMap(body.tags) ?? {},
    };
    const key = name.toLowerCase();
    const entry = this.secrets.get(key) ?? { name, versions: [] };
    entry.versions.push(secret);
    this.secrets.set(key, entry);
    return { status: 200, body: this.secretBody(entry.name, secret) };
  }

  getSecret(name: string, version: string, outContentType: string | null): Reply {
    const rec = this.cert(name);
    if (rec && rec.versions.length > 0) return this.certificateSecret(rec, version, outContentType);
    const entry = this.secrets.get(name.toLowerCase());
    const secret = version ? entry?.versions.find((s) => s.version === version) : entry?.versions.at(-1);
    if (!entry || !secret) throw new KvError(404, 'SecretNotFound', `A secret with (name/id) ${name} was not found in this key vault.`);
    if (!secret.enabled) throw disabledSecret();
    return { status: 200, body: this.secretBody(entry.name, secret) };
  }

  /** A certificate's secret: its key and chain, PFX or PEM as the policy says (App Gateway reads this). */
  private certificateSecret(rec: CertRecord, version: string, outContentType: string | null): Reply {
    const v = rec.versions.find((x) => x.version === version) ?? (version ? undefined : rec.versions.at(-1));
    if (!v) throw new KvError(404, 'SecretNotFound', `A secret with (name/id) ${rec.name}/${version} was not found in this key vault.`);
    if (!v.enabled) throw disabledSecret();
    if (obj(rec.policy.key_props)?.exportable === false) {
      throw new KvError(403, 'Forbidden', `The key of certificate '${rec.name}' is not exportable (policy key_props.exportable=false).`);
    }
    const policyType = str(obj(rec.policy.secret_props)?.contentType) ?? PFX;
    const contentType = outContentType === PEM ? PEM : policyType;
    const value = contentType === PEM ? [v.keyPem.trim(), ...v.chainDer.map((d) => derToPem(d).trim())].join('\n') + '\n' : toPfxBase64(v.keyPem, v.chainDer);
    const body: Wire = {
      value,
      contentType,
      id: `${this.url}/secrets/${rec.name}/${v.version}`,
      kid: `${this.url}/keys/${rec.name}/${v.version}`,
      managed: true,
      attributes: versionAttributes(v),
    };
    if (Object.keys(v.tags).length) body.tags = v.tags;
    return { status: 200, body };
  }

  // --- wire shapes --------------------------------------------------------------------------

  private findVersion(rec: CertRecord, version: string): CertVersion {
    const v = version ? rec.versions.find((x) => x.version === version) : rec.versions.at(-1);
    if (!v) throw new KvError(404, 'CertificateNotFound', `A certificate with (name/id) ${rec.name}/${version} was not found in this key vault.`);
    return v;
  }

  private certificateBody(rec: CertRecord, v: CertVersion): Wire {
    const body: Wire = {
      id: `${this.url}/certificates/${rec.name}/${v.version}`,
      kid: `${this.url}/keys/${rec.name}/${v.version}`,
      sid: `${this.url}/secrets/${rec.name}/${v.version}`,
      x5t: sha1(leafDer(v)).toString('base64url'),
      cer: leafDer(v).toString('base64'),
      attributes: versionAttributes(v),
      policy: rec.policy,
    };
    if (Object.keys(v.tags).length) body.tags = v.tags;
    if (rec.pending) body.pending = { id: `${this.url}/certificates/${rec.name}/pending` };
    return body;
  }

  private placeholderBody(rec: CertRecord, op: PendingOperation): Wire {
    const p = op.placeholder;
    const body: Wire = {
      id: `${this.url}/certificates/${rec.name}/${p.version}`,
      attributes: { enabled: false, nbf: p.nbf, exp: p.exp, created: p.created, updated: p.created, ...RECOVERY },
      policy: rec.policy,
      pending: { id: `${this.url}/certificates/${rec.name}/pending` },
    };
    if (op.createTags && Object.keys(op.createTags).length) body.tags = op.createTags;
    return body;
  }

  private operationBody(rec: CertRecord, op: PendingOperation): Wire {
    const body: Wire = {
      id: `${this.url}/certificates/${rec.name}/pending`,
      issuer: { name: op.issuerName },
      csr: op.csrDer.toString('base64'),
      cancellation_requested: op.cancellationRequested,
      status: op.status,
      status_details: op.statusDetails,
      request_id: op.requestId,
    };
    if (op.target) body.target = op.target;
    return body;
  }

  private operationHeaders(rec: CertRecord, op: PendingOperation): Record<string, string> {
    return { location: `${this.url}/certificates/${rec.name}/pending?api-version=7.6&request_id=${op.requestId}`, 'retry-after': '10' };
  }

  private secretBody(name: string, s: SecretVersion): Wire {
    const attributes: Wire = { enabled: s.enabled, created: s.created, updated: s.created, ...RECOVERY };
    if (s.nbf !== undefined) attributes.nbf = s.nbf;
    if (s.exp !== undefined) attributes.exp = s.exp;
    const body: Wire = { value: s.value, id: `${this.url}/secrets/${name}/${s.version}`, attributes };
    if (s.contentType !== undefined) body.contentType = s.contentType;
    if (Object.keys(s.tags).length) body.tags = s.tags;
    return body;
  }

  /** Key Vault pages with `maxresults` (default 25) and an opaque `$skiptoken` inside `nextLink`. */
  private page(items: Wire[], ctx: Ctx, path: string): Reply {
    const size = Math.max(1, num(Number(ctx.query.get('maxresults') ?? NaN)) ?? this.pageSize);
    const skip = Number(ctx.query.get('$skiptoken') ?? 0) || 0;
    const nextSkip = skip + size;
    const next = new URLSearchParams({ 'api-version': ctx.query.get('api-version') ?? '', $skiptoken: String(nextSkip), maxresults: String(size) });
    if (ctx.query.get('includePending')) next.set('includePending', ctx.query.get('includePending') ?? '');
    return {
      status: 200,
      body: { value: items.slice(skip, nextSkip), nextLink: nextSkip < items.length ? `${this.url}${path}?${next.toString()}` : null },
    };
  }
}

function newVersion(chainDer: Buffer[], keyPem: string, tags: Record<string, string>, enabled: boolean): CertVersion {
  const now = unixNow();
  return { version: randomHex(), chainDer, leaf: new X509Certificate(chainDer[0] as Buffer), keyPem, created: now, updated: now, enabled, tags };
}

function versionAttributes(v: CertVersion): Wire {
  return {
    enabled: v.enabled,
    nbf: Math.floor(Date.parse(v.leaf.validFrom) / 1000),
    exp: Math.floor(Date.parse(v.leaf.validTo) / 1000),
    created: v.created,
    updated: v.updated,
    ...RECOVERY,
  };
}

function pendingNotFound(name: string): KvError {
  return new KvError(404, 'PendingCertificateNotFound', `Pending certificate not found: ${name}`);
}

function conflictWithSecret(name: string): KvError {
  return new KvError(409, 'Conflict', `'${name}' is already used by a secret or by a certificate's managed secret: certificates and secrets share one namespace.`);
}

function disabledSecret(): KvError {
  return new KvError(403, 'Forbidden', 'Operation get is not allowed on a disabled secret.', 'SecretDisabled');
}

// ---------------------------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------------------------

const SERVER_AND_CLIENT_AUTH = ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'];

/** The policy as the vault stores it: the request's fields over the previous policy over the service defaults. */
function normalizePolicy(url: string, name: string, request: Wire, previous: Wire | undefined): Wire {
  const prev = previous ?? {};
  const keyProps = { exportable: true, kty: 'RSA', key_size: 2048, reuse_key: false, ...obj(prev.key_props), ...defined(obj(request.key_props)) };
  const kty = str(keyProps.kty) ?? 'RSA';
  if (kty !== 'RSA' && kty !== 'RSA-HSM') {
    throw new KvError(400, 'BadParameter', `Key type '${kty}' is not supported: the Key Vault emulator only does RSA keys (use kty RSA).`);
  }
  if (![2048, 3072, 4096].includes(num(keyProps.key_size) ?? 0)) {
    throw new KvError(400, 'BadParameter', `RSA key_size must be 2048, 3072 or 4096 (got ${String(keyProps.key_size)}).`);
  }
  const secretProps = { contentType: PFX, ...obj(prev.secret_props), ...defined(obj(request.secret_props)) };
  if (secretProps.contentType !== PFX && secretProps.contentType !== PEM) {
    throw new KvError(400, 'BadParameter', `secret_props.contentType must be ${PFX} or ${PEM} (got ${String(secretProps.contentType)}).`);
  }
  const x509 = {
    ekus: SERVER_AND_CLIENT_AUTH,
    key_usage: ['digitalSignature', 'keyEncipherment'],
    validity_months: 12,
    basic_constraints: { ca: false },
    ...obj(prev.x509_props),
    ...defined(obj(request.x509_props)),
  } as Wire;
  const sans = obj(x509.sans);
  if (!str(x509.subject) && !(sans && Object.values(sans).some((v) => Array.isArray(v) && v.length > 0))) {
    throw new KvError(400, 'BadParameter', 'The policy needs x509_props.subject or at least one subject alternative name.');
  }
  const issuer = { name: 'Unknown', ...obj(prev.issuer), ...defined(obj(request.issuer)) };
  const now = unixNow();
  return {
    id: `${url}/certificates/${name}/policy`,
    key_props: keyProps,
    secret_props: secretProps,
    x509_props: x509,
    lifetime_actions: request.lifetime_actions ?? prev.lifetime_actions ?? [{ trigger: { lifetime_percentage: 80 }, action: { action_type: 'EmailContacts' } }],
    issuer,
    attributes: { enabled: true, created: num(obj(prev.attributes)?.created) ?? now, updated: now },
  };
}

/** The policy the vault derives from an imported certificate when none is given. */
function importedPolicy(url: string, name: string, leafDerBytes: Buffer, keyPem: string, format: 'pfx' | 'pem'): Wire {
  const leaf = new X509Certificate(leafDerBytes);
  const dnsNames = (leaf.subjectAltName ?? '')
    .split(', ')
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4));
  const bits = createPrivateKey(keyPem).asymmetricKeyDetails?.modulusLength ?? 2048;
  const subject = leaf.subject.split('\n').reverse().join(', ');
  return normalizePolicy(url, name, {
    key_props: { kty: 'RSA', key_size: bits, exportable: true, reuse_key: false },
    secret_props: { contentType: format === 'pem' ? PEM : PFX },
    x509_props: { subject, sans: dnsNames.length ? { dns_names: dnsNames } : {} },
    issuer: { name: 'Unknown' },
  }, undefined);
}

// ---------------------------------------------------------------------------------------------
// Crypto helpers
// ---------------------------------------------------------------------------------------------

function newRsaKeyPemAsync(bits: number): Promise<string> {
  return new Promise((resolve, reject) =>
    generateKeyPair('rsa', { modulusLength: bits }, (error, _publicKey, privateKey) =>
      error ? reject(error) : resolve(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string),
    ),
  );
}

function newRsaKeyPem(bits: number): string {
  // Native key generation: node-forge's pure-JS RSA takes seconds per key.
  return generateKeyPairSync('rsa', { modulusLength: bits }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

function forgeKey(keyPem: string): forge.pki.rsa.PrivateKey {
  return forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
}

const DN_SHORT_NAMES = new Set(['CN', 'C', 'L', 'ST', 'O', 'OU', 'E']);

/** "CN=a.example, O=Org" → forge attributes (no escaped commas: Key Vault subjects rarely need them). */
function subjectAttributes(subject: string): forge.pki.CertificateField[] {
  if (!subject.trim()) return [];
  return subject.split(/,(?=\s*[A-Za-z]+=)/).map((part) => {
    const eq = part.indexOf('=');
    const shortName = part.slice(0, eq).trim().toUpperCase();
    if (eq < 0 || !DN_SHORT_NAMES.has(shortName)) {
      throw new KvError(400, 'BadParameter', `Unsupported subject attribute in '${subject}' (the emulator knows ${[...DN_SHORT_NAMES].join(', ')}).`);
    }
    return { shortName, value: part.slice(eq + 1).trim() };
  });
}

/** The extensions the real vault puts into its CSRs and self-signed certificates. */
function policyExtensions(x509: Wire): object[] {
  const sans = obj(x509.sans) ?? {};
  const altNames = [
    ...strArr(sans.dns_names).map((value) => ({ type: 2, value })),
    ...strArr(sans.emails).map((value) => ({ type: 1, value })),
    ...strArr(sans.uris).map((value) => ({ type: 6, value })),
    ...strArr(sans.ipAddresses).map((ip) => ({ type: 7, ip })),
  ];
  const keyUsage: Wire = { name: 'keyUsage', critical: true };
  for (const usage of strArr(x509.key_usage)) keyUsage[usage] = true;
  const extKeyUsage: Wire = { name: 'extKeyUsage' };
  // forge names the usages it knows (serverAuth…) and takes other usages as dotted OIDs.
  for (const oid of strArr(x509.ekus)) extKeyUsage[forge.pki.oids[oid] ?? oid] = true;
  const extensions: object[] = [keyUsage, extKeyUsage, { name: 'basicConstraints', cA: false }];
  if (altNames.length) extensions.push({ name: 'subjectAltName', altNames });
  return extensions;
}

function buildCsr(keyPem: string, x509: Wire): Buffer {
  const key = forgeKey(keyPem);
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  csr.setSubject(subjectAttributes(str(x509.subject) ?? ''));
  csr.setAttributes([{ name: 'extensionRequest', extensions: policyExtensions(x509) }]);
  csr.sign(key, forge.md.sha256.create());
  return Buffer.from(forge.asn1.toDer(forge.pki.certificationRequestToAsn1(csr)).getBytes(), 'binary');
}

function selfSignedCertificate(keyPem: string, x509: Wire): Buffer {
  const key = forgeKey(keyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = '01' + randomBytes(15).toString('hex');
  cert.validity.notBefore = new Date(Date.now() - 600_000);
  const notAfter = new Date(cert.validity.notBefore);
  notAfter.setUTCMonth(notAfter.getUTCMonth() + (num(x509.validity_months) ?? 12));
  cert.validity.notAfter = notAfter;
  const subject = subjectAttributes(str(x509.subject) ?? '');
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions(policyExtensions(x509));
  cert.sign(key, forge.md.sha256.create());
  return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
}

/**
 * One x5c entry: base64 DER as the REST API documents. The vault also takes base64 of PEM or of
 * base64 text (the SDK's own merge sample sends that), so tolerate those the same way.
 */
function decodeX5cEntry(entry: unknown): Buffer[] {
  if (typeof entry !== 'string') throw new KvError(400, 'BadParameter', 'x5c entries must be base64 strings.');
  const bytes = Buffer.from(entry, 'base64');
  const candidates = bytes[0] === 0x30 ? [bytes] : textToDers(bytes.toString('latin1'));
  return candidates.map((der) => {
    try {
      return new X509Certificate(der).raw;
    } catch {
      throw new KvError(400, 'BadParameter', 'An x5c entry is not a valid X.509 certificate (expected base64 of DER).');
    }
  });
}

function textToDers(text: string): Buffer[] {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g);
  const bodies = blocks ?? [text];
  return bodies.map((b) => Buffer.from(b.replace(/-----(BEGIN|END)[^-]*-----/g, '').replace(/\s+/g, ''), 'base64'));
}

interface ImportedMaterial {
  keyPem: string;
  chainDer: Buffer[];
  format: 'pfx' | 'pem';
}

/** The import `value`: PEM text (key + certificates) or base64 PFX, checked like the vault does. */
function readImportValue(value: string, password: string | undefined, contentType: string | undefined): ImportedMaterial {
  let pemText: string | undefined;
  if (contentType === PEM || value.trimStart().startsWith('-----BEGIN')) pemText = value;
  else {
    const decoded = Buffer.from(value, 'base64');
    if (decoded.toString('latin1').trimStart().startsWith('-----BEGIN')) pemText = decoded.toString('utf8');
    else return checkMaterial({ ...readPfx(decoded, password), format: 'pfx' });
  }
  return checkMaterial({ ...readPem(pemText, password), format: 'pem' });
}

function readPem(text: string, password: string | undefined): { keys: string[]; certs: Buffer[] } {
  const keys: string[] = [];
  const certs: Buffer[] = [];
  for (const block of text.match(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g) ?? []) {
    try {
      if (block.startsWith('-----BEGIN CERTIFICATE-----')) certs.push(new X509Certificate(block).raw);
      else if (/^-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.test(block)) {
        keys.push(createPrivateKey({ key: block, format: 'pem', passphrase: password }).export({ type: 'pkcs8', format: 'pem' }) as string);
      }
    } catch {
      throw new KvError(400, 'BadParameter', 'The specified PEM X.509 certificate content is in an unexpected format. Please check if certificate is in valid PEM format.');
    }
  }
  return { keys, certs };
}

function readPfx(der: Buffer, password: string | undefined): { keys: string[]; certs: Buffer[] } {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(der.toString('binary'));
    p12 = password === undefined ? forge.pkcs12.pkcs12FromAsn1(asn1, false) : forge.pkcs12.pkcs12FromAsn1(asn1, false, password);
  } catch {
    throw new KvError(400, 'BadParameter', 'The specified PKCS#12 X.509 certificate content can not be read. Please check if certificate is in valid PKCS#12 format (or the password is wrong).');
  }
  const certs = (p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag ?? ''] ?? [])
    .flatMap((bag) => (bag.cert ? [Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(bag.cert)).getBytes(), 'binary')] : []));
  const keys = [forge.pki.oids.pkcs8ShroudedKeyBag, forge.pki.oids.keyBag]
    .flatMap((type) => p12.getBags({ bagType: type ?? '' })[type ?? ''] ?? [])
    .flatMap((bag) => (bag.key ? [createPrivateKey(forge.pki.privateKeyToPem(bag.key)).export({ type: 'pkcs8', format: 'pem' }) as string] : []));
  return { keys, certs };
}

/** Exactly one RSA key, and it must belong to one of the certificates: that one is the leaf. */
function checkMaterial(m: { keys: string[]; certs: Buffer[]; format: 'pfx' | 'pem' }): ImportedMaterial {
  const keyPem = m.keys[0];
  if (!keyPem || m.keys.length > 1) throw new KvError(400, 'BadParameter', `The imported ${m.format.toUpperCase()} must contain exactly one private key (found ${m.keys.length}).`);
  if (createPrivateKey(keyPem).asymmetricKeyType !== 'rsa') throw new KvError(400, 'BadParameter', 'The Key Vault emulator only does RSA keys.');
  if (m.certs.length === 0) throw new KvError(400, 'BadParameter', `The imported ${m.format.toUpperCase()} contains no certificate.`);
  const x509s = m.certs.map((d) => new X509Certificate(d));
  const leaf = x509s.find((c) => c.checkPrivateKey(createPrivateKey(keyPem)));
  if (!leaf) throw new KvError(400, 'BadParameter', "The private key does not match the public key of any certificate in the imported content.");
  return { keyPem, chainDer: orderChain(leaf, x509s).map((c) => c.raw), format: m.format };
}

/** Leaf first, then each issuer in turn; anything unrelated keeps its place at the end. */
function orderChain(leaf: X509Certificate, all: X509Certificate[]): X509Certificate[] {
  const chain = [leaf];
  let rest = all.filter((c) => c !== leaf);
  for (let cur = leaf; ; ) {
    const issuer = rest.find((c) => cur.checkIssued(c));
    if (!issuer || issuer.fingerprint256 === cur.fingerprint256) break;
    chain.push(issuer);
    rest = rest.filter((c) => c !== issuer);
    cur = issuer;
  }
  return [...chain, ...rest];
}

function toPfxBase64(keyPem: string, chainDer: Buffer[]): string {
  // No password, like the vault's own PFX secrets; forge still adds the MAC OpenSSL expects.
  const certs = chainDer.map((d) => forge.pki.certificateFromAsn1(forge.asn1.fromDer(d.toString('binary'))));
  const asn1 = forge.pkcs12.toPkcs12Asn1(forgeKey(keyPem), certs, null, { algorithm: '3des' });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary').toString('base64');
}

function derToPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

function leafDer(v: CertVersion): Buffer {
  return v.chainDer[0] as Buffer;
}

function sha1(data: Buffer): Buffer {
  return createHash('sha1').update(data).digest();
}

// ---------------------------------------------------------------------------------------------
// Small helpers for untyped wire JSON
// ---------------------------------------------------------------------------------------------

function randomHex(): string {
  return randomBytes(16).toString('hex');
}

function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

function obj(v: unknown): Wire | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Wire) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function bool(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

function strArr(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function strMap(v: unknown): Record<string, string> | undefined {
  const o = obj(v);
  return o && Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** Drops undefined and null fields, so `{...defaults, ...defined(request)}` keeps the defaults. */
function defined(o: Wire | undefined): Wire {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined && v !== null));
}
