/**
 * The durable client's side of the extension: the data of a `durableClient` input binding, and
 * a loopback server that speaks the extension's RPC and webhook API, so `startNew`, `getStatus`,
 * `raiseEvent`, `terminate`, `purgeInstanceHistory`, `readEntityState` and `signalEntity` go
 * through the library's real client code (entity routes: entityApi.ts).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveEntityRoute } from './entityApi';
import { DotNetException, errorResponse } from './hostRules';
import type { EntityScheduler } from './entityScheduler';
import { Instance, isTerminal } from './instanceStore';
import type { HostRuntime } from './runtime';
import { HarnessError } from './types';
import { clone, errorMessage, iso } from './values';
import { LOCAL_ORIGIN, RPC_PATH, WEBHOOK_PATH } from './wire';

export type StartInstance = (name: string, instanceId: string, input: unknown) => Instance;

export class ExtensionApi {
  private readonly systemKey = randomBytes(16).toString('base64url');
  private server?: Server;
  private serverStarting?: Promise<void>;
  private port = 0;

  constructor(
    private readonly runtime: HostRuntime,
    private readonly taskHubName: string,
    private readonly startInstance: StartInstance,
    private readonly entities: () => EntityScheduler,
  ) {}

  /** The base URL of the loopback server behind the durable client (starts it if needed). */
  async rpcBaseUrl(): Promise<string> {
    await this.ensureServer();
    return `http://127.0.0.1:${this.port}${RPC_PATH}`;
  }

  /**
   * Points a management URL the client produced (`statusQueryGetUri`, …, on localhost:7071) at the
   * harness's server, which answers the webhook API too, so a test can poll it like a caller would.
   */
  resolveWebhookUrl(uri: string): string {
    if (!this.server) throw new HarnessError('The durable client server is not running; call callHttp or rpcBaseUrl first.');
    const url = new URL(uri);
    return `http://127.0.0.1:${this.port}${url.pathname}${url.search}`;
  }

  /** What the extension puts in a `durableClient` input binding; URL templates as the real host's. */
  async clientBindingData(): Promise<Record<string, unknown>> {
    const rpcBaseUrl = await this.rpcBaseUrl();
    const base = `${LOCAL_ORIGIN}${WEBHOOK_PATH}`;
    const hub = `taskHub=${this.taskHubName}&connection=Storage&code=${this.systemKey}`;
    return {
      taskHubName: this.taskHubName,
      creationUrls: {
        createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?code=${this.systemKey}`,
        createAndWaitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&code=${this.systemKey}`,
      },
      managementUrls: {
        id: 'INSTANCEID',
        statusQueryGetUri: `${base}/instances/INSTANCEID?${hub}`,
        sendEventPostUri: `${base}/instances/INSTANCEID/raiseEvent/{eventName}?${hub}`,
        terminatePostUri: `${base}/instances/INSTANCEID/terminate?reason={text}&${hub}`,
        rewindPostUri: `${base}/instances/INSTANCEID/rewind?reason={text}&${hub}`,
        purgeHistoryDeleteUri: `${base}/instances/INSTANCEID?${hub}`,
        restartPostUri: `${base}/instances/INSTANCEID/restart?${hub}`,
        suspendPostUri: `${base}/instances/INSTANCEID/suspend?reason={text}&${hub}`,
        resumePostUri: `${base}/instances/INSTANCEID/resume?reason={text}&${hub}`,
      },
      baseUrl: base,
      requiredQueryStringParameters: `code=${this.systemKey}`,
      rpcBaseUrl,
      httpBaseUrl: `${rpcBaseUrl}`,
      maxGrpcMessageSizeInBytes: 0,
      grpcHttpClientTimeout: '00:01:40',
    };
  }

  /** Stops the server (after a start in progress, if any). */
  async close(): Promise<void> {
    if (this.serverStarting) await this.serverStarting.catch(() => undefined);
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  private managementPayload(instanceId: string): Record<string, string> {
    const base = `${LOCAL_ORIGIN}${WEBHOOK_PATH}/instances/${encodeURIComponent(instanceId)}`;
    const hub = `taskHub=${this.taskHubName}&connection=Storage&code=${this.systemKey}`;
    return {
      id: instanceId,
      statusQueryGetUri: `${base}?${hub}`,
      sendEventPostUri: `${base}/raiseEvent/{eventName}?${hub}`,
      terminatePostUri: `${base}/terminate?reason={text}&${hub}`,
      purgeHistoryDeleteUri: `${base}?${hub}`,
    };
  }

  private async ensureServer(): Promise<void> {
    if (this.server) return;
    if (this.runtime.closed) throw new HarnessError('The harness is closed.');
    this.serverStarting ??= new Promise<void>((resolve, reject) => {
      const server = createServer((req, res) => {
        this.serveRpc(req, res).catch((error: unknown) => {
          if (!res.headersSent) sendJson(res, 500, { message: errorMessage(error) });
          else res.end();
        });
      });
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        this.port = (server.address() as AddressInfo).port;
        this.server = server;
        resolve();
      });
    });
    await this.serverStarting;
  }

  /** The extension's HTTP API as durable-functions' DurableClient calls it (rpcBaseUrl and webhook paths). */
  private async serveRpc(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const instances = this.runtime.instances;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const body = await readBody(req);
    const method = (req.method ?? 'GET').toUpperCase();
    let path: string;
    if (url.pathname.startsWith(RPC_PATH)) path = url.pathname.slice(RPC_PATH.length);
    else if (url.pathname.startsWith(`${WEBHOOK_PATH}/`)) path = url.pathname.slice(WEBHOOK_PATH.length + 1);
    else return sendJson(res, 404, { message: `Unknown path ${url.pathname}` });
    const segments = path.split('/').map(decodeURIComponent);

    if (segments[0] === 'orchestrators' && method === 'POST' && segments[1]) {
      const name = segments[1];
      const requestedId = segments[2];
      let input: unknown;
      try {
        input = body === '' ? undefined : JSON.parse(body);
      } catch (error) {
        // HandleStartOrchestratorRequestAsync: a JsonReaderException → 400 "Invalid JSON content".
        const invalid = new DotNetException(errorMessage(error), 'Newtonsoft.Json.JsonReaderException', '   at Newtonsoft.Json.JsonTextReader.ParseValue()');
        return sendJson(res, 400, { ...errorResponse(invalid).body, Message: 'Invalid JSON content' });
      }
      let instanceId: string;
      try {
        // DurableClient.StartNewAsync: no id → Guid.NewGuid().ToString("N").
        instanceId = this.startInstance(name, requestedId || randomUUID().replace(/-/g, ''), input).instanceId;
      } catch (error) {
        // The client's checks and DTFx's de-duplication (hostRules.ts), answered by
        // HttpApiHandler.HandleRequestAsync: durable-functions' startNew rejects with "The operation
        // failed with an unexpected status code: <status>. Details: <body>" (DurableClient.js createGenericError).
        if (!(error instanceof DotNetException)) throw error;
        const answer = errorResponse(error);
        return sendJson(res, answer.status, answer.body);
      }
      const payload = this.managementPayload(instanceId);
      return sendJson(res, 202, payload, { Location: payload.statusQueryGetUri ?? '' });
    }

    if (segments[0] === 'entities' && segments[1]) {
      const contentType = req.headers['content-type'];
      const answer = serveEntityRoute(this.entities(), this.runtime.registry, {
        method,
        name: segments[1],
        key: segments[2],
        query: url.searchParams,
        body,
        contentType,
      });
      if (answer.json === undefined) return sendEmpty(res, answer.status);
      res.writeHead(answer.status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(answer.json) });
      res.end(answer.json);
      return;
    }
    if (segments[0] !== 'instances') {
      // Anything else this harness does not emulate.
      return sendJson(res, 501, { message: `DurableHarness does not implement ${method} ${path}.` });
    }
    const instanceId = segments[1] ?? '';
    const operation = segments[2];

    if (instanceId === '') {
      const statuses = instances
        .all()
        .filter((i) => matchesFilter(i, url.searchParams))
        .map((i) => statusJson(i, url.searchParams));
      if (method === 'GET') return sendJson(res, 200, statuses);
      if (method === 'DELETE') {
        let deleted = 0;
        for (const instance of instances.all()) {
          if (isTerminal(instance) && matchesFilter(instance, url.searchParams)) {
            instances.delete(instance.instanceId);
            deleted++;
          }
        }
        return sendJson(res, deleted > 0 ? 200 : 404, { instancesDeleted: deleted });
      }
      return sendJson(res, 405, { message: `${method} not allowed on instances/.` });
    }

    const instance = instances.get(instanceId);
    if (!instance) return sendJson(res, 404, { message: `No instance with ID '${instanceId}' found.` });

    if (operation === undefined && method === 'GET') {
      // The webhook API's codes: 202 while it runs, 200 when completed, 400 failed or terminated.
      const code = instance.runtimeStatus === 'Completed' ? 200 : isTerminal(instance) ? 400 : 202;
      return sendJson(res, code, statusJson(instance, url.searchParams));
    }
    if (operation === undefined && method === 'DELETE') {
      if (!isTerminal(instance)) return sendJson(res, 400, { message: `Instance '${instanceId}' is still ${instance.runtimeStatus}.` });
      instances.delete(instanceId);
      return sendJson(res, 200, { instancesDeleted: 1 });
    }
    if (operation === 'raiseEvent' && method === 'POST' && segments[3]) {
      const accepted = this.runtime.raiseEvent(instance, segments[3], body === '' ? undefined : body);
      return accepted ? sendEmpty(res, 202) : sendJson(res, 410, { message: `Instance '${instanceId}' has already finished.` });
    }
    if (operation === 'terminate' && method === 'POST') {
      if (isTerminal(instance)) return sendJson(res, 410, { message: `Instance '${instanceId}' has already finished.` });
      this.runtime.terminate(instance, url.searchParams.get('reason') ?? '');
      return sendEmpty(res, 202);
    }
    // suspend, resume, rewind, restart.
    return sendJson(res, 501, { message: `DurableHarness does not implement ${operation ?? method} for instances.` });
  }
}

/** An instance as the status API returns it (`showInput`, `showHistory`). */
function statusJson(instance: Instance, query: URLSearchParams): Record<string, unknown> {
  const status: Record<string, unknown> = {
    name: instance.name,
    instanceId: instance.instanceId,
    runtimeStatus: instance.runtimeStatus,
    input: query.get('showInput') === 'false' ? null : (instance.input ?? null),
    customStatus: instance.customStatus ?? null,
    output: instance.output ?? null,
    createdTime: iso(instance.createdTime),
    lastUpdatedTime: iso(instance.lastUpdatedTime),
  };
  if (query.get('showHistory') === 'true') status.history = clone(instance.history);
  return status;
}

function matchesFilter(instance: Instance, query: URLSearchParams): boolean {
  const statuses = query.get('runtimeStatus');
  if (statuses && !statuses.split(',').includes(instance.runtimeStatus)) return false;
  const from = query.get('createdTimeFrom');
  if (from && instance.createdTime < Date.parse(from)) return false;
  const to = query.get('createdTimeTo');
  if (to && instance.createdTime > Date.parse(to)) return false;
  return true;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'Content-Length': 0 });
  res.end();
}
