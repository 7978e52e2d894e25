/**
 * The entity that lets one run at a time work on a certificate (lib/certificateClaim.ts); keyed
 * by the Key Vault certificate name, which is injective in the hostname (lib/naming.ts).
 */
import * as df from 'durable-functions';
import type { EntityContext } from 'durable-functions';
import { ClaimInput, ClaimState, claim, release } from '../lib/certificateClaim';

export const CERTIFICATE_CLAIM_ENTITY = 'CertificateClaim';

export function certificateClaimId(certificateName: string): df.EntityId {
  return new df.EntityId(CERTIFICATE_CLAIM_ENTITY, certificateName);
}

export function certificateClaimEntity(context: EntityContext<ClaimState>): void {
  const state = context.df.getState(() => ({})) ?? {};
  const input = context.df.getInput<ClaimInput>();
  if (!input || typeof input.instanceId !== 'string' || Number.isNaN(Date.parse(input.now)))
    throw new Error(`${CERTIFICATE_CLAIM_ENTITY}: an operation needs {instanceId, now}`);
  switch (context.df.operationName) {
    case 'claim':
      context.df.return(claim(state, input));
      break;
    case 'release':
      release(state, input);
      break;
    default:
      throw new Error(`${CERTIFICATE_CLAIM_ENTITY} has no operation "${String(context.df.operationName)}"`);
  }
  if (state.owner) context.df.setState(state);
  else context.df.destructOnExit();
}

df.app.entity(CERTIFICATE_CLAIM_ENTITY, certificateClaimEntity);
