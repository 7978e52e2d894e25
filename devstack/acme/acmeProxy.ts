/**
 * An HTTPS proxy in front of Pebble that can answer new-order with 429 + Retry-After, as Let's
 * Encrypt does when a rate limit is hit, and that enforces the CSR rules Pebble does not: a CN of
 * more than 64 octets is refused at finalize with `badCSR` "CN was longer than 64 bytes", as
 * Boulder did until 2024 (letsencrypt/boulder csr/csr.go, before commit 412e959) and as RFC 5280's
 * ub-common-name requires. It keeps the Host header, so Pebble builds every URL (and checks every
 * JWS "url", RFC 8555 §6.4) against the proxy's address.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { createServer, request } from 'node:https';
import forge from 'node-forge';
import { AddressInfo } from 'node:net';
import { PemPair, issueServerCert } from '../tls/testCa';

export interface AcmeProxy {
  readonly directoryUrl: string;
  /**
   * Adds RFC 9773 ACME Renewal Information, which Pebble 2.4 lacks: the directory gains
   * `renewalInfo`, and GET {renewalInfo}/{certID} answers `window(certId)` (404 when undefined).
   */
  offerRenewalInfo(window: (certId: string) => { start: Date; end: Date } | undefined): void;
  /** Certificate ids asked for, in order. */
  readonly renewalInfoRequests: string[];
  rateLimitNewOrders(count: number, retryAfterSeconds: number): void;
  readonly rateLimited: number;
  /** Every request that reached the proxy: the app's ACME traffic, for benchmarks. */
  readonly requestCount: number;
  /** The CSRs sent to finalize (PEM), in order. */
  readonly finalizedCsrs: string[];
  /**
   * The next `answers` answers about an order past `ready` (finalize's, or an order read's) say
   * `processing`, without a certificate URL, as a CA still issuing does (RFC 8555 §7.4); with
   * `retryAfter`, each carries that Retry-After header, as given (a number of seconds, or any
   * text), as Let's Encrypt's do (3 s: Boulder wfe2/wfe.go, orderRetryAfter).
   */
  holdProcessing(answers: number, retryAfter?: number | string): void;
  /**
   * The next order to be answered past `ready` fails issuance: from then on every answer about it
   * says `invalid`, with `detail` as its `error` (RFC 8555 §7.1.6: processing → invalid, which is
   * final; §7.1.3 `error`). `undefined` withdraws a failure not yet applied.
   */
  failIssuance(detail: string | undefined): void;
  /** When each answer about an order (finalize or read) was sent (ms, performance.now()), and its status as sent. */
  readonly orderAnswers: { at: number; status: string }[];
  stop(): Promise<void>;
}

/** An upstream answer as the proxy passes it on. */
interface Answer {
  statusCode: number;
  headers: OutgoingHttpHeaders;
  body: Buffer;
}

export async function startAcmeProxy(opts: { ca: PemPair; upstreamDirectoryUrl: string }): Promise<AcmeProxy> {
  const upstream = new URL(opts.upstreamDirectoryUrl);
  let pending = 0;
  let retryAfter = 0;
  let rateLimited = 0;
  let requestCount = 0;
  let renewalWindow: ((certId: string) => { start: Date; end: Date } | undefined) | undefined;
  const renewalInfoRequests: string[] = [];
  const finalizedCsrs: string[] = [];
  const orderAnswers: { at: number; status: string }[] = [];
  let held = 0;
  let heldRetryAfter: number | string | undefined;
  let issuanceFailure: string | undefined;
  /** Orders that failed issuance, by id (the last segment of their URLs), with their error detail. */
  const failedOrders = new Map<string, string>();
  const pems = issueServerCert(opts.ca);
  /** Pebble's answer to `req` (sent with `body`), read whole; `rewrite` may change it before it is passed on. */
  const forwardRewritten = (req: IncomingMessage, res: ServerResponse, body: Buffer, rewrite: (answer: Answer) => void) => {
    const upstreamRequest = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
      const chunks: Buffer[] = [];
      up.on('data', (c: Buffer) => chunks.push(c));
      up.on('end', () => {
        const answer: Answer = { statusCode: up.statusCode ?? 502, headers: { ...up.headers }, body: Buffer.concat(chunks) };
        rewrite(answer);
        delete answer.headers['transfer-encoding'];
        answer.headers['content-length'] = String(answer.body.length);
        res.writeHead(answer.statusCode, answer.headers);
        res.end(answer.body);
      });
    });
    upstreamRequest.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    upstreamRequest.end(body);
  };
  /** An answer about an order (finalize's or a read's), turned `invalid` or `processing` as the test asked. */
  const rewriteOrderAnswer = (url: string) => (answer: Answer) => {
    let order: { status?: unknown; certificate?: string; error?: unknown };
    try {
      order = JSON.parse(answer.body.toString('utf8')) as typeof order;
    } catch {
      order = {};
    }
    // A problem document (a refused finalize, say) is passed on as it came.
    if (answer.statusCode >= 400 || typeof order.status !== 'string') {
      orderAnswers.push({ at: performance.now(), status: '' });
      return;
    }
    const id = url.split('/').pop() ?? '';
    const pastReady = order.status === 'valid' || order.status === 'processing';
    if (issuanceFailure !== undefined && !failedOrders.has(id) && pastReady) {
      failedOrders.set(id, issuanceFailure);
      issuanceFailure = undefined;
    }
    const failure = failedOrders.get(id);
    if (failure !== undefined) {
      order.status = 'invalid';
      delete order.certificate;
      order.error = { type: 'urn:ietf:params:acme:error:serverInternal', detail: failure, status: 500 };
      answer.body = Buffer.from(JSON.stringify(order));
    } else if (held > 0 && pastReady) {
      held -= 1;
      order.status = 'processing';
      delete order.certificate;
      answer.body = Buffer.from(JSON.stringify(order));
      if (heldRetryAfter !== undefined) answer.headers['retry-after'] = String(heldRetryAfter);
    }
    orderAnswers.push({ at: performance.now(), status: order.status as string });
  };
  /** Pebble's answer to this request, passed through; the caller writes (or pipes) the body. */
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const upstreamRequest = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstreamRequest.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    return upstreamRequest;
  };
  const server = createServer({ key: pems.keyPem, cert: pems.certPem }, (req, res) => {
    requestCount += 1;
    if (renewalWindow && req.method === 'GET' && req.url?.startsWith('/renewal-info/')) {
      const certId = decodeURIComponent(req.url.slice('/renewal-info/'.length));
      renewalInfoRequests.push(certId);
      const window = renewalWindow(certId);
      res.writeHead(window ? 200 : 404, { 'Content-Type': 'application/json', 'Retry-After': '21600' });
      res.end(window ? JSON.stringify({ suggestedWindow: { start: window.start.toISOString(), end: window.end.toISOString() } }) : '{}');
      return;
    }
    if (renewalWindow && req.method === 'GET' && req.url === upstream.pathname) {
      // The directory, with renewalInfo added (same origin as the proxy, as a CA would serve it).
      forwardRewritten(req, res, Buffer.alloc(0), (answer) => {
        const dir = JSON.parse(answer.body.toString('utf8')) as Record<string, unknown>;
        dir.renewalInfo = `https://${req.headers.host}/renewal-info`;
        answer.body = Buffer.from(JSON.stringify(dir));
      });
      return;
    }
    if (req.method === 'POST' && req.url === '/order-plz' && pending > 0) {
      pending -= 1;
      rateLimited += 1;
      req.resume();
      res.writeHead(429, { 'Content-Type': 'application/problem+json', 'Retry-After': String(retryAfter) });
      res.end(JSON.stringify({ type: 'urn:ietf:params:acme:error:rateLimited', detail: 'too many new orders recently', status: 429 }));
      return;
    }
    if (req.method === 'POST' && req.url?.startsWith('/finalize-order/')) {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const refusal = checkFinalizeCsr(body, finalizedCsrs);
        if (refusal) {
          res.writeHead(400, { 'Content-Type': 'application/problem+json' });
          res.end(JSON.stringify({ type: 'urn:ietf:params:acme:error:badCSR', detail: refusal, status: 400 }));
          return;
        }
        forwardRewritten(req, res, body, rewriteOrderAnswer(req.url!));
      });
      return;
    }
    if (req.method === 'POST' && req.url?.startsWith('/my-order/')) {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => forwardRewritten(req, res, Buffer.concat(chunks), rewriteOrderAnswer(req.url!)));
      return;
    }
    req.pipe(forward(req, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    directoryUrl: `https://127.0.0.1:${port}${upstream.pathname}`,
    rateLimitNewOrders(count, seconds) {
      pending = count;
      retryAfter = seconds;
    },
    get rateLimited() {
      return rateLimited;
    },
    get requestCount() {
      return requestCount;
    },
    offerRenewalInfo(window) {
      renewalWindow = window;
    },
    renewalInfoRequests,
    finalizedCsrs,
    holdProcessing(answers, retryAfter) {
      held = answers;
      heldRetryAfter = retryAfter;
    },
    failIssuance(detail) {
      issuanceFailure = detail;
    },
    orderAnswers,
    stop: () => new Promise((r) => server.close(() => r())),
  };
}

/** The refusal for a finalize request's CSR (RFC 8555 §7.4: payload `{csr}` in base64url DER), or undefined. */
function checkFinalizeCsr(body: Buffer, seen: string[]): string | undefined {
  try {
    const jws = JSON.parse(body.toString('utf8')) as { payload: string };
    const { csr } = JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8')) as { csr: string };
    const der = Buffer.from(csr, 'base64url');
    const request = forge.pki.certificationRequestFromAsn1(forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary'))));
    seen.push(forge.pki.certificationRequestToPem(request));
    const cn = request.subject.getField('CN')?.value as string | undefined;
    if (cn !== undefined && Buffer.byteLength(cn, 'utf8') > 64) return 'CN was longer than 64 bytes';
    return undefined;
  } catch {
    // Not something this check can read (an EC key forge does not parse): Pebble judges it.
    return undefined;
  }
}
