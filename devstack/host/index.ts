export { FUNCTIONS_CORE_MODULE, installFakeFunctionsCore } from './functionsCore';
export type { BindingMetadata, FunctionMetadata, RegisteredFunction, RegisteredHandler, Registry, SystemLogEntry } from './functionsCore';
export { DurableHarness } from './durableHarness';
export { HarnessError } from './types';
export { DEFAULT_OUT_OF_PROC_SCHEMA } from './schema';
export { ReplaySchema } from './wire';
export { DEFAULT_MAX_TIMER_LATENESS_MS } from './timerLateness';
export type { TimerLatenessOptions } from './timerLateness';
export type {
  DurableHarnessOptions,
  EntityIdentity,
  EntitySnapshot,
  HistoryEvent,
  HttpCall,
  HttpResult,
  InstanceStatus,
  LogEntry,
  RuntimeStatus,
  StartOptions,
} from './types';
