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

/** The reason an order is invalid sits on its failed challenge (§7.1.6), e.g. "unauthorized: key authorization mismatch". */
async function invalidReason(client: Client, order: Order): Promise<string> {
  const authorizations = await client.getAuthorizations(order);
  const problem = authorizations
    .flatMap((a) => a.challenges)
    .map((c) => (c as { error?: { detail?: string } }).error?.detail)
    .find(Boolean);
  return `The CA marked the order invalid${problem ? `: ${problem.slice(0, 300)}` : ''}`;
}

/** The status of an order the CA returned, with its certificate URL once valid (§7.1.3). */
function statusOf(order: Order): OrderStatus {
  return { status: order.status as OrderState, ...(order.status === 'valid' && order.certificate ? { certificateUrl: order.certificate } : {}) };
}

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
 * read, and one past `ready` is the result; any other state keeps the CA's refusal.
 */
export function finalizeOrder(config: AppConfig, orderUrl: string, finalizeUrl: string, csrPem: string): Promise<Outcome<OrderStatus>> {
  return acmeCall(config, 'Finalizing the ACME order', async (client) => {
    try {
      return { ok: true, ...statusOf(await client.finalizeOrder({ url: orderUrl, finalize: finalizeUrl } as Order, csrPem)) };
    } catch (error) {
      const order = await readOrder(client, orderUrl);
      if (order.status === 'invalid') return fail(ErrorCodes.AcmeOrderInvalid, 'The CA marked the order invalid before it was finalized');
      if (order.status === 'processing' || order.status === 'valid') return { ok: true, ...statusOf(order) };
      throw error;
    }
  });
}

/** §7.4.2: the full chain PEM at `certificateUrl` (a valid order's `certificate`), leaf first, whatever its length. */
export function downloadChain(config: AppConfig, certificateUrl: string): Promise<string> {
  return acmeCall(config, 'Downloading the certificate', async (client) => client.getCertificate({ status: 'valid', certificate: certificateUrl } as Order));
}
