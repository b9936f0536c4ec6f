// The workflows of campaign-sync (see ARCHITECTURE.md). Deterministic code only: no I/O, no
// Node built-ins; activities are reached through proxyActivities with their types. Their inputs,
// results, signals and queries are in src/contract/sync.ts.
export { syncClientWorkflow } from './sync-client';
export { syncCampaignBatchWorkflow } from './sync-campaign-batch';
export { scheduledSyncWorkflow } from './scheduled-sync';
