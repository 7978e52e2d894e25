/**
 * The body of both issuance starters: validate, refuse a hostname whose orchestration is still
 * running (a second ACME order would only burn rate limit), start, answer 202 with the status URLs.
 */
import { HttpRequest, HttpResponse, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { versionDates } from '../lib/adapters/keyVault';
import { OrderBucket, nextIssuanceAllowed, ordersAvailableAt, ordersMessage, quotaMessage, secondsUntil } from '../lib/caLimits';
import { acmeOrderLedgerId } from '../orchestrators/acmeOrderLedger';
import { getConfig } from '../lib/config';
import { ErrorCodes } from '../lib/status';
import type { Hostname } from '../lib/hostnames';
import { batchInstanceId, issuanceInstanceId, keyVaultCertificateName } from '../lib/naming';
import { parseHostnameEntries, parseJsonBody } from '../lib/requests';
import { IssueCertificateInput, IssueCertificatesInput, Orchestrators } from '../orchestrators/contracts';
import { gatewayTarget } from './gatewayTarget';
import { errorResponse, readBody } from './http';
import { checkStatusResponse, managementPayload } from './managementUrls';
import { conflictFor, isInstanceActive, startOrConflict } from './instanceStatus';

/**
 * 429 with the date another certificate may be issued, when any hostname has used the CA's week
 * (lib/caLimits.ts). Key Vault is read for all hostnames at once; a read that fails is left to
 * the run, which checks again before ordering, with its retries.
 */
async function quotaRefusal(hostnames: readonly Hostname[]): Promise<HttpResponseInit | undefined> {
  const config = getConfig();
  const now = new Date();
  const limits = await Promise.all(
    hostnames.map(async (hostname) => ({
      hostname,
      next: nextIssuanceAllowed(await versionDates(config, keyVaultCertificateName(hostname)).catch(() => []), now),
    })),
  );
  const refused = limits.find((l) => l.next !== undefined);
  if (!refused?.next) return undefined;
  const response = errorResponse(429, ErrorCodes.AcmeRateLimited, quotaMessage(refused.hostname, refused.next));
  return { ...response, headers: { ...(response.headers as Record<string, string>), 'Retry-After': String(secondsUntil(refused.next, now)) } };
}

/**
 * 429 when the ACME account's order bucket (lib/caLimits.ts, the AcmeOrderLedger entity) cannot
 * pay for one order per hostname now, with the time it can. Racing starters may both pass: each
 * run takes its orders from the entity before asking the CA, and refuses then.
 */
export async function ordersRefusal(client: df.DurableClient, count: number): Promise<HttpResponseInit | undefined> {
  const now = new Date();
  let bucket: OrderBucket | undefined;
  try {
    const state = await client.readEntityState<OrderBucket>(acmeOrderLedgerId());
    bucket = state.entityExists ? state.entityState : undefined;
  } catch {
    return undefined; // The run counts again, with its retries.
  }
  const at = ordersAvailableAt(bucket, count, now);
  if (at <= now) return undefined;
  const response = errorResponse(429, ErrorCodes.AcmeRateLimited, ordersMessage(count, at));
  return { ...response, headers: { ...(response.headers as Record<string, string>), 'Retry-After': String(secondsUntil(at, now)) } };
}

export async function startIssuance(request: HttpRequest, context: InvocationContext, mode: 'single' | 'multiple'): Promise<HttpResponseInit | HttpResponse> {
  const body = await readBody(request);
  if (!body.ok) return body.response;
  const json = parseJsonBody(body.text, request.headers.get('content-type'));
  if (!json.ok) return errorResponse(400, json.code, json.message);
  const entries = parseHostnameEntries(json.value, {
    max: getConfig().maxHostnamesPerRequest,
    exactlyOne: mode === 'single',
    allowReserved: getConfig().allowReservedHostnames,
  });
  if (!entries.ok) return errorResponse(400, entries.code, entries.message);
  const hostnames: Hostname[] = entries.value.map((e) => e.hostname);

  const client = df.getClient(context);
  for (const hostname of hostnames) {
    const conflict = await conflictFor(client, hostname);
    if (conflict) return conflict;
  }

  // The CA's weekly limit per exact name set, counted before anything is asked of the CA.
  const quota = (await quotaRefusal(hostnames)) ?? (await ordersRefusal(client, hostnames.length));
  if (quota) return quota;

  const instanceId = mode === 'single' ? issuanceInstanceId(hostnames[0] as Hostname) : batchInstanceId(hostnames);
  if (mode === 'multiple' && (await isInstanceActive(client, instanceId))) {
    return errorResponse(409, 'Conflict', 'The same set of hostnames is already being issued', { ...managementPayload(client, instanceId) });
  }
  const gateway = gatewayTarget(getConfig());
  const recoverDeleted = getConfig().keyVault.recoverDeleted;
  const input: IssueCertificateInput | IssueCertificatesInput =
    mode === 'single' ? { hostname: hostnames[0] as Hostname, bind: gateway, recoverDeleted } : { hostnames, gateway, recoverDeleted };
  const raced = await startOrConflict(
    client,
    mode === 'single' ? Orchestrators.IssueCertificate : Orchestrators.IssueCertificates,
    instanceId,
    input,
    mode === 'single' ? `A certificate for ${hostnames[0]} is already being issued` : 'The same set of hostnames is already being issued',
  );
  if (raced) return raced;
  context.log(`Started ${instanceId} for ${hostnames.length} hostname(s)`);
  return checkStatusResponse(client, instanceId);
}
