/**
 * ACME orders (RFC 8555 §7.4): create, read, finalize with a CSR, download the chain. Orders are
 * referred to by URL between activities; every function here is safe to run twice.
 */
import type { Client, Order } from 'acme-client';
import type { OrderState } from '../../activityContracts';
import type { AppConfig } from '../../config';
import type { Hostname } from '../../hostnames';
import { Outcome, fail } from '../../outcome';
import { ErrorCodes } from '../../status';
import { acmeCall } from './account';

/** POST-as-GET of an order by URL (§7.4); acme-client only needs the `url` field. */
export function readOrder(client: Client, orderUrl: string): Promise<Order> {
  return client.getOrder({ url: orderUrl } as Order);
}

/** §7.4 newOrder for one DNS identifier. A final refusal (a rate limit above all) is a value with the CA's Retry-After. */
export function createOrder(config: AppConfig, hostname: Hostname): Promise<Outcome<{ orderUrl: string; status: string }>> {
  return acmeCall<Outcome<{ orderUrl: string; status: string }>>(
    config,
    'Creating the ACME order',
    async (client) => {
      const order = await client.createOrder({ identifiers: [{ type: 'dns', value: hostname }] });
      return { ok: true, orderUrl: order.url, status: order.status };
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

/** §7.4 / §7.1.6: the order's status; `invalid` is an `AcmeOrderInvalid` failure with the CA's reason. */
export function readOrderStatus(config: AppConfig, orderUrl: string): Promise<Outcome<{ status: OrderState }>> {
  return acmeCall(config, 'Reading the ACME order', async (client) => {
    const order = await readOrder(client, orderUrl);
    if (order.status === 'invalid') return fail(ErrorCodes.AcmeOrderInvalid, await invalidReason(client, order));
    return { ok: true, status: order.status as OrderState };
  });
}

/** §7.4 finalize with a PEM CSR. Idempotent: an order already processing or valid is not finalized again. */
export function finalizeOrder(config: AppConfig, orderUrl: string, csrPem: string): Promise<Outcome<{ status: OrderState }>> {
  return acmeCall(config, 'Finalizing the ACME order', async (client) => {
    const order = await readOrder(client, orderUrl);
    if (order.status === 'invalid') return fail(ErrorCodes.AcmeOrderInvalid, 'The CA marked the order invalid before it was finalized');
    if (order.status !== 'ready') return { ok: true, status: order.status as OrderState };
    const finalized = await client.finalizeOrder(order, csrPem);
    return { ok: true, status: finalized.status as OrderState };
  });
}

/** §7.4.2: the full chain PEM, leaf first, whatever its length. */
export function downloadChain(config: AppConfig, orderUrl: string): Promise<string> {
  return acmeCall(config, 'Downloading the certificate', async (client) => client.getCertificate(await readOrder(client, orderUrl)));
}
