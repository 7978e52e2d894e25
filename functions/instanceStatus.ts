/** Whether a durable instance is still at work: how every starter refuses to start a duplicate. */
import type { HttpResponseInit } from '@azure/functions';
import type { DurableClient } from 'durable-functions';
import { AppError, settledValue } from '../lib/errors';
import type { Hostname } from '../lib/hostnames';
import { ClaimState, STARTER_CLAIM_MINUTES, holder } from '../lib/certificateClaim';
import { importInstanceId, issuanceInstanceId, keyVaultCertificateName } from '../lib/naming';
import { certificateClaimId } from '../orchestrators/certificateClaimEntity';
import { RENEWAL_INSTANCE_ID } from '../orchestrators/contracts';
import { errorResponse } from './http';
import { managementPayload } from './managementUrls';

const ACTIVE = new Set(['Running', 'Pending', 'ContinuedAsNew', 'Suspended']);

/** How many hostnames a starter looks up at once (its runs in the task hub, its versions in Key Vault). */
export const STARTER_READS = 10;

/**
 * Only "not found" means "not running". Any other failure to read the status throws (the
 * starters answer 503): guessing "not running" could start a second ACME order for a hostname.
 */
export async function isInstanceActive(client: DurableClient, instanceId: string): Promise<boolean> {
  try {
    const status = await client.getStatus(instanceId, { showHistory: false, showInput: false });
    return ACTIVE.has(String(status.runtimeStatus));
  } catch (error) {
    // durable-functions reports an unknown instance as "…replied with HTTP 404 response".
    if (/\b404\b/.test((error as Error).message ?? '')) return false;
    throw new AppError('InternalError', 'Could not read the status of running orchestrations; try again shortly', true);
  }
}

/** The run holding the certificate's claim now, if any (CertificateClaim entity, lib/certificateClaim.ts). */
async function claimHolder(client: DurableClient, hostname: Hostname): Promise<string | undefined> {
  try {
    const state = await client.readEntityState<ClaimState>(certificateClaimId(keyVaultCertificateName(hostname)));
    return state.entityExists ? holder(state.entityState, new Date().toISOString()) : undefined;
  } catch {
    throw new AppError('InternalError', 'Could not read which run holds the certificate; try again shortly', true);
  }
}

/**
 * Starts an orchestration; the durable store refuses an id that is already running (the host's
 * OrchestrationAlreadyExistsException, an HTTP 500 to the client), which a racing starter answers
 * with 409 naming that run — never a 500.
 */
export async function startOrConflict(
  client: DurableClient,
  name: string,
  instanceId: string,
  input: unknown,
  what: string,
): Promise<HttpResponseInit | undefined> {
  try {
    await client.startNew(name, { instanceId, input });
    return undefined;
  } catch (error) {
    if (/already exists/i.test((error as Error).message ?? '') || (await isInstanceActive(client, instanceId))) {
      return errorResponse(409, 'Conflict', `${what}; follow it at statusQueryGetUri and try again when it has finished`, {
        ...managementPayload(client, instanceId),
      });
    }
    throw new AppError('InternalError', `Could not start ${instanceId}; try again shortly`, true);
  }
}

/**
 * A 409 naming the run already working on `hostname` (its issuance or import, and with
 * `includeRenewal` the renewal, which may own the certificate's pending Key Vault operation),
 * with that run's status URLs; undefined when the hostname is free.
 */
export async function conflictFor(client: DurableClient, hostname: Hostname, includeRenewal = false): Promise<HttpResponseInit | undefined> {
  const runs: Array<[string, string]> = [
    [issuanceInstanceId(hostname), `A certificate for ${hostname} is already being issued`],
    [importInstanceId(hostname), `A certificate for ${hostname} is already being imported`],
    ...(includeRenewal ? [[RENEWAL_INSTANCE_ID, 'A renewal is running'] as [string, string]] : []),
  ];
  // The reads are made at once and taken in this order, so the answer (and which failure a failed
  // read gives) is the one reading them one after another gives.
  const [claim, ...active] = await Promise.allSettled([claimHolder(client, hostname), ...runs.map(([id]) => isInstanceActive(client, id))]);
  for (const [i, [id, what]] of runs.entries()) {
    if (settledValue(active[i]!)) {
      return errorResponse(409, 'Conflict', `${what}; follow it at statusQueryGetUri and try again when it has finished`, { ...managementPayload(client, id) });
    }
  }
  // Any other run holding the certificate's claim (a batch child, a renewal's child).
  const holderId = settledValue(claim!);
  if (holderId !== undefined && (await isInstanceActive(client, holderId))) {
    return errorResponse(
      409,
      'Conflict',
      `Another run (${holderId}) is working on the certificate for ${hostname}; follow it at statusQueryGetUri and try again when it has finished`,
      { ...managementPayload(client, holderId) },
    );
  }
  return undefined;
}

/**
 * How long a starter waits for the claim entity to take its signal. An idle task hub polls its
 * queues only every maxQueuePollingInterval (30 s by default, Azure Storage provider), so the
 * first signal after a quiet spell can take that long.
 */
export const CLAIM_WAIT = { timeoutMs: 45_000, firstPollMs: 50, maxPollMs: 1_000 } as const;

/**
 * Claims the certificate of `hostname` under `instanceId` — a one-off token of this request, so that
 * two requests for one hostname cannot both hold it — for the run it will start: the import
 * starter writes Key Vault before it starts its run, and nothing else may work on the certificate
 * meanwhile. The run takes the claim over from the token (ImportCertificateInput.claimToken). A
 * client can only signal an entity, so this signals `claim` and reads the entity's state until the
 * signal was taken. The run claims again as the same instance when
 * it starts (a claim is re-entrant) and releases it when it ends; `releaseClaim` gives it up when
 * the run never starts. Returns undefined when the claim is ours, else the response to send: 409
 * naming the run that holds it, or 503 when the entity did not answer in CLAIM_WAIT.timeoutMs.
 */
export async function claimBeforeStart(client: DurableClient, hostname: Hostname, instanceId: string): Promise<HttpResponseInit | undefined> {
  const entity = certificateClaimId(keyVaultCertificateName(hostname));
  try {
    // A short lease: a starter that dies before its run starts blocks the certificate for minutes, not hours.
    await client.signalEntity(entity, 'claim', { instanceId, now: new Date().toISOString(), leaseMinutes: STARTER_CLAIM_MINUTES });
  } catch {
    throw new AppError('InternalError', 'Could not claim the certificate for this run; try again shortly', true);
  }
  const deadline = Date.now() + CLAIM_WAIT.timeoutMs;
  for (let pause: number = CLAIM_WAIT.firstPollMs; Date.now() < deadline; pause = Math.min(pause * 2, CLAIM_WAIT.maxPollMs)) {
    await new Promise((resolve) => setTimeout(resolve, pause));
    const held = await claimHolder(client, hostname);
    if (held === instanceId) return undefined;
    if (held !== undefined) {
      return errorResponse(
        409,
        'Conflict',
        `Another run (${held}) is working on the certificate for ${hostname}; follow it at statusQueryGetUri and try again when it has finished`,
        { ...managementPayload(client, held) },
      );
    }
  }
  // The signal may still be taken later: give the claim back rather than hold it for CLAIM_HOURS.
  await releaseClaim(client, hostname, instanceId);
  return errorResponse(503, 'ServiceUnavailable', `The certificate for ${hostname} could not be claimed in time; POST the same request again`);
}

/** Gives up a claim taken by `claimBeforeStart` for a run that will not start. Best effort: a claim lapses anyway. */
export async function releaseClaim(client: DurableClient, hostname: Hostname, instanceId: string): Promise<void> {
  try {
    await client.signalEntity(certificateClaimId(keyVaultCertificateName(hostname)), 'release', { instanceId, now: new Date().toISOString() });
  } catch {
    // The claim lapses after CLAIM_HOURS.
  }
}
