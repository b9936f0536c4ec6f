// The workflows of campaign-sync (see ARCHITECTURE.md). Deterministic code only: no I/O, no
// Node built-ins; activities are reached through proxyActivities with their types.
export { syncClientWorkflow } from './sync-client';
export type { SyncClientInput, SyncSummary } from './sync-client';
export { syncCampaignBatchWorkflow } from './sync-campaign-batch';
export { progressQuery, batchProgressSignal, syncWorkflowId } from './definitions';
export type { SyncProgress, BatchProgress } from './definitions';
