/**
 * The ACME account's order bucket (lib/caLimits.ts: 300 new orders per 3 hours, refilled one per
 * 36 s). Every run takes an order from it before asking the CA for one; the entity runs its
 * operations one at a time, so concurrent runs cannot overdraw it. One per app: the app has one
 * ACME account (its key in Key Vault); a change of CA keeps the stricter count for 3 hours at most.
 */
import * as df from 'durable-functions';
import type { EntityContext } from 'durable-functions';
import { OrderBucket, reserveOrders } from '../lib/caLimits';
import { ACME_ORDER_LEDGER_ENTITY } from './acmeOrderLedger';

export function acmeOrderLedgerEntity(context: EntityContext<OrderBucket>): void {
  const bucket = context.df.getState() ?? undefined;
  const input = context.df.getInput<{ count: number; now: string }>();
  if (context.df.operationName !== 'reserve' || !input) throw new Error(`${ACME_ORDER_LEDGER_ENTITY}: the one operation is reserve {count, now}`);
  const answer = reserveOrders(bucket, input.count, new Date(input.now));
  if (answer.granted) context.df.setState(answer.bucket);
  context.df.return(answer);
}

df.app.entity(ACME_ORDER_LEDGER_ENTITY, acmeOrderLedgerEntity);
