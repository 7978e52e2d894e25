/**
 * The ACME account's order bucket entity: its id and operations (the entity function is
 * acmeOrderLedgerEntity.ts). Importing this registers nothing.
 */
import * as df from 'durable-functions';
import type { OrderReservation } from '../lib/caLimits';

export const ACME_ORDER_LEDGER_ENTITY = 'AcmeOrderLedger';
/** One per app: the app has one ACME account (its key in Key Vault). */
export const ACME_ORDER_LEDGER_KEY = 'account';

export function acmeOrderLedgerId(): df.EntityId {
  return new df.EntityId(ACME_ORDER_LEDGER_ENTITY, ACME_ORDER_LEDGER_KEY);
}

export interface AcmeOrderLedgerOperations {
  reserve: { input: { count: number; now: string }; output: OrderReservation };
}
