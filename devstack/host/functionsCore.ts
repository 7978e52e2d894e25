/**
 * A stand-in for `@azure/functions-core`, the module the Node worker injects into the Functions
 * host process. `@azure/functions` requires it lazily on the first registration and, when it is
 * missing, only warns and drops every registration. Resolving that one name to this fake captures
 * the exact handlers the app registers (durable-functions wraps orchestrations and activities
 * before registering them), with the metadata the host would read from them.
 *
 * Call `installFakeFunctionsCore()` before the app module is imported: `@azure/functions` caches
 * the result of its first lookup, so a registration made earlier is lost for the whole process.
 */
import Module from 'node:module';

export const FUNCTIONS_CORE_MODULE = '@azure/functions-core';

/** One binding as `@azure/functions` hands it to the worker (`toCoreFunctionMetadata`). */
export interface BindingMetadata {
  readonly name: string;
  readonly type: string;
  readonly direction: 'in' | 'out';
  readonly authLevel?: 'anonymous' | 'function' | 'admin';
  readonly methods?: readonly string[];
  readonly route?: string;
  readonly schedule?: string;
  readonly runOnStartup?: boolean;
  readonly [property: string]: unknown;
}

export interface FunctionMetadata {
  readonly name: string;
  readonly bindings: Readonly<Record<string, BindingMetadata>>;
  readonly retryOptions?: unknown;
}

export type RegisteredHandler = (...args: unknown[]) => unknown;

export interface RegisteredFunction {
  readonly name: string;
  readonly metadata: FunctionMetadata;
  readonly handler: RegisteredHandler;
  /** The trigger binding (`httpTrigger`, `timerTrigger`, `activityTrigger`, `orchestrationTrigger`, …). */
  readonly trigger: BindingMetadata;
  readonly triggerType: string;
  /** Every input binding other than the trigger (for example the durable client binding). */
  readonly extraInputs: readonly BindingMetadata[];
  readonly extraOutputs: readonly BindingMetadata[];
  readonly returnBinding?: BindingMetadata;
}

export interface SystemLogEntry {
  readonly level: string;
  readonly category: string;
  readonly message: string;
}

export interface Registry {
  get(name: string): RegisteredFunction | undefined;
  /** Like `get`, but throws a message listing what is registered. */
  require(name: string): RegisteredFunction;
  names(): string[];
  all(): RegisteredFunction[];
  byTriggerType(triggerType: string): RegisteredFunction[];
  /** Hooks registered through `app.hook.*`, by hook name; the harness does not run them. */
  readonly hooks: ReadonlyMap<string, readonly RegisteredHandler[]>;
  /** What the library logged through the worker's system log. */
  readonly systemLogs: readonly SystemLogEntry[];
  /** The object `@azure/functions` passed to `setProgrammingModel`, once a function registered. */
  readonly programmingModel: unknown;
}

interface Disposable {
  dispose(): void;
}

class FunctionsCoreRegistry implements Registry {
  readonly functions = new Map<string, RegisteredFunction>();
  readonly hooks = new Map<string, RegisteredHandler[]>();
  readonly systemLogs: SystemLogEntry[] = [];
  programmingModel: unknown = undefined;

  get(name: string): RegisteredFunction | undefined {
    return this.functions.get(name);
  }

  require(name: string): RegisteredFunction {
    const found = this.functions.get(name);
    if (!found) {
      throw new Error(`No function named "${name}" is registered; registered: ${this.names().join(', ') || '(none)'}.`);
    }
    return found;
  }

  names(): string[] {
    return [...this.functions.keys()];
  }

  all(): RegisteredFunction[] {
    return [...this.functions.values()];
  }

  byTriggerType(triggerType: string): RegisteredFunction[] {
    return this.all().filter((f) => f.triggerType === triggerType);
  }

  /** The surface of `@azure/functions-core` that `@azure/functions` 4.x calls. */
  readonly coreApi = {
    version: '3.10.1-harness',
    setProgrammingModel: (model: unknown): void => {
      this.programmingModel = model;
    },
    getProgrammingModel: (): unknown => this.programmingModel,
    registerFunction: (metadata: FunctionMetadata, handler: RegisteredHandler): Disposable => {
      if (this.functions.has(metadata.name)) {
        // The real worker refuses duplicates too; silently replacing would hide a copy-paste bug.
        throw new Error(`A function named "${metadata.name}" is already registered.`);
      }
      this.functions.set(metadata.name, describe(metadata, handler));
      return { dispose: () => void this.functions.delete(metadata.name) };
    },
    registerHook: (hookName: string, callback: RegisteredHandler): Disposable => {
      const list = this.hooks.get(hookName) ?? [];
      list.push(callback);
      this.hooks.set(hookName, list);
      return {
        dispose: () => {
          const index = list.indexOf(callback);
          if (index >= 0) list.splice(index, 1);
        },
      };
    },
    log: (level: string, category: string, message: string): void => {
      this.systemLogs.push({ level, category, message });
    },
    Disposable: class {
      constructor(private readonly callOnDispose: () => void) {}
      dispose(): void {
        this.callOnDispose();
      }
    },
  };
}

function isTriggerType(type: string): boolean {
  return type.toLowerCase().endsWith('trigger');
}

function describe(metadata: FunctionMetadata, handler: RegisteredHandler): RegisteredFunction {
  const entries = Object.entries(metadata.bindings).map(([name, binding]) => ({ ...binding, name }) as BindingMetadata);
  const trigger = entries.find((b) => isTriggerType(b.type));
  if (!trigger) {
    throw new Error(`Function "${metadata.name}" was registered without a trigger binding.`);
  }
  return {
    name: metadata.name,
    metadata,
    handler,
    trigger,
    triggerType: trigger.type,
    extraInputs: entries.filter((b) => b !== trigger && b.direction === 'in'),
    extraOutputs: entries.filter((b) => b.direction === 'out' && b.name !== '$return'),
    returnBinding: entries.find((b) => b.name === '$return'),
  };
}

// One registry per process, kept on globalThis so that a second copy of this module (vitest may
// evaluate it once per importer graph) still sees the same registrations and installs no second hook.
const GLOBAL_KEY = Symbol.for('appgw-acme-robot.test.fakeFunctionsCore');

interface GlobalSlot {
  [GLOBAL_KEY]?: FunctionsCoreRegistry;
}

type ModuleLoad = (request: string, parent: unknown, isMain: boolean) => unknown;

export function installFakeFunctionsCore(): Registry {
  const slot = globalThis as GlobalSlot;
  const existing = slot[GLOBAL_KEY];
  if (existing) return existing;

  const registry = new FunctionsCoreRegistry();
  slot[GLOBAL_KEY] = registry;
  // `Module._load` is what every CommonJS `require` goes through; vitest externalizes
  // node_modules, so `@azure/functions` is loaded by Node and its require lands here.
  const moduleInternals = Module as unknown as { _load: ModuleLoad };
  const originalLoad = moduleInternals._load;
  moduleInternals._load = function loadWithFakeCore(this: unknown, request: string, parent: unknown, isMain: boolean) {
    if (request === FUNCTIONS_CORE_MODULE) return registry.coreApi;
    return originalLoad.call(this, request, parent, isMain);
  };
  return registry;
}
