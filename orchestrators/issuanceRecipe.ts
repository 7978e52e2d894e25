/**
 * One hostname, from DNS check to a certificate version in Key Vault. A generator shared by the
 * single-hostname orchestration (which then binds the gateway itself) and by each child of a
 * batch (whose parent binds all of them at once). Deterministic: no I/O, no clock, no env.
 */
import type { OrchestrationContext, Task } from 'durable-functions';
import { Activities, ActivityOutput } from '../lib/activityContracts';
import type { Hostname } from '../lib/hostnames';
import { keyVaultCertificateName } from '../lib/naming';
import { Failure, fail } from '../lib/outcome';
import { ErrorCodes, Steps, StepName } from '../lib/status';
import { CLEANUP_RETRY, callActivity, log, sleep } from './durableCalls';

export interface IssuedCertificate {
  readonly ok: true;
  readonly hostname: Hostname;
  readonly certificateName: string;
  readonly version: string;
  readonly thumbprint: string;
  readonly expiresOn: string;
  readonly secretId: string;
  readonly gatewayIp: string;
  /** Set when the certificate was issued but clean-up kept failing: reported, not swallowed. */
  readonly warning?: string;
}
export type IssuanceResult = IssuedCertificate | (Failure & { readonly hostname: Hostname });

export type Report = (step: Exclude<StepName, 'Failed'>, message: string) => void;

/** Order polling: 1 s doubling to 30 s, at most 20 polls (~8 min); Let's Encrypt validates in seconds. */
export const ORDER_POLL = { firstSeconds: 1, maxSeconds: 30, maxPolls: 20 } as const;
/** A rate limit is waited out on a durable timer if it lifts within an hour, at most twice. */
export const RATE_LIMIT = { maxWaitSeconds: 3600, maxWaits: 2 } as const;

// The SDK passes back whatever a task produced: `any` at this one point, cast to the contract at each yield.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type RecipeStep<T> = Generator<Task, T, any>;

function* pollOrder(context: OrchestrationContext, orderUrl: string, until: readonly string[]): RecipeStep<ActivityOutput<'checkOrderStatus'>> {
  let delay: number = ORDER_POLL.firstSeconds;
  for (let poll = 0; poll < ORDER_POLL.maxPolls; poll += 1) {
    const status = (yield callActivity(context, Activities.checkOrderStatus, { orderUrl })) as ActivityOutput<'checkOrderStatus'>;
    if (!status.ok || until.includes(status.status)) return status;
    yield sleep(context, delay);
    delay = Math.min(delay * 2, ORDER_POLL.maxSeconds);
  }
  return fail(ErrorCodes.AcmeOrderTimedOut, `The CA did not finish the order within ${ORDER_POLL.maxPolls} polls; it may be overloaded. Try again later.`) as never;
}

export function* issueOneCertificate(context: OrchestrationContext, hostname: Hostname, report: Report): RecipeStep<IssuanceResult> {
  const failed = (f: Failure): IssuanceResult => ({ ...f, hostname });
  const certificateName = keyVaultCertificateName(hostname);

  report(Steps.GetApplicationGatewayPublicIp, 'Reading the Application Gateway public IP');
  const ip = (yield callActivity(context, Activities.getGatewayPublicIp, {})) as ActivityOutput<'getGatewayPublicIp'>;
  if (!ip.ok) return failed(ip);

  report(Steps.CheckDnsResolution, `Checking that ${hostname} resolves to ${ip.ip}`);
  const dns = (yield callActivity(context, Activities.checkDnsResolution, { hostname, gatewayIp: ip.ip })) as ActivityOutput<'checkDnsResolution'>;
  if (!dns.ok) return failed(dns);

  report(Steps.GetAcmeOrder, `Creating the ACME order for ${hostname}`);
  let order = (yield callActivity(context, Activities.createAcmeOrder, { hostname })) as ActivityOutput<'createAcmeOrder'>;
  for (let waits = 0; !order.ok && order.code === ErrorCodes.AcmeRateLimited && waits < RATE_LIMIT.maxWaits; waits += 1) {
    const after = order.retryAfterSeconds;
    if (after === undefined || after > RATE_LIMIT.maxWaitSeconds) break;
    report(Steps.GetAcmeOrder, `The CA is rate limiting; waiting ${after} s before trying again`);
    yield sleep(context, Math.max(after, 1));
    order = (yield callActivity(context, Activities.createAcmeOrder, { hostname })) as ActivityOutput<'createAcmeOrder'>;
  }
  if (!order.ok) {
    if (order.code === ErrorCodes.AcmeRateLimited && order.retryAfterSeconds !== undefined) {
      const at = new Date(context.df.currentUtcDateTime.getTime() + order.retryAfterSeconds * 1000).toISOString();
      return failed(fail(order.code, `${order.message} Try again after ${at}.`));
    }
    return failed(order);
  }

  report(Steps.GetAcmeHttp01Challenge, 'Reading the HTTP-01 challenge');
  const challenges = (yield callActivity(context, Activities.getAcmeHttp01Challenges, { orderUrl: order.orderUrl })) as ActivityOutput<'getAcmeHttp01Challenges'>;
  if (!challenges.ok) return failed(challenges);
  const pending = challenges.challenges.filter((c) => !c.alreadyValid);
  const files = pending.map((c) => ({ token: c.token, keyAuthorization: c.keyAuthorization }));

  let outcome: IssuanceResult | undefined;
  let warning: string | undefined;
  let csr: ActivityOutput<'createKeyVaultCsr'> | undefined;
  try {
    if (files.length > 0) {
      report(Steps.UploadValidationFileToBlobStorage, 'Uploading the validation file to Blob Storage');
      yield callActivity(context, Activities.uploadChallengeFiles, { files });

      report(Steps.VerifyValidationFile, `Fetching the validation file through the gateway as the CA will`);
      const check = (yield callActivity(context, Activities.checkChallengeFiles, { hostname, gatewayIp: ip.ip, files })) as ActivityOutput<'checkChallengeFiles'>;
      if (!check.ok) return (outcome = failed(check));

      report(Steps.AnswerAcmeHttp01Challenge, 'Asking the CA to validate');
      // The Key Vault key and CSR do not depend on validation: making them while the CA validates
      // saves the slowest step's latency. A pending CSR left by a failed validation is reused next time.
      const [answered, early] = (yield context.df.Task.all([
        callActivity(context, Activities.answerChallenges, { challengeUrls: pending.map((c) => c.challengeUrl) }),
        callActivity(context, Activities.createKeyVaultCsr, { hostname, certificateName }),
      ])) as [ActivityOutput<'answerChallenges'>, ActivityOutput<'createKeyVaultCsr'>];
      if (!answered.ok) return (outcome = failed(answered));
      csr = early;
    }

    report(Steps.CheckAcmeOrder, 'Waiting for the CA to validate the hostname');
    const validated = yield* pollOrder(context, order.orderUrl, ['ready', 'valid', 'processing']);
    if (!validated.ok) return (outcome = failed(validated));

    report(Steps.CreateCertificate, 'Creating the key in Key Vault, finalizing the order and merging the certificate');
    csr ??= (yield callActivity(context, Activities.createKeyVaultCsr, { hostname, certificateName })) as ActivityOutput<'createKeyVaultCsr'>;
    if (!csr.ok) return (outcome = failed(csr));
    const finalized = (yield callActivity(context, Activities.finalizeOrder, { orderUrl: order.orderUrl, csrPem: csr.csrPem })) as ActivityOutput<'finalizeOrder'>;
    if (!finalized.ok) return (outcome = failed(finalized));
    if (finalized.status !== 'valid') {
      const issued = yield* pollOrder(context, order.orderUrl, ['valid']);
      if (!issued.ok) return (outcome = failed(issued));
    }
    const merged = (yield callActivity(context, Activities.mergeCertificate, { orderUrl: order.orderUrl, certificateName })) as ActivityOutput<'mergeCertificate'>;
    if (!merged.ok) return (outcome = failed(merged));
    outcome = { ok: true, hostname, certificateName, version: merged.version, thumbprint: merged.thumbprint, expiresOn: merged.expiresOn, secretId: merged.secretId, gatewayIp: ip.ip };
  } finally {
    // Always, on success and on every failure path; a clean-up failure never hides the real outcome.
    if (files.length > 0) {
      report(Steps.DeleteValidationFileFromBlobStorage, 'Deleting the validation file');
      let deleted = false;
      try {
        const result = (yield callActivity(context, Activities.deleteChallengeFiles, { tokens: files.map((f) => f.token) }, CLEANUP_RETRY)) as ActivityOutput<'deleteChallengeFiles'>;
        deleted = result.ok;
      } catch {
        deleted = false;
      }
      if (!deleted) {
        warning = `The validation file(s) ${files.map((f) => f.token).join(', ')} could not be deleted from Blob Storage; delete them by hand`;
        log(context, `${hostname}: ${warning}`);
      }
    }
  }
  return outcome.ok && warning ? { ...outcome, warning } : outcome;
}
