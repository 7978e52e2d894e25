/**
 * Invokes HTTP- and timer-triggered functions the way the host would: the request or timer
 * object, an InvocationContext (with a durable client if the function asks for one), and the
 * host's answer to what the handler returns or throws.
 */
import { HttpRequest, HttpResponse } from '@azure/functions';
import type { HttpResponseInit, Timer } from '@azure/functions';
import type { InvocationContexts } from './invocationContext';
import type { HostRuntime } from './runtime';
import { HarnessError, HttpCall, HttpResult } from './types';

export class Triggers {
  constructor(
    private readonly runtime: HostRuntime,
    private readonly contexts: InvocationContexts,
  ) {}

  /** Invokes an HTTP-triggered function the way the host would, with a durable client if it asks for one. */
  async callHttp(functionName: string, call: HttpCall): Promise<HttpResult> {
    const fn = this.runtime.registry.require(functionName);
    if (fn.triggerType !== 'httpTrigger') {
      throw new HarnessError(`Function "${functionName}" is a ${fn.triggerType}, not an HTTP function.`);
    }
    const method = call.method.toUpperCase();
    const methods = (fn.trigger.methods ?? []).map((m) => m.toUpperCase());
    if (methods.length > 0 && !methods.includes(method)) {
      // The host answers 404 when no function matches the route and method.
      return plainResult(404, {}, `DurableHarness: ${functionName} accepts ${methods.join(', ')}, not ${method}.`);
    }
    const headers: Record<string, string> = { ...(call.headers ?? {}) };
    let body: string | undefined;
    if (typeof call.body === 'string') {
      body = call.body;
    } else if (call.body !== undefined) {
      body = JSON.stringify(call.body);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    }
    const url = new URL(call.url);
    const params = call.params ?? matchRoute(fn.trigger.route ?? fn.name, url.pathname) ?? {};
    const request = new HttpRequest({
      method,
      url: call.url,
      body: body === undefined ? undefined : { string: body },
      headers,
      params,
      query: call.query,
    });
    const context = await this.contexts.create(fn);
    let result: unknown;
    try {
      result = await fn.handler(request, context);
    } catch (error) {
      // The host turns an unhandled exception into a bare 500; the message goes to the logs.
      this.runtime.captureLog(fn.name, 'error', `Unhandled exception: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return plainResult(500, {}, '');
    }
    return toHttpResult(result);
  }

  /** Invokes a timer-triggered function (with a durable client if it asks for one). */
  async callTimer(functionName: string, timerInfo?: Partial<Timer>): Promise<unknown> {
    const fn = this.runtime.registry.require(functionName);
    if (fn.triggerType !== 'timerTrigger') {
      throw new HarnessError(`Function "${functionName}" is a ${fn.triggerType}, not a timer function.`);
    }
    const now = this.runtime.timers.now().toISOString();
    const timer: Timer = {
      isPastDue: false,
      schedule: { adjustForDST: true },
      scheduleStatus: { last: now, next: now, lastUpdated: now },
      ...timerInfo,
    };
    const context = await this.contexts.create(fn);
    return fn.handler(timer, context);
  }
}

/** Matches a Functions route template (`orders/{id}`, `{name?}`, `{id:int}`, `{*rest}`) against a path. */
function matchRoute(template: string, pathname: string): Record<string, string> | undefined {
  const path = pathname.replace(/^\/api\//, '').replace(/^\/+|\/+$/g, '');
  const parts = path === '' ? [] : path.split('/');
  const segments = template.replace(/^\/+|\/+$/g, '').split('/');
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] ?? '';
    const part = parts[i];
    const param = /^\{(\*?)([A-Za-z_][\w]*)(?::[^}?]*)?(\?)?\}$/.exec(segment);
    if (param) {
      const [, catchAll, name = '', optional] = param;
      if (catchAll) {
        params[name] = decodeURIComponent(parts.slice(i).join('/'));
        return params;
      }
      if (part === undefined) {
        if (optional) continue;
        return undefined;
      }
      params[name] = decodeURIComponent(part);
    } else if (part === undefined || part.toLowerCase() !== segment.toLowerCase()) {
      return undefined;
    }
  }
  return parts.length <= segments.length ? params : undefined;
}

function plainResult(status: number, headers: Record<string, string>, body: string): HttpResult {
  return {
    status,
    headers,
    body,
    json: () => JSON.parse(body),
  };
}

function isHttpResponseLike(value: unknown): value is HttpResponse {
  return (
    value instanceof HttpResponse ||
    (!!value && typeof value === 'object' && typeof (value as HttpResponse).text === 'function' && (value as HttpResponse).headers instanceof Headers)
  );
}

/** What the host sends back for a handler's HttpResponse or HttpResponseInit. */
async function toHttpResult(result: unknown): Promise<HttpResult> {
  if (result === undefined || result === null) {
    // Assumption: no response object means an empty success; the host's exact code is not pinned here.
    return plainResult(204, {}, '');
  }
  if (typeof result !== 'object') {
    throw new HarnessError('The HTTP response must be an object with optional properties "body", "status", "headers", and "cookies".');
  }
  const response = isHttpResponseLike(result) ? result : new HttpResponse(result as HttpResponseInit);
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    headers[key] = value;
  });
  return plainResult(response.status, headers, await response.text());
}
