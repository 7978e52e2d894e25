export { FUNCTIONS_CORE_MODULE, installFakeFunctionsCore } from './functionsCore';
export type { BindingMetadata, FunctionMetadata, RegisteredFunction, RegisteredHandler, Registry, SystemLogEntry } from './functionsCore';
export { DurableHarness, HarnessError } from './durableHarness';
export type {
  DurableHarnessOptions,
  HistoryEvent,
  HttpCall,
  HttpResult,
  InstanceStatus,
  LogEntry,
  RuntimeStatus,
  StartOptions,
} from './durableHarness';
