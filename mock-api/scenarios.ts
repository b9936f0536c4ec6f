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
  /** Each page after the first repeats the previous page's last record. */
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

/** The answer for one page: the honest one, or what the account's scenario makes of it. */
export function listAnswer(all: Campaign[], page: number, limit: number, scenario: Scenario | undefined): ListAnswer {
  const start = (page - 1) * limit;
  let data: unknown[] = all.slice(start, page * limit);
  let total = all.length;
  let hasMore = page * limit < all.length;
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
      if (page > 1 && start - 1 < all.length) data = [all[start - 1], ...data];
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
    case undefined:
      break;
  }
  return { status: 200, body: JSON.stringify({ data, pagination: { page, limit, total, has_more: hasMore } }) };
}
