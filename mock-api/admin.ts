import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { runtimeChangesSchema } from './config';
import { HttpError, notFound, parseJsonBody, sendJson } from './http';
import type { PlatformState } from './platform-state';
import { poisonsServed, rearmPoisons } from './poisons';
import { scenarioSchema } from './scenarios';

const firstIssue = (error: z.ZodError) => error.issues[0]!;

/** /__mock/*: what tests read (stats, poisons served, requests, tokens, the true campaigns) and what they change (campaigns, scenarios, config). */
export function handleAdmin(platform: PlatformState, req: IncomingMessage, res: ServerResponse, url: URL, body: string) {
  const path = url.pathname;
  if (req.method === 'GET' && path === '/__mock/stats') {
    const summaries = Object.fromEntries(
      [...platform.accounts].map(([id, s]) => [id, s.stats.summary(s.arrivals.maxInWindow, s.accepted.maxInWindow)]),
    );
    const { config, application } = platform;
    return sendJson(res, 200, {
      config,
      poisonsServed: poisonsServed(platform),
      accounts: summaries,
      application: {
        rateLimit: config.appRateLimit,
        rateWindowMs: config.appRateWindowMs,
        maxArrivalsInWindow: application.arrivals.maxInWindow,
        maxAcceptedInWindow: application.accepted.maxInWindow,
        rateLimited: Object.values(summaries).reduce((sum, summary) => sum + summary.appRateLimited, 0),
      },
    });
  }
  if (req.method === 'GET' && path === '/__mock/requests') {
    return sendJson(res, 200, platform.account(url.searchParams.get('account') ?? '').stats.requests);
  }
  if (req.method === 'GET' && path === '/__mock/tokens') {
    // Every token issued to an account (or, without ?account, to any), so tests can prove none leaked anywhere.
    const accountId = url.searchParams.get('account');
    return sendJson(
      res,
      200,
      [...platform.tokens].filter(([, t]) => accountId === null || t.accountId === accountId).map(([token]) => token),
    );
  }
  const campaignsMatch = /^\/__mock\/accounts\/([^/]+)\/campaigns$/.exec(path);
  if (req.method === 'GET' && campaignsMatch) {
    return sendJson(res, 200, platform.account(decodeURIComponent(campaignsMatch[1]!)).account.campaigns);
  }
  const campaignMatch = /^\/__mock\/accounts\/([^/]+)\/campaigns\/([^/]+)$/.exec(path);
  if (req.method === 'DELETE' && campaignMatch) {
    return sendJson(res, 200, removeCampaign(platform, decodeURIComponent(campaignMatch[1]!), decodeURIComponent(campaignMatch[2]!)));
  }
  const accountMatch = /^\/__mock\/accounts\/([^/]+)$/.exec(path);
  if (req.method === 'PATCH' && accountMatch) {
    return sendJson(res, 200, setScenario(platform, decodeURIComponent(accountMatch[1]!), body));
  }
  if (req.method === 'POST' && path === '/__mock/reset') {
    platform.resetStats();
    return sendJson(res, 200, { ok: true });
  }
  if (req.method === 'PATCH' && path === '/__mock/config') {
    const parsed = runtimeChangesSchema.safeParse(parseJsonBody(body));
    if (!parsed.success) {
      const issue = firstIssue(parsed.error);
      throw new HttpError(
        400,
        'Bad Request',
        `Invalid config change${issue.path.length ? ` ${issue.path.join('.')}` : ''}: ${issue.message}`,
      );
    }
    Object.assign(platform.config, parsed.data);
    rearmPoisons(platform, parsed.data);
    return sendJson(res, 200, platform.config);
  }
  throw notFound(`No route ${req.method} ${path}`);
}

/** A campaign the platform stops listing (deleted on the platform), for tests of removals. */
function removeCampaign(platform: PlatformState, accountId: string, campaignId: string) {
  const campaigns = platform.accounts.get(accountId)?.account.campaigns;
  const index = campaigns?.findIndex((c) => c.id === campaignId) ?? -1;
  if (index < 0) throw notFound('Unknown account or campaign');
  campaigns!.splice(index, 1);
  return { removed: campaignId };
}

/** Switches an account's hostile list answers on (a scenario) or off (null). */
function setScenario(platform: PlatformState, accountId: string, body: string) {
  platform.account(accountId);
  const parsed = z.object({ scenario: scenarioSchema.nullable() }).strict().safeParse(parseJsonBody(body));
  if (!parsed.success) throw new HttpError(400, 'Bad Request', `Invalid scenario: ${firstIssue(parsed.error).message}`);
  if (parsed.data.scenario) platform.scenarios.set(accountId, parsed.data.scenario);
  else platform.scenarios.delete(accountId);
  return { account: accountId, scenario: parsed.data.scenario };
}
