import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate } from './auth';
import { deliver, faultsBeforeAnswer } from './faults';
import { HttpError, notFound } from './http';
import type { AccountState, PlatformState } from './platform-state';
import { answerListPage } from './poisons';
import { admitUnderRateLimit } from './rate-limit';
import { campaignPage, listAnswer } from './scenarios';
import type { RequestRecord } from './stats';

function positiveInteger(value: string | null, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === null) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw new HttpError(400, 'Bad Request', `${name} must be an integer from 1 to ${max}`);
  }
  return Number(value);
}

/** The page asked for as it honestly is, and as the account's hostile scenario answers it if one is set. */
function listPage(platform: PlatformState, state: AccountState, url: URL) {
  const page = positiveInteger(url.searchParams.get('page'), 'page', 1);
  const limit = positiveInteger(url.searchParams.get('limit'), 'limit', 10, platform.config.maxPageLimit);
  const { campaigns } = state.account;
  const scenario = platform.scenarios.get(state.account.id);
  return { page, limit, honest: campaignPage(campaigns, page, limit), hostile: scenario && listAnswer(campaigns, page, limit, scenario) };
}

/** Every /api request is recorded for the admin endpoints, with the status it ended with. */
async function recorded(state: AccountState, record: RequestRecord, answer: () => Promise<void>) {
  state.stats.add(record);
  try {
    await answer();
  } catch (err) {
    if (err instanceof HttpError) record.status = err.status;
    throw err;
  }
}

const newRecord = (req: IncomingMessage, endpoint: RequestRecord['endpoint']): RequestRecord => ({
  at: Date.now(),
  endpoint,
  status: 200,
  clientIdHeader: req.headers['x-client-id'] as string | undefined,
});

/**
 * GET /api/campaigns?page&limit: auth first, then the rate limit, then injected faults, then a page
 * (or a hostile scenario's answer), which may carry a poison.
 */
export async function listCampaigns(platform: PlatformState, req: IncomingMessage, res: ServerResponse, url: URL) {
  const state = authenticate(platform, req);
  const record = newRecord(req, 'list');
  await recorded(state, record, async () => {
    admitUnderRateLimit(platform, state, record, record.at);
    const listed = listPage(platform, state, url);
    Object.assign(record, { page: listed.page, limit: listed.limit });
    if ((await faultsBeforeAnswer(platform, record, 'list')) === 'hang') return;
    if (!listed.hostile) return answerListPage(platform, res, record, listed.honest);
    record.status = listed.hostile.status;
    await deliver(platform, res, record, listed.hostile);
  });
}

/** POST /api/campaigns/:id/sync: like listing, then the campaign counts as synced (once more). */
export async function syncCampaign(platform: PlatformState, req: IncomingMessage, res: ServerResponse, campaignId: string) {
  const state = authenticate(platform, req);
  const record = { ...newRecord(req, 'sync'), campaignId };
  await recorded(state, record, async () => {
    admitUnderRateLimit(platform, state, record, record.at);
    if (!state.account.campaigns.some((c) => c.id === campaignId)) throw notFound(`No campaign ${campaignId}`);
    if ((await faultsBeforeAnswer(platform, record, 'sync')) === 'hang') return;
    const synced = state.stats.syncedCampaignIds;
    synced.set(campaignId, (synced.get(campaignId) ?? 0) + 1);
    const body = { success: true, campaign_id: campaignId, synced_at: new Date().toISOString(), message: `Campaign ${campaignId} synced` };
    await deliver(platform, res, record, { status: 200, body: JSON.stringify(body) });
  });
}
