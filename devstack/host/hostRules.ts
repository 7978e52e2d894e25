/**
 * The checks the Durable extension (Azure/azure-functions-durable-extension, src/WebJobs.Extensions.DurableTask/)
 * and the Durable Task Framework (Azure/durabletask) apply to what a client or an orchestration asks
 * for, with their exact messages. Where each one surfaces (an HTTP error, a failed orchestration, a
 * call that never completes) is decided by the callers; the reasons are in their comments.
 */
import type { Registry } from './functionsCore';
import type { RuntimeStatus } from './types';

/** A .NET exception as the extension's HTTP API reports it: its message and its full type name. */
export class DotNetException extends Error {
  constructor(
    message: string,
    readonly exceptionType: string,
    readonly stackTrace: string,
  ) {
    super(message);
  }
}

export const ARGUMENT_EXCEPTION = 'System.ArgumentException';

/** .NET's ArgumentException(message, paramName).Message: "{message} (Parameter '{paramName}')". */
function argumentException(message: string, paramName?: string): DotNetException {
  const text = paramName === undefined ? message : `${message} (Parameter '${paramName}')`;
  return new DotNetException(
    text,
    ARGUMENT_EXCEPTION,
    '   at Microsoft.Azure.WebJobs.Extensions.DurableTask.DurableClient.StartNewAsync[T](String orchestratorFunctionName, String instanceId, T input)',
  );
}

/**
 * DurableTaskExtension.GetInvalidActivityFunctionMessage / GetInvalidOrchestratorFunctionMessage,
 * word for word: the known functions are listed in registration order.
 */
export function invalidFunctionMessage(registry: Registry, name: string, kind: 'activity' | 'orchestrator'): string {
  const known = registry.byTriggerType(kind === 'activity' ? 'activityTrigger' : 'orchestrationTrigger').map((f) => f.name);
  const info = known.length > 0 ? `The following are the known ${kind} functions: '${known.join("', '")}'.` : `No ${kind} functions are currently registered!`;
  return `The function '${name}' doesn't exist, is disabled, or is not an ${kind} function. Additional info: ${info}`;
}

/** FunctionName compares names case-insensitively (DurableTaskExtension.knownActivities / knownOrchestrators). */
export function hasFunction(registry: Registry, name: string, triggerType: 'activityTrigger' | 'orchestrationTrigger'): boolean {
  const wanted = name.toLowerCase();
  return registry.byTriggerType(triggerType).some((f) => f.name.toLowerCase() === wanted);
}

/** The registered function a case-insensitive name refers to. */
export function functionNamed(registry: Registry, name: string, triggerType: 'activityTrigger' | 'orchestrationTrigger'): string | undefined {
  const wanted = name.toLowerCase();
  return registry.byTriggerType(triggerType).find((f) => f.name.toLowerCase() === wanted)?.name;
}

const MAX_INSTANCE_ID_LENGTH = 256; // DurableClient.MaxInstanceIdLength

/**
 * DurableClient.StartNewAsync's checks before it creates the instance, in its order. Every one is an
 * ArgumentException, which HttpApiHandler.HandleRequestAsync answers with 400. (The '@' and the
 * character checks pass their arguments to ArgumentException in swapped order; the messages keep
 * that quirk.)
 */
export function checkStart(registry: Registry, name: string, instanceId: string): void {
  if (!hasFunction(registry, name, 'orchestrationTrigger')) throw argumentException(invalidFunctionMessage(registry, name, 'orchestrator'));
  if (instanceId.startsWith('@')) throw argumentException('instanceId', 'Orchestration instance ids must not start with @.');
  if ([...instanceId].some(isInvalidInstanceIdCharacter)) {
    throw argumentException('instanceId', 'Orchestration instance ids must not contain /, \\, #, ?, or control characters.');
  }
  if (instanceId.length > MAX_INSTANCE_ID_LENGTH) throw argumentException(`Instance ID lengths must not exceed ${MAX_INSTANCE_ID_LENGTH} characters.`);
}

/** DurableClient.IsInvalidCharacter: `/`, `\`, `?`, `#` and char.IsControl. */
function isInvalidInstanceIdCharacter(c: string): boolean {
  const code = c.charCodeAt(0);
  return c === '/' || c === '\\' || c === '?' || c === '#' || code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

/**
 * The statuses a new top-level instance may not replace. host.json's
 * `overridableExistingInstanceStates` defaults to NonRunningStates (Options/DurableTaskOptions.cs),
 * whose dedupe statuses are Running, ContinuedAsNew, Pending and Suspended (OverridableStates.cs,
 * ToDedupeStatuses); the harness's statuses include only Pending and Running of those. Completed,
 * Failed and Terminated instances are overwritten: a new execution with a fresh history.
 */
const DEDUPE_STATUSES: ReadonlySet<RuntimeStatus> = new Set(['Pending', 'Running']);

/**
 * DTFx AzureStorageOrchestrationService.CreateTaskOrchestrationAsync throws this when the existing
 * instance's status is a dedupe status (the extension sets ThrowExceptionOnInvalidDedupeStatus,
 * AzureStorageDurabilityProviderFactory.cs). It is no ArgumentException, so the HTTP API answers 500.
 */
export function checkDuplicate(existingStatus: RuntimeStatus | undefined): void {
  if (existingStatus === undefined || !DEDUPE_STATUSES.has(existingStatus)) return;
  throw new DotNetException(
    `An Orchestration instance with the status ${existingStatus} already exists.`,
    'DurableTask.Core.Exceptions.OrchestrationAlreadyExistsException',
    '   at DurableTask.AzureStorage.AzureStorageOrchestrationService.CreateTaskOrchestrationAsync(TaskMessage creationMessage, OrchestrationStatus[] dedupeStatuses)',
  );
}

/**
 * The body HttpApiHandler.HandleRequestAsync sends for an exception (HttpRequestMessageExtensions.
 * CreateErrorResponse: Newtonsoft, in this property order): ArgumentException → 400, anything else → 500.
 */
export function errorResponse(error: DotNetException): { status: number; body: Record<string, string> } {
  const argument = error.exceptionType === ARGUMENT_EXCEPTION;
  return {
    status: argument ? 400 : 500,
    body: {
      Message: argument ? 'One or more of the arguments submitted is incorrect' : 'Something went wrong while processing your request',
      ExceptionMessage: error.message,
      ExceptionType: error.exceptionType,
      StackTrace: error.stackTrace,
    },
  };
}

/**
 * DurableOrchestrationContext.CallDurableTaskFunctionAsync's checks of a sub-orchestration call, in
 * its order (after ThrowIfFunctionDoesNotExist): its id may be neither the caller's nor the caller's
 * parent's (compared ignoring case), nor start with '@'. Returns the ArgumentException's message.
 */
export function subOrchestrationIdProblem(childId: string | undefined, callerId: string, callerParentId: string | undefined): string | undefined {
  if (childId === undefined || childId === null) return undefined;
  const same = (a: string, b: string | undefined) => b !== undefined && a.toLowerCase() === b.toLowerCase();
  if (same(childId, callerId) || same(childId, callerParentId)) {
    return 'The instance ID of a sub-orchestration must be different than the instance ID of a parent orchestration.';
  }
  if (childId.startsWith('@')) return "instanceId (Parameter 'Orchestration instance ids must not start with @')";
  return undefined;
}

/** IDurableOrchestrationContext.SetCustomStatus: MaxCustomStatusPayloadSizeInKB. */
const MAX_CUSTOM_STATUS_KB = 16;

/**
 * DurableOrchestrationContext.SetCustomStatus → MessagePayloadDataConverter.Serialize(status, 16):
 * the size is the UTF-16 byte count of the JSON, in KB, truncated — `(int)(bytes / 1024.0)` — and
 * must not exceed 16; so 17,407 bytes (8,703 UTF-16 code units) pass and 17,408 fail. Returns the
 * ArgumentException's message, or undefined.
 *
 * The JSON counted is the worker's (JSON.stringify), re-written by Newtonsoft
 * (JToken.ToString(Formatting.None)), which also escapes U+0085, U+2028 and U+2029 (six characters
 * each); the harness adds those. Not emulated: Newtonsoft's own number formats (0.000001 → 1E-06).
 * Only a truthy status reaches the extension: durable-functions' OrchestratorState copies
 * `customStatus` only `if (options.customStatus)`.
 */
export function customStatusProblem(customStatus: unknown): string | undefined {
  if (!customStatus) return undefined;
  const json = JSON.stringify(customStatus);
  if (json === undefined) return undefined;
  const escapes = json.match(/[\u0085\u2028\u2029]/g)?.length ?? 0;
  const bytes = 2 * (json.length + 5 * escapes);
  const kb = Math.trunc(bytes / 1024);
  if (kb <= MAX_CUSTOM_STATUS_KB) return undefined;
  return `The UTF-16 size of the JSON-serialized payload must not exceed ${groupThousands(MAX_CUSTOM_STATUS_KB)} KB. The current payload size is ${groupThousands(kb)} KB.`;
}

/** .NET's "N0" format in the invariant culture: thousands separated by commas. */
function groupThousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
