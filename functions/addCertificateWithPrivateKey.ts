/**
 * POST {"hostnames":[{"hostname","privatekey","certificate","password"?}]}: bind a certificate the
 * user already has. Everything secret is handled here and only here: the body is validated in
 * memory, the certificate claimed for the import's run, the PFX imported into Key Vault, and only
 * then is the orchestration started, with the certificate's name and version as its input.
 * Durable inputs, outputs and histories are stored in the task hub and shown by the status API,
 * so the key and password must never reach them.
 */
import { randomUUID } from 'node:crypto';
import { app, HttpHandler, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { getConfig } from '../lib/config';
import { AppError } from '../lib/errors';
import { importCertificateVersion } from '../lib/adapters/keyVaultImport';
import { keyVaultError } from '../lib/adapters/keyVault';
import { checkCertificateName, startRecovery } from '../lib/adapters/keyVaultNames';
import { deletedMessage } from '../lib/keyVaultFailures';
import { ErrorCodes } from '../lib/status';
import { ValidImport, validateImport } from '../lib/importValidation';
import type { Hostname } from '../lib/hostnames';
import { importInstanceId, keyVaultCertificateName } from '../lib/naming';
import { parseHostnameEntries, parseJsonBody } from '../lib/requests';
import { ImportCertificateInput, Orchestrators } from '../orchestrators/contracts';
import { gatewayTarget } from './gatewayTarget';
import { answerErrors, errorResponse, readBody } from './http';
import { checkStatusResponse } from './managementUrls';
import { claimBeforeStart, conflictFor, releaseClaim, startOrConflict } from './instanceStatus';

export const addCertificateWithPrivateKeyHttpStart: HttpHandler = async (request, context) => {
  const body = await readBody(request);
  if (!body.ok) return body.response;
  const json = parseJsonBody(body.text, request.headers.get('content-type'));
  if (!json.ok) return errorResponse(400, json.code, json.message);
  const entries = parseHostnameEntries(json.value, {
    max: 1,
    exactlyOne: true,
    extraFields: ['privatekey', 'certificate', 'password', 'replace'] as const,
    allowReserved: getConfig().allowReservedHostnames,
  });
  if (!entries.ok) return errorResponse(400, entries.code, entries.message);
  const entry = entries.value[0];
  if (!entry) return errorResponse(400, 'InvalidInput', 'This endpoint takes exactly one hostname');
  const { hostname } = entry;
  const replace = entry.fields.replace;
  if (replace !== undefined && typeof replace !== 'boolean') return errorResponse(400, 'InvalidInput', 'hostnames[0].replace must be true or false');

  const validated = validateImport(
    { hostname, privatekey: entry.fields.privatekey, certificate: entry.fields.certificate, password: entry.fields.password },
    new Date(),
  );
  if (!validated.ok) return errorResponse(400, validated.code, validated.message);

  const client = df.getClient(context);
  // Any of these may own a pending Key Vault operation for this certificate, which the import would cancel.
  const conflict = await conflictFor(client, hostname, true);
  if (conflict) return conflict;

  const certificateName = keyVaultCertificateName(hostname);
  const instanceId = importInstanceId(hostname);
  // The run is claimed before Key Vault is written: an issuance, a renewal or another import that
  // starts meanwhile stops at the claim instead of sharing (or losing) the certificate. The claim is
  // this request's own (a one-off token), which the run takes over.
  const claimToken = `${instanceId}#${randomUUID()}`;
  const claimed = await claimBeforeStart(client, hostname, claimToken);
  if (claimed) return claimed;
  const started = await importAndStart(client, context, { hostname, certificateName, instanceId, claimToken, replace, validated });
  if (!started.ok) await releaseClaim(client, hostname, claimToken);
  return started.response;
};

/** Checks the name, imports into Key Vault and starts the run that binds it; the caller holds the certificate's claim. */
async function importAndStart(
  client: df.DurableClient,
  context: InvocationContext,
  request: { hostname: Hostname; certificateName: string; instanceId: string; claimToken: string; replace: boolean | undefined; validated: ValidImport },
): Promise<{ ok: boolean; response: HttpResponseInit }> {
  const { hostname, certificateName, instanceId, claimToken, replace, validated } = request;
  const config = getConfig();
  const refuse = (response: HttpResponseInit) => ({ ok: false, response });
  let version: string;
  try {
    // Checked before anything is written: a soft-deleted certificate or another owner's name is a 409 with the fix.
    const name = await checkCertificateName(config, certificateName, hostname);
    if (!name.ok) return refuse(errorResponse(409, name.code, name.message));
    if (name.state === 'ours' && name.source === 'acme' && replace !== true) {
      return refuse(
        errorResponse(
          409,
          ErrorCodes.CertificateManagedByAcme,
          `The certificate for ${hostname} is issued and renewed by this app; importing replaces it on the gateway and stops its renewal. Send "replace": true in hostnames[0] to do that`,
        ),
      );
    }
    if (name.state === 'deleted') {
      if (!config.keyVault.recoverDeleted)
        return refuse(errorResponse(409, ErrorCodes.KeyVaultCertificateDeleted, deletedMessage(certificateName, name.scheduledPurgeDate)));
      await startRecovery(config, certificateName);
      return refuse(
        errorResponse(
          409,
          ErrorCodes.KeyVaultCertificateDeleted,
          `Key Vault is recovering the deleted certificate ${certificateName} (KeyVaultRecoverDeletedCertificates is on); POST the same request again in a minute`,
        ),
      );
    }
    ({ version } = await importCertificateVersion(config, certificateName, hostname, validated));
  } catch (error) {
    const coded = error instanceof AppError ? error : keyVaultError('Importing the certificate into Key Vault', error);
    // Only the code and our own message: an SDK error can carry request ids and URLs.
    context.warn(`Import for ${hostname} failed: ${coded.message}`);
    const conflict = coded.code === ErrorCodes.KeyVaultCertificateDeleted || coded.code === ErrorCodes.KeyVaultNameTaken;
    return refuse(errorResponse(conflict ? 409 : coded.retryable ? 503 : 502, coded.code, coded.detail));
  }

  const input: ImportCertificateInput = { hostname, certificateName, version, gateway: gatewayTarget(config), claimToken };
  try {
    const raced = await startOrConflict(client, Orchestrators.ImportCertificate, instanceId, input, `A certificate for ${hostname} is already being imported`);
    if (raced) return refuse(raced);
  } catch {
    context.error(`Imported ${certificateName} version ${version} for ${hostname}, but ${instanceId} could not be started`);
    return refuse(
      errorResponse(
        503,
        'ServiceUnavailable',
        `The certificate is in Key Vault (version ${version}), but binding it could not be started; POST the same request again`,
      ),
    );
  }
  context.log(`Imported ${certificateName} version ${version} for ${hostname}; started ${instanceId}`);
  return { ok: true, response: checkStatusResponse(client, instanceId) };
}

app.http('AddCertificateWithPrivateKeyFunctions_HttpStart', {
  route: 'AddCertificateWithPrivateKeyFunctions_HttpStart',
  methods: ['POST'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: (request, context) => answerErrors(() => addCertificateWithPrivateKeyHttpStart(request, context)),
});
