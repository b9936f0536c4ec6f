import { z } from 'zod';
import type { Campaign } from './accounts';

/**
 * Hostile answers of the list endpoint, switched on per account with
 * PATCH /__mock/accounts/:id {"scenario": "..."} (null switches it off).
 */
export const scenarioSchema = z.enum([
  /** 200 with a body cut off mid-JSON. */
  'malformed-json',
  /** 200 with a JSON body of another shape. */
  'wrong-shape',
  /** Every 7th record lacks its name and every 11th has its budget as a string; the rest are fine. */
  'bad-records',
  /**
   * From page 2 on the list is one further along, as offset paging sees it when a campaign is
   * added before the pages already read: each page starts with the previous page's last record
   * (never more than `limit` records), and total counts one more.
   */
  'duplicate-ids',
  /** has_more stays true forever (total stays right). */
  'endless-has-more',
  'negative-total',
  /** total claims a trillion campaigns. */
  'absurd-total',
  /** 200 whose body is an error object. */
  'error-200',
  /** 302 to another address. */
  'redirect',
]);

export type Scenario = z.infer<typeof scenarioSchema>;

export interface ListAnswer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

export const BROKEN_RECORD_EVERY = { missingName: 7, budgetAsString: 11 } as const;

/** A list page as the platform means it: the records of that page of the account's campaigns. */
export interface CampaignPage {
  data: Campaign[];
  pagination: { page: number; limit: number; total: number; has_more: boolean };
}

export function campaignPage(all: Campaign[], page: number, limit: number): CampaignPage {
  return {
    data: all.slice((page - 1) * limit, page * limit),
    pagination: { page, limit, total: all.length, has_more: page * limit < all.length },
  };
}

/** What the account's scenario makes of one page. */
export function listAnswer(all: Campaign[], page: number, limit: number, scenario: Scenario): ListAnswer {
  const start = (page - 1) * limit;
  const honest = campaignPage(all, page, limit);
  let data: unknown[] = honest.data;
  let { total, has_more: hasMore } = honest.pagination;
  switch (scenario) {
    case 'malformed-json':
      return { status: 200, body: JSON.stringify({ data }).slice(0, 40) };
    case 'wrong-shape':
      return { status: 200, body: JSON.stringify({ items: data, count: total }) };
    case 'error-200':
      return { status: 200, body: JSON.stringify({ error: 'Internal error', message: 'Please try again later' }) };
    case 'redirect':
      return { status: 302, body: '', headers: { location: 'http://127.0.0.1:9/api/campaigns' } };
    case 'bad-records':
      data = data.map((record, i) => {
        const n = start + i + 1;
        if (n % BROKEN_RECORD_EVERY.missingName === 0) return { ...(record as Campaign), name: undefined };
        if (n % BROKEN_RECORD_EVERY.budgetAsString === 0) return { ...(record as Campaign), budget: String((record as Campaign).budget) };
        return record;
      });
      break;
    case 'duplicate-ids':
      if (page > 1) {
        data = all.slice(start - 1, start - 1 + limit);
        total = all.length + 1;
        hasMore = page * limit < total;
      }
      break;
    case 'endless-has-more':
      hasMore = true;
      break;
    case 'negative-total':
      total = -5;
      break;
    case 'absurd-total':
      total = 1e12;
      hasMore = true;
      break;
  }
  return { status: 200, body: JSON.stringify({ data, pagination: { page, limit, total, has_more: hasMore } }) };
}
