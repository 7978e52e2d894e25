/**
 * The InvocationContext the host hands every function: its bindings, a log handler the harness
 * captures, and the durable client binding's data when the function asks for a client.
 */
import { randomUUID } from 'node:crypto';
import { format } from 'node:util';
import { InvocationContext } from '@azure/functions';
import type { BindingMetadata, RegisteredFunction } from './functionsCore';
import type { HostRuntime } from './runtime';
import { clone } from './values';
import { DURABLE_CLIENT_BINDING_TYPES } from './wire';

export class InvocationContexts {
  constructor(
    private readonly runtime: HostRuntime,
    /** What the extension puts in a `durableClient` input binding (served by the extension API). */
    private readonly clientBindingData: () => Promise<Record<string, unknown>>,
  ) {}

  async create(fn: RegisteredFunction, instanceId?: string): Promise<InvocationContext> {
    const context = new InvocationContext({
      invocationId: randomUUID(),
      functionName: fn.name,
      logHandler: (level, ...args) => this.runtime.captureLog(fn.name, level, format(...args), instanceId),
      options: {
        trigger: { ...fn.trigger },
        return: fn.returnBinding ? { ...fn.returnBinding } : undefined,
        extraInputs: fn.extraInputs.map((b) => ({ ...b })),
        extraOutputs: fn.extraOutputs.map((b) => ({ ...b })),
      },
    });
    const clientBindings = fn.extraInputs.filter(isDurableClientBinding);
    if (clientBindings.length > 0) {
      const data = await this.clientBindingData();
      for (const binding of clientBindings) context.extraInputs.set(binding.name, clone(data));
    }
    return context;
  }
}

function isDurableClientBinding(binding: BindingMetadata): boolean {
  // The two type names durable-functions' getClient accepts.
  return DURABLE_CLIENT_BINDING_TYPES.includes(binding.type);
}
