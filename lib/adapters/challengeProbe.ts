/**
 * Fetches the challenge file through the gateway the way the CA will, before we answer: a CA's
 * failed validation counts against its limit (Let's Encrypt: 5 per hostname per hour), ours do not.
 */
import { request } from 'node:http';
import { AppError } from '../errors';
import { Outcome, fail } from '../outcome';
import { ErrorCodes } from '../status';

/** A key authorization is ~90 bytes; anything much longer is not our file (RFC 8555 §8.3). */
const MAX_BODY = 8 * 1024;
/** The whole exchange — connect, headers, body — must end within this, whatever the peer does. */
export const PROBE_DEADLINE_MS = 10_000;

export interface ProbeTarget {
  readonly gatewayIp: string;
  readonly port: number;
  readonly hostname: string;
  readonly token: string;
  /** The key authorization the file must hold. */
  readonly expected: string;
  readonly deadlineMs?: number;
}

/** What the gateway answered, or `unreachable` when it did not answer in time or cut the connection. */
type Answer = { readonly status: number; readonly body: string } | { readonly status: 'unreachable' };

function fetchOnce(target: ProbeTarget): Promise<Answer> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (answer: Answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      req.destroy();
      resolve(answer);
    };
    // Connect to the gateway's IP with the hostname in Host: what the CA does after its own DNS lookup.
    const req = request(
      {
        host: target.gatewayIp,
        port: target.port,
        path: `/.well-known/acme-challenge/${encodeURIComponent(target.token)}`,
        method: 'GET',
        headers: { host: target.hostname },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          // More than a key authorization can be: stop reading, it is not our file.
          if (body.length > MAX_BODY) finish({ status: res.statusCode ?? 0, body });
        });
        res.on('end', () => finish({ status: res.statusCode ?? 0, body }));
        // A connection cut mid-body: no 'end' ever comes.
        res.on('aborted', () => finish({ status: 'unreachable' }));
        res.on('error', () => finish({ status: 'unreachable' }));
        res.on('close', () => finish({ status: 'unreachable' }));
      },
    );
    const deadline = setTimeout(() => finish({ status: 'unreachable' }), target.deadlineMs ?? PROBE_DEADLINE_MS);
    req.on('error', () => finish({ status: 'unreachable' }));
    req.end();
  });
}

/**
 * Outcome: ok when the file holds the key authorization; `HostnameOwnershipValidationFileNotFound`
 * or `…NotValid` with the fix otherwise. An unreachable gateway or a 5xx may pass (a restarting
 * instance) and is thrown as retryable.
 */
export async function probeChallengeFile(target: ProbeTarget, pathRuleHint: string): Promise<Outcome> {
  const answer = await fetchOnce(target);
  const url = `http://${target.hostname}/.well-known/acme-challenge/${target.token}`;
  if (answer.status === 'unreachable' || answer.status >= 500) {
    throw new AppError(
      ErrorCodes.HostnameOwnershipValidationFileNotFound,
      `${url} ${answer.status === 'unreachable' ? 'could not be reached' : `answered HTTP ${answer.status}`} through the gateway`,
      true,
    );
  }
  if (answer.status !== 200) {
    // A redirect (typically HTTP→HTTPS on the port-80 listener) sends the CA to an HTTPS listener
    // that does not exist yet on a first issuance: the path rule must answer on port 80 itself.
    const redirect =
      answer.status >= 300 && answer.status < 400
        ? ' It redirects: exclude /.well-known/acme-challenge/* from the HTTP→HTTPS redirect so the path rule answers on port 80.'
        : '';
    return fail(ErrorCodes.HostnameOwnershipValidationFileNotFound, `${url} answered HTTP ${answer.status} through the gateway.${redirect} ${pathRuleHint}`);
  }
  // RFC 8555 §8.3: the CA compares the body with trailing whitespace removed.
  if (answer.body.trimEnd() !== target.expected) {
    return fail(
      ErrorCodes.HostnameOwnershipValidationFileNotValid,
      `${url} is reachable but does not contain the expected key authorization; another rule or backend may be answering that path`,
    );
  }
  return { ok: true };
}
