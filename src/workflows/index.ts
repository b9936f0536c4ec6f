// The workflows of campaign-sync (see ARCHITECTURE.md). Deterministic code only: no I/O, no
// Node built-ins; activities are reached through proxyActivities with their types.
export { syncClientWorkflow } from './sync-client';
export type { SyncClientInput, SyncSummary } from './sync-client';
export { syncCampaignBatchWorkflow } from './sync-campaign-batch';
export { scheduledSyncWorkflow } from './scheduled-sync';
export type { ScheduledSyncOutcome } from './scheduled-sync';
export {
  progressQuery,
  batchProgressSignal,
  scheduleId,
  syncWorkflowId,
  clientSyncStart,
  syncSearchAttributes,
  SEARCH_ATTRIBUTES,
  clientIdSearchAttribute,
  outcomeSearchAttribute,
  syncOutcome,
} from './definitions';
export type { SyncProgress, BatchProgress, SyncOutcome } from './definitions';
