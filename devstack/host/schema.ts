/**
 * The out-of-proc replay schema the harness's "extension" advertises to orchestrations, and what
 * depends on it.
 *
 * How the extension advertises it (Azure/azure-functions-durable-extension,
 * Bindings/OrchestrationTriggerAttributeBindingProvider.cs, OrchestrationContextToString): the
 * trigger payload carries `upperSchemaVersion: V2` (kept at V2 because Python SDK 1.1.0–1.1.3 knew
 * no more) and `upperSchemaVersionNew: V3` since v2.7.0; PR #3453 (3.13.0, "Add critical sections
 * support for OOProc SDKs (schema V4)") bumped the advertised schema to V4. durable-functions reads
 * `upperSchemaVersionNew ?? upperSchemaVersion` (lib/src/orchestrations/Orchestrator.js) and only
 * with V4 accepts `context.df.lock` (orchestrations/DurableOrchestrationContext.js, `lock`).
 *
 * Why the default is V4. host.json asks for the extension bundle `[4.*, 5.0.0)`, so the host loads
 * the newest 4.x bundle. In Azure/azure-functions-extension-bundles, tag 4.37.1 (2026-07-10, commit
 * 072a30a) pins Microsoft.Azure.WebJobs.Extensions.DurableTask to 3.14.0 in
 * src/Microsoft.Azure.Functions.ExtensionBundle/extensions.json, and 4.38.0 (2026-07-21) lets it
 * float to the newest 3.x on NuGet at build time (≥ 3.14.0 by then; 3.15.x followed). Both are ≥
 * 3.13.0, the first extension with schema V4 (Durable-Task-Scheduler PR #340, June 2026: "3.13.0 …
 * not yet available in the Azure Functions extension bundles" — that was before 4.37.1). So the
 * bundle delivers V4 today (checked 2026-11, notes/research-issue12.md §1). Uncertain: the exact
 * field 3.13+ sets (upperSchemaVersionNew = V4 is inferred from the PR text, the code is not in any
 * stored snapshot), and a region or Core Tools cache may still serve an older bundle: a deployment
 * that must run on one passes `outOfProcSchemaVersion: ReplaySchema.V3` to see lock fail as it would.
 */
import { HarnessError } from './types';
import { ReplaySchema, ReplaySchemaVersion } from './wire';

export const DEFAULT_OUT_OF_PROC_SCHEMA: ReplaySchemaVersion = ReplaySchema.V4;

/** The lowest schema with entity critical sections (LockEntities 13, ReleaseEntities 14). */
export const LOCK_SCHEMA: ReplaySchemaVersion = ReplaySchema.V4;

/**
 * The schema fields of the orchestration trigger payload, as the extension writes them. V1 is not
 * offered: extensions before v2.5.0 sent no schema field at all, and the harness does not emulate them.
 */
export function schemaPayloadFields(version: ReplaySchemaVersion): { upperSchemaVersion: number; upperSchemaVersionNew?: number } {
  if (version === ReplaySchema.V2) return { upperSchemaVersion: ReplaySchema.V2 };
  return { upperSchemaVersion: ReplaySchema.V2, upperSchemaVersionNew: version };
}

export function checkSchemaOption(version: number | undefined): ReplaySchemaVersion {
  const chosen = version ?? DEFAULT_OUT_OF_PROC_SCHEMA;
  if (chosen !== ReplaySchema.V2 && chosen !== ReplaySchema.V3 && chosen !== ReplaySchema.V4) {
    throw new HarnessError(`outOfProcSchemaVersion must be ReplaySchema.V2, V3 or V4 (1, 2 or 3), not ${String(version)}.`);
  }
  return chosen;
}
