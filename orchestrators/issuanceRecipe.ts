/**
 * One hostname, from DNS check to a certificate version in Key Vault. A generator shared by the
 * single-hostname orchestration (which then binds the gateway itself) and by each child of a
 * batch or renewal (whose parent binds all of them at once). Deterministic: no I/O, no clock, no env.
 */
import type { OrchestrationContext } from 'durable-functions';
import { Activities, ActivityOutput, GatewayAddresses, Http01Challenge } from '../lib/activityContracts';
import type { Hostname } from '../lib/hostnames';
import { keyVaultCertificateName } from '../lib/naming';
import { toCodedFailure } from '../lib/errors';
import { deletedFailure } from '../lib/keyVaultFailures';
import { Outcome, fail } from '../lib/outcome';
import { ErrorCodes, Steps, StepName } from '../lib/status';
import type { IssuanceResult } from './contracts';
import { certificateClaimId } from './certificateClaimEntity';
import { CLEANUP_RETRY, NO_RETRY, Step, TypedTask, activity, alongside, call, claimCertificate, log, reserveOrders, sleep, wait } from './durableCalls';
import { ordersMessage, secondsUntil } from '../lib/caLimits';

export type Report = (step: Exclude<StepName, 'Failed'>, message: string) => void;

/**
 * Order polling: 1 s doubling to 30 s, at most 20 polls (~8 min at this pace); Let's Encrypt
 * validates in seconds. A CA's longer Retry-After on a pending or processing order (RFC 8555 §7.4)
 * is honoured, up to `maxRetryAfterSeconds` a wait, which can stretch the 20 polls to ~100 min.
 */
export const ORDER_POLL = { firstSeconds: 1, maxSeconds: 30, maxPolls: 20, maxRetryAfterSeconds: 300 } as const;
/** Recovering a soft-deleted certificate takes seconds in Key Vault; checked every 5 s for up to 5 minutes. */
export const RECOVERY_POLL = { everySeconds: 5, maxChecks: 60 } as const;
/** A transient failure to create an order (a thrown activity) is retried: 5 attempts, 5 s doubling, as TRANSIENT_RETRY. */
export const ORDER_ATTEMPTS = 5;
const ORDER_RETRY_FIRST_SECONDS = 5;
/** A rate limit is waited out on a durable timer if it lifts within an hour, at most twice. */
export const RATE_LIMIT = { maxWaitSeconds: 3600, maxWaits: 2 } as const;

type OrderStatus = ActivityOutput<'checkOrderStatus'>;

/**
 * Reads the order until its status is one of `until`: after `firstWaitSeconds` on a durable timer
 * (at once when not given), then on doubling timers, each at least the CA's Retry-After; no wait
 * is longer than ORDER_POLL.maxRetryAfterSeconds.
 */
function* pollOrder(context: OrchestrationContext, orderUrl: string, until: readonly string[], firstWaitSeconds?: number): Step<OrderStatus> {
  let wait = firstWaitSeconds;
  let delay: number = ORDER_POLL.firstSeconds;
  for (let poll = 0; poll < ORDER_POLL.maxPolls; poll += 1) {
    if (wait !== undefined) yield* sleep(context, Math.min(wait, ORDER_POLL.maxRetryAfterSeconds));
    const status = yield* call(context, Activities.checkOrderStatus, { orderUrl });
    if (!status.ok || until.includes(status.status)) return status;
    wait = Math.max(delay, status.retryAfterSeconds ?? 0);
    delay = Math.min(delay * 2, ORDER_POLL.maxSeconds);
  }
  return fail(ErrorCodes.AcmeOrderTimedOut, `The CA did not finish the order within ${ORDER_POLL.maxPolls} polls; it may be overloaded. Try again later.`);
}

/**
 * The Key Vault name must be able to take a version for this hostname before the CA is asked
 * anything: a soft-deleted certificate or a secret of that name would otherwise make the run fail
 * after a validation was spent. A soft-deleted one is recovered when the setting allows.
 * `first` is the answer of the check the run already made.
 */
function* settleKeyVaultName(
  context: OrchestrationContext,
  hostname: Hostname,
  certificateName: string,
  first: ActivityOutput<'checkKeyVaultName'>,
  recoverDeleted: boolean,
  report: Report,
): Step<Outcome> {
  let name = first;
  if (!name.ok || name.state !== 'deleted') return name;
  if (!recoverDeleted) return deletedFailure(certificateName, name.scheduledPurgeDate);
  report(Steps.CheckKeyVaultName, `Recovering the deleted Key Vault certificate ${certificateName}`);
  const started = yield* call(context, Activities.recoverKeyVaultCertificate, { certificateName });
  if (!started.ok) return started;
  for (let checks = 0; checks < RECOVERY_POLL.maxChecks; checks += 1) {
    yield* sleep(context, RECOVERY_POLL.everySeconds);
    name = yield* call(context, Activities.checkKeyVaultName, { hostname, certificateName });
    // Until the recovered certificate is readable again the name looks free; Key Vault still refuses a create then.
    if (!name.ok || name.state === 'ours') return name;
  }
  return fail(
    ErrorCodes.KeyVaultCertificateDeleted,
    `Key Vault did not finish recovering ${certificateName} within ${(RECOVERY_POLL.everySeconds * RECOVERY_POLL.maxChecks) / 60} minutes; try again later`,
  );
}

/**
 * One new order from the account's bucket (the CA's New Orders per Account limit, counted before
 * asking it: lib/caLimits.ts), then the order itself (RFC 8555 §7.4).
 */
function* newOrder(context: OrchestrationContext, hostname: Hostname): Step<ActivityOutput<'createAcmeOrder'>> {
  for (let attempt = 1; ; attempt += 1) {
    const reserved = yield* reserveOrders(context, 1);
    if (!reserved.granted) {
      const at = new Date(reserved.retryAt);
      return fail(ErrorCodes.AcmeRateLimited, ordersMessage(1, at), secondsUntil(at, context.df.currentUtcDateTime));
    }
    try {
      // One order taken per attempt: an attempt whose answer was lost may have created an order at the CA.
      return yield* call(context, Activities.createAcmeOrder, { hostname }, NO_RETRY);
    } catch (error) {
      if (attempt >= ORDER_ATTEMPTS) throw error;
      yield* sleep(context, ORDER_RETRY_FIRST_SECONDS * 2 ** (attempt - 1));
    }
  }
}

/** RFC 8555 §7.4: a new order, waiting out a short rate limit (the CA's or our own count of it) on durable timers. */
function* createOrder(context: OrchestrationContext, hostname: Hostname, report: Report): Step<ActivityOutput<'createAcmeOrder'>> {
  let order = yield* newOrder(context, hostname);
  for (let waits = 0; !order.ok && order.code === ErrorCodes.AcmeRateLimited && waits < RATE_LIMIT.maxWaits; waits += 1) {
    const after = order.retryAfterSeconds;
    if (after === undefined || after > RATE_LIMIT.maxWaitSeconds) break;
    report(Steps.GetAcmeOrder, `The CA is rate limiting; waiting ${after} s before trying again`);
    yield* sleep(context, Math.max(after, 1));
    order = yield* newOrder(context, hostname);
  }
  if (!order.ok && order.code === ErrorCodes.AcmeRateLimited && order.retryAfterSeconds !== undefined) {
    const at = new Date(context.df.currentUtcDateTime.getTime() + order.retryAfterSeconds * 1000);
    const when = Number.isNaN(at.getTime()) ? `in ${order.retryAfterSeconds} s` : `after ${at.toISOString()}`;
    return fail(order.code, `${order.message} Try again ${when}.`, order.retryAfterSeconds);
  }
  return order;
}

/**
 * Clean-up after validation, on every path; its own failures never hide the real outcome.
 * `abandoned`: the run ended before the CA validated, so its authorizations are still pending.
 * `started`: the deletion, when it was started alongside finalization. Returns a warning for the
 * user when the files could not be deleted.
 */
function* cleanUp(
  context: OrchestrationContext,
  hostname: Hostname,
  pending: readonly Http01Challenge[],
  abandoned: boolean,
  report: Report,
  started?: TypedTask<ActivityOutput<'deleteChallengeFiles'>>,
): Step<string | undefined> {
  if (pending.length === 0) return undefined;
  if (abandoned) {
    // RFC 8555 §7.5.2: an abandoned authorization is deactivated rather than left pending at the
    // CA (Let's Encrypt counts pending authorizations per account). Best effort: the CA expires it anyway.
    try {
      yield* call(context, Activities.deactivateAuthorizations, { authorizationUrls: pending.map((c) => c.authorizationUrl) });
    } catch {
      log(context, `${hostname}: could not deactivate the abandoned authorization(s); the CA will expire them`);
    }
  }
  if (!started) report(Steps.DeleteValidationFileFromBlobStorage, 'Deleting the validation file');
  let deleted: boolean;
  try {
    // Started alongside finalization once the CA had validated, or made now.
    deleted = (yield* wait(started ?? activity(context, Activities.deleteChallengeFiles, { tokens: pending.map((f) => f.token) }, CLEANUP_RETRY))).ok;
  } catch {
    deleted = false;
  }
  if (deleted) return undefined;
  const warning = `The validation file(s) ${pending.map((f) => f.token).join(', ')} could not be deleted from Blob Storage; delete them by hand`;
  log(context, `${hostname}: ${warning}`);
  return warning;
}

/** The gateway's public addresses, read once by a parent for all its children; a failure for good is a value. */
export function* readGatewayAddresses(context: OrchestrationContext): Step<Outcome<{ gatewayAddresses: GatewayAddresses }>> {
  try {
    const read = yield* call(context, Activities.getGatewayPublicIp, {});
    return read.ok ? { ok: true, gatewayAddresses: { ip: read.ip, addresses: read.addresses } } : read;
  } catch (error) {
    return { ok: false, ...toCodedFailure(error) };
  }
}

/**
 * One run per certificate: the claim is taken before any work and released on every way out, so
 * an issuance, a batch child, a renewal and an import never work on one certificate at once.
 */
export function* issueOneCertificate(
  context: OrchestrationContext,
  hostname: Hostname,
  report: Report,
  recoverDeleted = false,
  gatewayAddresses?: GatewayAddresses,
): Step<IssuanceResult> {
  const certificateName = keyVaultCertificateName(hostname);
  const entity = certificateClaimId(certificateName);
  const claimed = yield* claimCertificate(context, entity);
  if (!claimed.granted) {
    return fail(
      ErrorCodes.CertificateBusy,
      `Another run (${claimed.heldBy}) is working on the certificate for ${hostname}; follow it, or try again once it has ended (at the latest ${claimed.until})`,
    );
  }
  try {
    return yield* issueClaimed(context, hostname, certificateName, report, recoverDeleted, gatewayAddresses);
  } finally {
    context.df.signalEntity(entity, 'release', { instanceId: context.df.instanceId, now: context.df.currentUtcDateTime.toISOString() });
  }
}

function* issueClaimed(
  context: OrchestrationContext,
  hostname: Hostname,
  certificateName: string,
  report: Report,
  recoverDeleted: boolean,
  known: GatewayAddresses | undefined,
): Step<IssuanceResult> {
  // The Key Vault name does not depend on the gateway's address (unless a parent read it for all
  // its children) or on the DNS check that needs it: it is read while they run (CheckKeyVaultNameStep
  // is shown only when the name needs work: a deleted certificate recovered). Every way out waits
  // for it, so that no activity of the run outlives it.
  const checkName = activity(context, Activities.checkKeyVaultName, { hostname, certificateName });
  let name: ActivityOutput<'checkKeyVaultName'> | undefined;
  let ip: ActivityOutput<'getGatewayPublicIp'>;
  let dns: ActivityOutput<'checkDnsResolution'>;
  try {
    if (known) {
      report(Steps.GetApplicationGatewayPublicIp, `Checking the Key Vault name; the gateway's address ${known.ip} was read for the whole run`);
      ip = { ok: true, ...known };
    } else {
      report(Steps.GetApplicationGatewayPublicIp, 'Reading the Application Gateway public IP and checking the Key Vault name');
      ip = yield* alongside(context, activity(context, Activities.getGatewayPublicIp, {}), checkName);
      if (!ip.ok) return ip;
    }

    report(Steps.CheckDnsResolution, `Checking that ${hostname} resolves to ${ip.ip}`);
    const checkDns = activity(context, Activities.checkDnsResolution, { hostname, gatewayIp: ip.ip, gatewayAddresses: ip.addresses });
    // A task already in a Task.any is read alone (durable-js#574): only a new one joins another.
    dns = yield* known ? alongside(context, checkDns, checkName) : wait(checkDns);
    if (!dns.ok) return dns;
    name = yield* wait(checkName);
  } finally {
    if (name === undefined) {
      try {
        yield* wait(checkName);
      } catch {
        // The run already ends with the address's or the DNS check's failure (or its own error).
      }
    }
  }

  const named = yield* settleKeyVaultName(context, hostname, certificateName, name, recoverDeleted, report);
  if (!named.ok) return named;

  // The Key Vault CSR starts with the answer to the CA (issueOrdered) and runs while the CA
  // validates. A run that ends before reading it still waits for it, so no Key Vault work outlives
  // the certificate's claim; a pending CSR it leaves is reused by the next run (createKeyVaultCsr is idempotent).
  const csr: KeyVaultCsr = {};
  try {
    return yield* issueOrdered(context, hostname, certificateName, ip.ip, dns.reachable, report, csr);
  } finally {
    if (csr.task && !csr.read) {
      try {
        yield* wait(csr.task);
      } catch {
        log(context, `${hostname}: the Key Vault CSR failed as well; the next run makes it again`);
      }
    }
  }
}

/** The Key Vault CSR of a run: the task once started, and its result once read. */
interface KeyVaultCsr {
  task?: TypedTask<ActivityOutput<'createKeyVaultCsr'>>;
  read?: ActivityOutput<'createKeyVaultCsr'>;
}

function* issueOrdered(
  context: OrchestrationContext,
  hostname: Hostname,
  certificateName: string,
  gatewayIp: string,
  reachable: readonly string[],
  report: Report,
  csr: KeyVaultCsr,
): Step<IssuanceResult> {
  report(Steps.GetAcmeOrder, `Creating the ACME order for ${hostname}`);
  const order = yield* createOrder(context, hostname, report);
  if (!order.ok) return order;

  report(Steps.GetAcmeHttp01Challenge, 'Reading the HTTP-01 challenge');
  const challenges = yield* call(context, Activities.getAcmeHttp01Challenges, { authorizationUrls: order.authorizationUrls });
  if (!challenges.ok) return challenges;
  const pending = challenges.challenges.filter((c) => !c.alreadyValid);
  const files = pending.map((c) => ({ token: c.token, keyAuthorization: c.keyAuthorization }));

  const startCsr = () => (csr.task ??= activity(context, Activities.createKeyVaultCsr, { hostname, certificateName }));
  let deletion: TypedTask<ActivityOutput<'deleteChallengeFiles'>> | undefined;
  let outcome: IssuanceResult | undefined;
  let warning: string | undefined;
  try {
    if (files.length > 0) {
      report(Steps.UploadValidationFileToBlobStorage, 'Uploading the validation file to Blob Storage');
      yield* call(context, Activities.uploadChallengeFiles, { files });

      report(Steps.VerifyValidationFile, `Fetching the validation file through the gateway as the CA will`);
      const check = yield* call(context, Activities.checkChallengeFiles, { hostname, addresses: [...reachable], files });
      if (!check.ok) return (outcome = check);

      report(Steps.AnswerAcmeHttp01Challenge, 'Asking the CA to validate');
      // The key and CSR do not depend on validation: they are made in Key Vault while the CA
      // validates and the order is polled, and read only when finalizing. Not earlier: a run whose
      // DNS or self-check fails leaves nothing in Key Vault.
      const answer = activity(context, Activities.answerChallenges, { challengeUrls: pending.map((c) => c.challengeUrl) });
      const answered = yield* alongside(context, answer, startCsr());
      if (!answered.ok) return (outcome = answered);
    }

    report(Steps.CheckAcmeOrder, 'Waiting for the CA to validate the hostname');
    if (csr.task) {
      // Just after the answer the CA is still validating: the order is first read once the CSR,
      // needed next anyway, is made, rather than at once or after a fixed timer. The CSR is already
      // running: read alone (a Task.any would schedule it again, durable-js#574).
      csr.read = yield* wait(csr.task);
      if (!csr.read.ok) return (outcome = csr.read);
    }
    const validated = yield* pollOrder(context, order.orderUrl, ['ready', 'valid', 'processing']);
    if (!validated.ok) return (outcome = validated);

    report(Steps.CreateCertificate, 'Finalizing the order with the Key Vault CSR, merging the certificate and deleting the validation file');
    const made = (csr.read ??= yield* wait(startCsr()));
    if (!made.ok) return (outcome = made);
    // The CA has validated: the files are no longer needed and are deleted while the order is
    // finalized; the authorizations are valid (a retry within their lifetime reuses them).
    const finalizing = activity(context, Activities.finalizeOrder, { orderUrl: order.orderUrl, finalizeUrl: order.finalizeUrl, csrPem: made.csrPem });
    if (pending.length > 0) deletion = activity(context, Activities.deleteChallengeFiles, { tokens: pending.map((f) => f.token) }, CLEANUP_RETRY);
    const finalized = yield* deletion ? alongside(context, finalizing, deletion) : wait(finalizing);
    if (!finalized.ok) return (outcome = finalized);
    // finalizeOrder has already waited a few seconds for a processing order (FINALIZE_WAIT); the
    // rest of the wait is on durable timers, the first one at least the CA's Retry-After.
    const issued =
      finalized.certificateUrl !== undefined
        ? finalized
        : yield* pollOrder(context, order.orderUrl, ['valid'], Math.max(ORDER_POLL.firstSeconds, finalized.retryAfterSeconds ?? 0));
    if (!issued.ok) return (outcome = issued);
    if (issued.certificateUrl === undefined) return (outcome = fail(ErrorCodes.AcmeServerError, 'The CA marked the order valid without a certificate URL'));
    const merged = yield* call(context, Activities.mergeCertificate, { certificateUrl: issued.certificateUrl, certificateName });
    if (!merged.ok) return (outcome = merged);
    outcome = {
      ok: true,
      hostname,
      certificateName,
      gatewayIp,
      version: merged.version,
      thumbprint: merged.thumbprint,
      expiresOn: merged.expiresOn,
      secretId: merged.secretId,
    };
  } finally {
    const abandoned = outcome?.ok !== true && deletion === undefined;
    warning = yield* cleanUp(context, hostname, pending, abandoned, report, deletion);
  }
  return outcome.ok && warning ? { ...outcome, warning } : outcome;
}
