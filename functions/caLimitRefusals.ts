/**
 * The CA's limits, answered at the starters: 429 with the date (and Retry-After) a request over
 * one of them becomes possible (lib/caLimits.ts). Each run counts again before asking the CA.
 */
import type { HttpResponseInit } from '@azure/functions';
import type * as df from 'durable-functions';
import pLimit from 'p-limit';
import { versionDates } from '../lib/adapters/keyVault';
import { OrderBucket, nextIssuanceAllowed, ordersAvailableAt, ordersMessage, quotaMessage, secondsUntil } from '../lib/caLimits';
import { getConfig } from '../lib/config';
import type { Hostname } from '../lib/hostnames';
import { keyVaultCertificateName } from '../lib/naming';
import { ErrorCodes } from '../lib/status';
import { acmeOrderLedgerId } from '../orchestrators/acmeOrderLedger';
import { errorResponse } from './http';
import { STARTER_READS } from './instanceStatus';

/** 429 AcmeRateLimited with `message`, and Retry-After in whole seconds until `at`. */
function rateLimited(message: string, at: Date, now: Date): HttpResponseInit {
  const response = errorResponse(429, ErrorCodes.AcmeRateLimited, message);
  return { ...response, headers: { ...(response.headers as Record<string, string>), 'Retry-After': String(secondsUntil(at, now)) } };
}

/**
 * 429 with the date another certificate may be issued, when any hostname has used the CA's week
 * (lib/caLimits.ts). Key Vault is read for STARTER_READS hostnames at a time; a read that fails is left to
 * the run, which checks again before ordering, with its retries.
 */
export async function quotaRefusal(hostnames: readonly Hostname[]): Promise<HttpResponseInit | undefined> {
  const config = getConfig();
  const now = new Date();
  const limit = pLimit(STARTER_READS);
  const limits = await Promise.all(
    hostnames.map((hostname) =>
      limit(async () => ({
        hostname,
        next: nextIssuanceAllowed(await versionDates(config, keyVaultCertificateName(hostname)).catch(() => []), now),
      })),
    ),
  );
  const refused = limits.find((l) => l.next !== undefined);
  if (!refused?.next) return undefined;
  return rateLimited(quotaMessage(refused.hostname, refused.next), refused.next, now);
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
  return rateLimited(ordersMessage(count, at), at, now);
}
