/**
 * One run per certificate at a time: the state of a durable entity keyed by the Key Vault
 * certificate name. Every run that writes a certificate — an issuance (alone, in a batch or as a
 * renewal's child) or an import — claims it first and releases it when done; a second run while
 * the claim is held stops before any work (the entity runs claims one at a time, so two starters
 * racing cannot both win). A claim lapses after CLAIM_HOURS, so a run that died cannot block the
 * certificate for ever. Pure: time comes from the caller's orchestration clock.
 */

/** Longer than any run (order polling ~8 min, gateway waits ≤ 60 min, clean-up retries). */
export const CLAIM_HOURS = 3;

export interface ClaimState {
  owner?: { instanceId: string; until: string };
}

/** How long a starter's claim for a run it has not started yet lasts (the import starter's Key Vault write takes seconds). */
export const STARTER_CLAIM_MINUTES = 5;

export type ClaimAnswer = { granted: true } | { granted: false; heldBy: string; until: string };

export interface ClaimInput {
  /** Who claims: a run's instance id, or a starter's one-off token for the run it is about to start. */
  instanceId: string;
  now: string;
  /** A run taking over the claim its starter took for it under this token. */
  handoverFrom?: string;
  /** The claim's lease; CLAIM_HOURS when absent. */
  leaseMinutes?: number;
}

export function claim(state: ClaimState, input: ClaimInput): ClaimAnswer {
  const held = state.owner;
  const ours = held && (held.instanceId === input.instanceId || (input.handoverFrom !== undefined && held.instanceId === input.handoverFrom));
  if (held && !ours && held.until > input.now) return { granted: false, heldBy: held.instanceId, until: held.until };
  const leaseMs = Math.min(input.leaseMinutes ?? CLAIM_HOURS * 60, CLAIM_HOURS * 60) * 60_000;
  state.owner = { instanceId: input.instanceId, until: new Date(new Date(input.now).getTime() + leaseMs).toISOString() };
  return { granted: true };
}

export function release(state: ClaimState, input: { instanceId: string }): void {
  if (state.owner?.instanceId === input.instanceId) delete state.owner;
}

/** The run holding the claim at `now`, if any (what a starter reports in its 409). */
export function holder(state: ClaimState | undefined, now: string): string | undefined {
  return state?.owner && state.owner.until > now ? state.owner.instanceId : undefined;
}
