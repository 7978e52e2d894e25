/**
 * The extension's entity HTTP API, as the durable client calls it over rpcBaseUrl
 * (durable-functions lib/src/durableClient/DurableClient.js: `readEntityState` GETs and
 * `signalEntity` POSTs `entities/{name}/{key}[?op=…]`). Answers as the extension's HttpApiHandler.cs
 * does (HandleGetEntityRequestAsync, HandlePostEntityOperationRequestAsync), with
 * DurableClient.SignalEntityAsyncInternal's checks.
 */
import { entityIdentity, findEntityFunction, newRequestId, requestMessage, schedulerId, unknownEntityMessage } from './entityProtocol';
import type { EntityScheduler } from './entityScheduler';
import type { Registry } from './functionsCore';
import type { EntityIdentity } from './types';
import { errorMessage } from './values';

export interface ApiAnswer {
  status: number;
  /** A JSON body, already serialized. */
  json?: string;
}

/** A client's signal (DurableClient.SignalEntityAsyncInternal): no parent, a new id, input as JSON text. */
export function signalFromClient(scheduler: EntityScheduler, registry: Registry, entity: EntityIdentity, operation: string, input: string | undefined): void {
  if ([...entity.key].some(isInvalidKeyCharacter)) {
    throw new Error("Entity keys must not contain /, \\, #, ?, or control characters. (Parameter 'entityKey')");
  }
  if (!findEntityFunction(registry, entity.name)) throw new Error(unknownEntityMessage(registry, entity.name));
  const request = requestMessage({ op: operation, signal: true, input, id: newRequestId() });
  scheduler.send(schedulerId(entity), { kind: 'request', request });
}

/** DurableClient.IsInvalidCharacter: `/`, `\`, `#`, `?` and control characters (char.IsControl). */
function isInvalidKeyCharacter(c: string): boolean {
  const code = c.charCodeAt(0);
  return c === '/' || c === '\\' || c === '#' || c === '?' || code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

export function serveEntityRoute(
  scheduler: EntityScheduler,
  registry: Registry,
  request: { method: string; name: string; key: string | undefined; query: URLSearchParams; body: string; contentType: string | undefined },
): ApiAnswer {
  const { method, name, key, query, body, contentType } = request;
  try {
    if (method === 'GET') {
      if (!key) return { status: 501, json: JSON.stringify({ message: 'DurableHarness does not implement listing entities.' }) };
      // ReadEntityStateAsync: the entity "exists" for a client when it has a state.
      const state = scheduler.serializedState(schedulerId(entityIdentity(name, key)));
      return state === null ? { status: 404 } : { status: 200, json: state };
    }
    if (method === 'POST' || method === 'DELETE') {
      const entity = entityIdentity(name, key ?? '');
      const operation = method === 'DELETE' ? 'delete' : (query.get('op') ?? '');
      let input: string | undefined;
      if (body !== '') {
        if ((contentType ?? '').split(';')[0]?.trim().toLowerCase() === 'application/json') {
          try {
            input = JSON.stringify(JSON.parse(body));
          } catch (error) {
            return { status: 400, json: JSON.stringify({ Message: `Could not parse JSON content: ${errorMessage(error)}` }) };
          }
        } else {
          // Any other media type is taken as a string input.
          input = JSON.stringify(body);
        }
      }
      signalFromClient(scheduler, registry, entity, operation, input);
      return { status: 202 };
    }
    return { status: 404 };
  } catch (error) {
    // The handler answers an ArgumentException with 400 and its message.
    return { status: 400, json: JSON.stringify({ Message: errorMessage(error) }) };
  }
}
