export { FUNCTIONS_CORE_MODULE, installFakeFunctionsCore } from './functionsCore';
export type { BindingMetadata, FunctionMetadata, RegisteredFunction, RegisteredHandler, Registry, SystemLogEntry } from './functionsCore';
export { DurableHarness } from './durableHarness';
export { HarnessError } from './types';
export type {
  DurableHarnessOptions,
  HistoryEvent,
  HttpCall,
  HttpResult,
  InstanceStatus,
  LogEntry,
  RuntimeStatus,
  StartOptions,
} from './types';
