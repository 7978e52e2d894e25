/**
 * The queue of gateway writes for one Application Gateway: the state of a durable entity keyed by
 * the gateway, pure so that it can be tested without a host. Azure accepts a second PUT of a
 * gateway and cancels the first (azure-cli issue 21156), and If-Match is not honoured, so the
 * product must serialize its own writes; and a PUT takes minutes, so it coalesces them: requests
 * that arrive while a write is in flight are merged into the next write.
 *
 * Protocol (every operation is one entity operation, which the Durable extension runs one at a
 * time per entity, in arrival order):
 * - `enqueue`: a request joins the queue; if nobody holds the writer lease (or it expired), the
 *   caller gets it and becomes the writer — and takes its first batch at once when no other
 *   writer is announced (below).
 * - `take`: the writer takes everything queued (plus what a dead writer had taken) as one batch.
 * - `complete`: the writer records each request's result (`poll` hands it to its requester) and,
 *   if it asks, takes the next batch in the same operation.
 * Every entity operation is a round trip through the task hub's queues (hundreds of milliseconds
 * in Azure), so a lone writer needs two: enqueue-and-take, complete-and-take (empty: released).
 * - `poll`: a waiting requester learns its result, or takes over the lease when the writer died.
 * - `release`: the writer gives the lease up; a waiting requester becomes the next writer.
 * - `announce` / `withdraw`: an orchestration that will write once its issuance ends says so when
 *   it starts, and withdraws when it ends without writing (enqueuing withdraws too). A writer
 *   waits for announced writers (`peek`) for a bounded time before its first write, and writes at
 *   once when none is announced: a lone request pays no gathering delay, a burst shares one PUT.
 * Leases are renewed by every writer operation; time comes from the caller's orchestration clock
 * (entities have none), as ISO strings.
 */
import type { Binding, RefusedBinding } from './activityContracts';
import type { Outcome } from './outcome';

/** What one write request gets back: whether the gateway was written, and the hostnames left out. */
export type BindResult = Outcome<{ updated: boolean; refused: RefusedBinding[] }>;

export interface GatewayWriteRequest {
  /** Unique per request (derived from the requester's instance id: deterministic on replay). */
  readonly requestId: string;
  /** The requesting orchestration: a writer keeps its own results, everyone else's wait in the entity. */
  readonly instanceId: string;
  readonly bindings: Binding[];
  /** PUT even when nothing changed, so the gateway re-reads Key Vault now. */
  readonly force: boolean;
}

export interface GatewayQueueState {
  queue: GatewayWriteRequest[];
  /** Taken by the current writer and not completed yet: handed to the next writer if this one dies. */
  inFlight: GatewayWriteRequest[];
  writer?: { instanceId: string; until: string };
  results: Record<string, { result: BindResult; at: string }>;
  /** Announced writers by instance id, with when the announcement lapses (absent in states written before announcements existed). */
  announced?: Record<string, string>;
}

/** A writer that has not touched the entity for this long is presumed dead; its batch goes to the next. */
export const WRITER_LEASE_MINUTES = 30;
/** A result nobody collected (its requester failed) is dropped after this long. */
export const RESULT_RETENTION_HOURS = 24;
/**
 * An announcement lapses after this long, so a run that was terminated (and never withdrew) delays
 * nobody for long: an issuance takes seconds to minutes (order polling gives up after ~8 minutes).
 */
export const ANNOUNCEMENT_MINUTES = 15;

export function emptyQueue(): GatewayQueueState {
  return { queue: [], inFlight: [], results: {} };
}

const plusMinutes = (iso: string, minutes: number) => new Date(new Date(iso).getTime() + minutes * 60_000).toISOString();

function leaseFree(state: GatewayQueueState, now: string): boolean {
  return !state.writer || state.writer.until <= now;
}

function grantLease(state: GatewayQueueState, instanceId: string, now: string): void {
  state.writer = { instanceId, until: plusMinutes(now, WRITER_LEASE_MINUTES) };
}

function prune(state: GatewayQueueState, now: string): void {
  const cutoff = new Date(new Date(now).getTime() - RESULT_RETENTION_HOURS * 3_600_000).toISOString();
  for (const [id, entry] of Object.entries(state.results)) if (entry.at < cutoff) delete state.results[id];
  for (const [id, until] of Object.entries(state.announced ?? {})) if (until <= now) delete state.announced?.[id];
}

/** How many other orchestrations announced a write they have not queued yet. */
function announcedOthers(state: GatewayQueueState, instanceId: string, now: string): number {
  return Object.entries(state.announced ?? {}).filter(([id, until]) => id !== instanceId && until > now).length;
}

/** An orchestration that will write the gateway once its issuance ends (see the protocol above). */
export function announce(state: GatewayQueueState, input: { instanceId: string; now: string }): void {
  prune(state, input.now);
  (state.announced ??= {})[input.instanceId] = plusMinutes(input.now, ANNOUNCEMENT_MINUTES);
}

/** The announcement is withdrawn: the orchestration ended without writing, or has queued its write. */
export function withdraw(state: GatewayQueueState, input: { instanceId: string }): void {
  delete state.announced?.[input.instanceId];
}

/** What a gathering writer asks between waits: how many announced writers have not queued yet. */
export function peek(state: GatewayQueueState, input: { instanceId: string; now: string }): { announced: number } {
  prune(state, input.now);
  return { announced: announcedOthers(state, input.instanceId, input.now) };
}

export type Role = 'writer' | 'waiter';

/** What a writer takes: a batch to write (empty: nothing left, the lease is released), or nothing when it is no longer the writer. */
export interface Taken {
  batch: GatewayWriteRequest[];
  writer: boolean;
}

/**
 * Queues a request; the answer says whether the caller writes, how many announced writers are
 * still to come, and — for a writer nobody is announced for — its first batch, taken at once.
 */
export function enqueue(state: GatewayQueueState, input: { request: GatewayWriteRequest; now: string }): { role: Role; announced: number; taken?: Taken } {
  const { instanceId } = input.request;
  prune(state, input.now);
  withdraw(state, { instanceId });
  // A replayed enqueue (the same request id) must not queue the request twice.
  const known =
    state.queue.some((r) => r.requestId === input.request.requestId) ||
    state.inFlight.some((r) => r.requestId === input.request.requestId) ||
    input.request.requestId in state.results;
  if (!known) state.queue.push(input.request);
  const announced = announcedOthers(state, instanceId, input.now);
  if (state.writer?.instanceId === instanceId || leaseFree(state, input.now)) {
    grantLease(state, instanceId, input.now);
    return announced === 0 ? { role: 'writer', announced, taken: take(state, { instanceId, now: input.now }) } : { role: 'writer', announced };
  }
  return { role: 'waiter', announced };
}

/** The next batch for the lease holder; empty (and the lease released) when nothing is left. */
export function take(state: GatewayQueueState, input: { instanceId: string; now: string }): Taken {
  if (state.writer?.instanceId !== input.instanceId && !leaseFree(state, input.now)) return { batch: [], writer: false };
  const batch = [...state.inFlight, ...state.queue];
  if (batch.length === 0) {
    delete state.writer;
    return { batch, writer: false };
  }
  state.inFlight = batch;
  state.queue = [];
  grantLease(state, input.instanceId, input.now);
  return { batch, writer: true };
}

/** Records a batch's results; with `takeNext`, also takes the next batch (as `take`), else answers an empty one. */
export function complete(
  state: GatewayQueueState,
  input: { instanceId: string; now: string; results: Array<{ requestId: string; result: BindResult }>; takeNext?: boolean },
): Taken {
  const owners = new Map(state.inFlight.map((r) => [r.requestId, r.instanceId]));
  for (const { requestId, result } of input.results) {
    if (owners.get(requestId) !== input.instanceId) state.results[requestId] = { result, at: input.now };
  }
  const done = new Set(input.results.map((r) => r.requestId));
  state.inFlight = state.inFlight.filter((r) => !done.has(r.requestId));
  if (state.writer?.instanceId === input.instanceId) grantLease(state, input.instanceId, input.now);
  return input.takeNext ? take(state, { instanceId: input.instanceId, now: input.now }) : { batch: [], writer: state.writer?.instanceId === input.instanceId };
}

/** Extends the lease while a long write is in progress. */
export function renew(state: GatewayQueueState, input: { instanceId: string; now: string }): void {
  if (state.writer?.instanceId === input.instanceId) grantLease(state, input.instanceId, input.now);
}

export function release(state: GatewayQueueState, input: { instanceId: string }): void {
  if (state.writer?.instanceId === input.instanceId) delete state.writer;
}

export type PollAnswer = { status: 'done'; result: BindResult } | { status: 'write' } | { status: 'wait' };

export function poll(state: GatewayQueueState, input: { requestId: string; instanceId: string; now: string }): PollAnswer {
  const entry = state.results[input.requestId];
  if (entry) {
    delete state.results[input.requestId];
    return { status: 'done', result: entry.result };
  }
  if (leaseFree(state, input.now)) {
    grantLease(state, input.instanceId, input.now);
    return { status: 'write' };
  }
  return { status: 'wait' };
}

/**
 * One write for a batch: the bindings of every request, a later request's binding for a hostname
 * replacing an earlier one's, and `force` if any request asked for it.
 */
export function combine(batch: readonly GatewayWriteRequest[]): { bindings: Binding[]; force: boolean } {
  const byHost = new Map<string, Binding>();
  for (const request of batch) for (const binding of request.bindings) byHost.set(binding.hostname, binding);
  return { bindings: [...byHost.values()], force: batch.some((r) => r.force) };
}

/** Each request's share of a batch's result: the write's outcome, with only its own hostnames' refusals. */
export function resultFor(request: GatewayWriteRequest, batchResult: BindResult): BindResult {
  if (!batchResult.ok) return batchResult;
  const mine = new Set(request.bindings.map((b) => b.hostname));
  return { ok: true, updated: batchResult.updated, refused: batchResult.refused.filter((r) => mine.has(r.hostname)) };
}
