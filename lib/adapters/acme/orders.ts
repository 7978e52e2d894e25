/**
 * ACME orders (RFC 8555 §7.4): create, read, finalize with a CSR, download the chain. Orders are
 * referred to by URL between activities; every function here is safe to run twice.
 */
import type { Client, Order } from 'acme-client';
import type { AcmeOrder, OrderState, OrderStatus } from '../../activityContracts';
import type { AppConfig } from '../../config';
import type { Hostname } from '../../hostnames';
import { Outcome, fail } from '../../outcome';
import { ErrorCodes } from '../../status';
import { acmeCall } from './account';
import { answerRetryAfterSeconds } from './transport';

/** POST-as-GET of an order by URL (§7.4); acme-client only needs the `url` field. */
export function readOrder(client: Client, orderUrl: string): Promise<Order> {
  return client.getOrder({ url: orderUrl } as Order);
}

/**
 * §7.4 newOrder for one DNS identifier: the order's URL (its Location), status, and the
 * authorization and finalize URLs it names (§7.1.3), so that later steps need not read it again.
 * A final refusal (a rate limit above all) is a value with the CA's Retry-After.
 */
export function createOrder(config: AppConfig, hostname: Hostname): Promise<Outcome<AcmeOrder>> {
  return acmeCall<Outcome<AcmeOrder>>(
    config,
    'Creating the ACME order',
    async (client) => {
      const order = await client.createOrder({ identifiers: [{ type: 'dns', value: hostname }] });
      return { ok: true, orderUrl: order.url, status: order.status, authorizationUrls: [...order.authorizations], finalizeUrl: order.finalize };
    },
    (error, after) => fail(error.code, error.detail, after),
  );
}

/**
 * The reason an order is invalid: the order's own `error` when it failed at issuance (§7.1.3),
 * else its failed challenge's (§7.1.6), e.g. "unauthorized: key authorization mismatch".
 */
async function invalidReason(client: Client, order: Order): Promise<string> {
  const own = (order as { error?: { detail?: string } }).error?.detail;
  const problem =
    own ??
    (await client.getAuthorizations(order))
      .flatMap((a) => a.challenges)
      .map((c) => (c as { error?: { detail?: string } }).error?.detail)
      .find(Boolean);
  return `The CA marked the order invalid${problem ? `: ${problem.slice(0, 300)}` : ''}`;
}

/**
 * The status of the order the CA just returned, with its certificate URL once valid (§7.1.3) and,
 * while it is pending or processing, the Retry-After of that answer (§7.4).
 */
function statusOf(order: Order): OrderStatus {
  if (order.status === 'valid') return { status: 'valid', ...(order.certificate ? { certificateUrl: order.certificate } : {}) };
  const after = order.status === 'pending' || order.status === 'processing' ? answerRetryAfterSeconds() : undefined;
  return { status: order.status as OrderState, ...(after !== undefined ? { retryAfterSeconds: after } : {}) };
}

/**
 * How long finalize waits, inside its activity, for a `processing` order to be issued (§7.4). A CA
 * signs within a second or so of the CSR; Let's Encrypt answers `processing` with Retry-After: 3
 * (Boulder wfe2/wfe.go, orderRetryAfter), which the budget must hold with room for the reads.
 * Waiting here costs a held activity slot; a durable timer costs two replays and, on an idle app,
 * up to the task hub's queue polling interval (30 s by default:
 * learn.microsoft.com/azure/azure-functions/durable/durable-functions-azure-storage-provider#queue-polling).
 * Without a Retry-After the order is read after `firstMs`, doubling; a wait that would end more
 * than `budgetMs` after the finalize answer is left to the orchestrator's durable timers.
 */
export const FINALIZE_WAIT = { firstMs: 25, budgetMs: 5_000 } as const;

/** §7.4 / §7.1.6: the order's status; `invalid` is an `AcmeOrderInvalid` failure with the CA's reason. */
export function readOrderStatus(config: AppConfig, orderUrl: string): Promise<Outcome<OrderStatus>> {
  return acmeCall(config, 'Reading the ACME order', async (client) => {
    const order = await readOrder(client, orderUrl);
    if (order.status === 'invalid') return fail(ErrorCodes.AcmeOrderInvalid, await invalidReason(client, order));
    return { ok: true, ...statusOf(order) };
  });
}

/**
 * §7.4 finalize with a PEM CSR, POSTed to the order's `finalizeUrl` at once. Idempotent: when the
 * CA refuses (an order already processing or valid answers `orderNotReady`, §7.4), the order is
 * read, and one past `ready` is the result; any other state keeps the CA's refusal. An order
 * still `processing` is read again within FINALIZE_WAIT, never sooner than the CA's Retry-After;
 * one that outlasts it is returned `processing`, with the CA's Retry-After if it sent one.
 * An order that turns invalid is an `AcmeOrderInvalid` failure with the CA's reason.
 */
export function finalizeOrder(config: AppConfig, orderUrl: string, finalizeUrl: string, csrPem: string): Promise<Outcome<OrderStatus>> {
  return acmeCall(config, 'Finalizing the ACME order', async (client) => {
    let order: Order;
    try {
      order = await client.finalizeOrder({ url: orderUrl, finalize: finalizeUrl } as Order, csrPem);
    } catch (error) {
      order = await readOrder(client, orderUrl);
      if (order.status !== 'processing' && order.status !== 'valid' && order.status !== 'invalid') throw error;
    }
    let status = statusOf(order);
    const started = performance.now();
    for (let next: number = FINALIZE_WAIT.firstMs; order.status === 'processing'; next *= 2) {
      const waitMs = Math.max(next, (status.retryAfterSeconds ?? 0) * 1000);
      // The budget counts the reads as well as the waits.
      if (performance.now() - started + waitMs > FINALIZE_WAIT.budgetMs) break;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      order = await readOrder(client, orderUrl);
      status = statusOf(order);
    }
    if (order.status === 'invalid') return fail(ErrorCodes.AcmeOrderInvalid, await invalidReason(client, order));
    return { ok: true, ...status };
  });
}

/** §7.4.2: the full chain PEM at `certificateUrl` (a valid order's `certificate`), leaf first, whatever its length. */
export function downloadChain(config: AppConfig, certificateUrl: string): Promise<string> {
  return acmeCall(config, 'Downloading the certificate', async (client) => client.getCertificate({ status: 'valid', certificate: certificateUrl } as Order));
}
