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

export type ClaimAnswer = { granted: true } | { granted: false; heldBy: string; until: string };

export function claim(state: ClaimState, input: { instanceId: string; now: string }): ClaimAnswer {
  const held = state.owner;
  if (held && held.instanceId !== input.instanceId && held.until > input.now) return { granted: false, heldBy: held.instanceId, until: held.until };
  state.owner = { instanceId: input.instanceId, until: new Date(new Date(input.now).getTime() + CLAIM_HOURS * 3_600_000).toISOString() };
  return { granted: true };
}

export function release(state: ClaimState, input: { instanceId: string }): void {
  if (state.owner?.instanceId === input.instanceId) delete state.owner;
}

/** The run holding the claim at `now`, if any (what a starter reports in its 409). */
export function holder(state: ClaimState | undefined, now: string): string | undefined {
  return state?.owner && state.owner.until > now ? state.owner.instanceId : undefined;
}
