/**
 * The body of both issuance starters: validate, refuse a hostname whose orchestration is still
 * running (a second ACME order would only burn rate limit), start, answer 202 with the status URLs.
 */
import { HttpRequest, HttpResponse, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import pLimit from 'p-limit';
import { getConfig } from '../lib/config';
import { settledValue } from '../lib/errors';
import type { Hostname } from '../lib/hostnames';
import { batchInstanceId, issuanceInstanceId } from '../lib/naming';
import { parseHostnameEntries, parseJsonBody } from '../lib/requests';
import { IssueCertificateInput, IssueCertificatesInput, Orchestrators } from '../orchestrators/contracts';
import { gatewayTarget } from './gatewayTarget';
import { errorResponse, readBody } from './http';
import { checkStatusResponse, managementPayload } from './managementUrls';
import { STARTER_READS, conflictFor, isInstanceActive, startOrConflict } from './instanceStatus';
import { ordersRefusal, quotaRefusal } from './caLimitRefusals';

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
  // Reads only, made at once (STARTER_READS hostnames at a time): a run already at work on a
  // hostname, then the CA's weekly limit per exact name set, then the account's orders answer,
  // in that order of precedence; a failed read answers as it would have in that order.
  const limit = pLimit(STARTER_READS);
  const [quota, orders, ...conflicts] = await Promise.allSettled([
    quotaRefusal(hostnames),
    ordersRefusal(client, hostnames.length),
    ...hostnames.map((hostname) => limit(() => conflictFor(client, hostname))),
  ]);
  for (const conflict of conflicts) {
    const refusal = settledValue(conflict);
    if (refusal) return refusal;
  }
  const refusal = settledValue(quota!) ?? settledValue(orders!);
  if (refusal) return refusal;

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
