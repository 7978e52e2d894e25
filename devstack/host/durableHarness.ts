/**
 * Plays the Azure Functions host and the Durable Task extension for tests, on this machine where
 * Core Tools cannot be installed. This class is the harness's public face; the work is done by:
 * - replayEngine.ts: orchestrations through durable-functions' own replay engine (history in,
 *   actions out), with taskDispatch.ts running the real activities and creating child instances;
 * - replayCheck.ts and hostRules.ts: what the host refuses, with its messages — a replay that does
 *   not match the history, a custom status over 16 KB, a duplicate instance id, a call to a function
 *   that does not exist (dropped: it never completes, as in the host);
 * - timers.ts and timerLateness.ts: the virtual clock and durable timers, optionally late;
 * - entityScheduler.ts (entity batches, state, locks) and orchestrationEntities.ts (callEntity,
 *   signalEntity, lock from orchestrations): durable entities as the extension runs them;
 * - extensionApi.ts: the extension's HTTP/RPC API behind the real `DurableClient`;
 * - triggers.ts and invocationContext.ts: HTTP and timer triggers, invoked as the host would;
 * - instanceStore.ts and runtime.ts: the instances and the state the parts share.
 */
import { randomUUID } from 'node:crypto';
import type { Timer } from '@azure/functions';
import { signalFromClient } from './entityApi';
import { entityIdentity, requestInput, schedulerId } from './entityProtocol';
import { EntityScheduler } from './entityScheduler';
import { ExtensionApi } from './extensionApi';
import { isTerminal, statusOf } from './instanceStore';
import { InvocationContexts } from './invocationContext';
import { OrchestrationEntities } from './orchestrationEntities';
import { ReplayEngine } from './replayEngine';
import { HostRuntime } from './runtime';
import { Triggers } from './triggers';
import type { DurableHarnessOptions, EntityIdentity, EntitySnapshot, HttpCall, HttpResult, InstanceStatus, LogEntry, StartOptions } from './types';
import { clone, delay } from './values';

export class DurableHarness {
  private readonly runtime: HostRuntime;
  private readonly api: ExtensionApi;
  private readonly engine: ReplayEngine;
  private readonly triggers: Triggers;
  private readonly entities: EntityScheduler;

  constructor(options: DurableHarnessOptions) {
    this.runtime = new HostRuntime(options);
    this.api = new ExtensionApi(
      this.runtime,
      options.taskHubName ?? 'TestHubName',
      (name, instanceId, input) => this.engine.startInstance(name, instanceId, input),
      () => this.entities,
    );
    const contexts = new InvocationContexts(this.runtime, () => this.api.clientBindingData());
    const orchestrationEntities = new OrchestrationEntities(this.runtime);
    this.entities = new EntityScheduler(this.runtime, contexts, (...response) => orchestrationEntities.deliverResponse(...response));
    orchestrationEntities.attach(this.entities);
    this.runtime.entities = this.entities;
    this.engine = new ReplayEngine(this.runtime, contexts, orchestrationEntities);
    this.triggers = new Triggers(this.runtime, contexts);
  }

  /** Every captured log line and the harness's own notes. */
  get logs(): LogEntry[] {
    return this.runtime.logs;
  }

  // ----- virtual clock ------------------------------------------------------------------------

  now(): Date {
    return this.runtime.timers.now();
  }

  /** Moves the virtual clock forward (timers due by then fire at the next quiet moment). */
  advance(ms: number): Date {
    return this.runtime.timers.advance(ms);
  }

  // ----- orchestration instances ---------------------------------------------------------------

  /**
   * Starts an instance as a durable client would, with the extension's checks: an unknown
   * orchestrator or a bad id, or an id whose instance is still Pending or Running (hostRules.ts),
   * rejects with the extension's message; a finished instance of that id is overwritten.
   */
  async startNew(orchestratorName: string, options: StartOptions = {}): Promise<string> {
    return this.engine.startInstance(orchestratorName, options.instanceId || randomUUID().replace(/-/g, ''), options.input).instanceId;
  }

  has(instanceId: string): boolean {
    return this.runtime.instances.has(instanceId);
  }

  instanceIds(): string[] {
    return this.runtime.instances.ids();
  }

  getStatus(instanceId: string): InstanceStatus {
    return statusOf(this.runtime.instances.require(instanceId));
  }

  /** Every distinct `customStatus` the instance reported, in order (consecutive repeats collapsed). */
  customStatusHistory(instanceId: string): unknown[] {
    return clone(this.runtime.instances.require(instanceId).customStatuses);
  }

  async waitForCompletion(instanceId: string, options: { timeoutMs?: number } = {}): Promise<InstanceStatus> {
    const instance = this.runtime.instances.require(instanceId);
    const timeoutMs = options.timeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const outcome = await Promise.race([instance.done.then(() => 'done' as const), timedOut, this.entities.firstFault()]);
      if (outcome instanceof Error) throw outcome;
      if (outcome === 'timeout') {
        throw new Error(
          `Instance ${instanceId} (${instance.name}) did not finish within ${timeoutMs} ms: ` +
            `runtimeStatus=${instance.runtimeStatus}, virtual time ${this.now().toISOString()}, ` +
            `customStatus history ${JSON.stringify(instance.customStatuses)}, ${this.runtime.describePending(instance)}.`,
        );
      }
    } finally {
      clearTimeout(timer);
    }
    if (instance.harnessError) throw instance.harnessError;
    return statusOf(instance);
  }

  /**
   * Resolves when every instance (including ones started meanwhile) has finished and no entity has
   * work it can do (an entity whose lock is never released stays as it is).
   */
  async waitForIdle(options: { timeoutMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    for (;;) {
      if (this.entities.fault) throw this.entities.fault;
      const open = this.runtime.instances.all().filter((i) => !isTerminal(i));
      const entitiesBusy = this.entities.busy();
      if (open.length === 0 && !entitiesBusy) return;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(
          `Instances still running: ${open
            .map((i) => `${i.instanceId} (${i.name}, customStatus history ${JSON.stringify(i.customStatuses)}, ${this.runtime.describePending(i)})`)
            .join('; ')}; entities: ${this.entities.describe()}.`,
        );
      }
      // Entities have no completion promise: while one is busy, look again shortly (a real delay,
      // so that the entities' own timers get to run).
      const instancesDone = open.length > 0 ? [Promise.all(open.map((i) => i.done))] : [];
      await Promise.race([...instancesDone, delay(entitiesBusy ? Math.min(remaining, 5) : remaining), this.entities.firstFault()]);
    }
  }

  async raiseEvent(instanceId: string, eventName: string, eventData?: unknown): Promise<void> {
    this.runtime.raiseEvent(this.runtime.instances.require(instanceId), eventName, eventData === undefined ? undefined : JSON.stringify(eventData));
  }

  /** Like the extension, terminating a finished instance is a no-op. */
  async terminate(instanceId: string, reason: string): Promise<void> {
    this.runtime.terminate(this.runtime.instances.require(instanceId), reason);
  }

  /** Deletes a finished instance's history and status; returns whether there was one. */
  async purge(instanceId: string): Promise<boolean> {
    const instance = this.runtime.instances.get(instanceId);
    if (!instance) return false;
    if (!isTerminal(instance)) {
      throw new Error(`Cannot purge instance ${instanceId}: it is ${instance.runtimeStatus}; terminate it first.`);
    }
    this.runtime.instances.delete(instanceId);
    return true;
  }

  // ----- entities ------------------------------------------------------------------------------

  /** An entity's state as the task hub holds it (the name is matched as the extension does, lower-cased). */
  getEntity(entity: EntityIdentity): EntitySnapshot {
    return this.entities.snapshot(schedulerId(entityIdentity(entity.name, entity.key)));
  }

  /** Signals an entity as a durable client does (`signalEntity`): fire and forget. */
  async signalEntity(entity: EntityIdentity, operation: string, input?: unknown): Promise<void> {
    signalFromClient(this.entities, this.runtime.registry, entityIdentity(entity.name, entity.key), operation, requestInput(input));
  }

  // ----- triggers ------------------------------------------------------------------------------

  /** Invokes an HTTP-triggered function the way the host would, with a durable client if it asks for one. */
  callHttp(functionName: string, call: HttpCall): Promise<HttpResult> {
    return this.triggers.callHttp(functionName, call);
  }

  /** Invokes a timer-triggered function (with a durable client if it asks for one). */
  callTimer(functionName: string, timerInfo?: Partial<Timer>): Promise<unknown> {
    return this.triggers.callTimer(functionName, timerInfo);
  }

  // ----- the durable client's side of the extension --------------------------------------------

  /** The base URL of the loopback server behind the durable client (starts it if needed). */
  rpcBaseUrl(): Promise<string> {
    return this.api.rpcBaseUrl();
  }

  /** See ExtensionApi.resolveWebhookUrl: a management URL pointed at the harness's server. */
  resolveWebhookUrl(uri: string): string {
    return this.api.resolveWebhookUrl(uri);
  }

  /** Stops the RPC server and waits for running activities and drivers to wind down. */
  async close(): Promise<void> {
    const runtime = this.runtime;
    runtime.closed = true;
    for (const instance of runtime.instances.all()) instance.wake?.();
    runtime.changed();
    await Promise.allSettled([...runtime.inflight]);
    await Promise.allSettled([...runtime.drivers]);
    await this.api.close();
  }
}
