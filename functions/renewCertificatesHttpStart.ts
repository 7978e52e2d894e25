import { app, HttpRequest, HttpResponseInit, InvocationContext, HttpResponse } from '@azure/functions';
import * as df from 'durable-functions';
import { getConfig } from '../lib/config';
import type { Hostname } from '../lib/hostnames';
import { parseHostnameEntries, parseJsonBody, quoted } from '../lib/requests';
import { RENEWAL_INSTANCE_ID } from '../orchestrators/contracts';
import { answerErrors, errorResponse, readBody } from './http';
import { checkStatusResponse, managementPayload } from './managementUrls';
import { startRenewal } from './startRenewal';
import { ordersRefusal } from './caLimitRefusals';

/** POST {} | {"force":true} | {"hostnames":[{"hostname":"a.example.com"}],"force":true}: renew now. */
export async function renewCertificatesHttpStart(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit | HttpResponse> {
  const body = await readBody(request);
  if (!body.ok) return body.response;
  let force = false;
  let hostnames: Hostname[] | undefined;
  if (body.text.trim() !== '') {
    const json = parseJsonBody(body.text, request.headers.get('content-type'));
    if (!json.ok) return errorResponse(400, json.code, json.message);
    const { force: forceValue, hostnames: list, ...rest } = json.value;
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined) return errorResponse(400, 'InvalidInput', `Unknown field${quoted(unknown)}; accepted: "hostnames", "force"`);
    if (forceValue !== undefined && typeof forceValue !== 'boolean') return errorResponse(400, 'InvalidInput', '"force" must be true or false');
    force = forceValue === true;
    if (list !== undefined) {
      const entries = parseHostnameEntries({ hostnames: list }, { max: getConfig().maxHostnamesPerRequest, allowReserved: getConfig().allowReservedHostnames });
      if (!entries.ok) return errorResponse(400, entries.code, entries.message);
      hostnames = entries.value.map((e) => e.hostname);
    }
  }
  const client = df.getClient(context);
  // A forced or named renewal orders at once: refused while the account's orders cannot pay for it
  // (a plain renewal may have nothing due, and its run counts what it orders).
  if (force || hostnames) {
    const refused = await ordersRefusal(client, Math.max(1, hostnames?.length ?? 1));
    if (refused) return refused;
  }
  if (!(await startRenewal(client, { force, ...(hostnames ? { hostnames } : {}) }))) {
    return errorResponse(409, 'Conflict', 'A renewal is already running; follow it at statusQueryGetUri', {
      ...managementPayload(client, RENEWAL_INSTANCE_ID),
    });
  }
  return checkStatusResponse(client, RENEWAL_INSTANCE_ID);
}

app.http('RenewCertificatesFunctions_HttpStart', {
  route: 'RenewCertificatesFunctions_HttpStart',
  methods: ['POST'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: (request, context) => answerErrors(() => renewCertificatesHttpStart(request, context)),
});
