import type { Pool } from 'pg';
import type { Campaign, StoredPage } from '../contract/activities';
import { upsertCampaigns } from '../db/campaigns';
import { quotable } from '../printable';
import { isDataRefusal, type DataRefusal } from './failures';

/**
 * Upserts a page in one statement. PlatformApi refuses what no column can hold, but if
 * PostgreSQL still refuses a record's values (a data exception or a limit, SQLSTATE 22 or 54), the
 * page is halved and each half stored the same way, until the refused records stand alone: the
 * rest of the page is stored (in about 2·log2(n) statements per bad record) and the bad ones are
 * reported. Any other error fails the whole page.
 */
export async function storePage(
  pool: Pool,
  clientId: string,
  syncRunId: string,
  campaigns: Campaign[],
  listedAt: string,
): Promise<Required<StoredPage>> {
  try {
    return { ...(await upsertCampaigns(pool, clientId, syncRunId, campaigns, listedAt)), refused: [] };
  } catch (err) {
    if (!isRecordRefusal(err)) throw err;
    if (campaigns.length === 1)
      return { inserted: 0, updated: 0, unchanged: 0, refused: [{ campaignId: campaigns[0]!.id, reason: refusal(err) }] };
    const half = Math.ceil(campaigns.length / 2);
    const first = await storePage(pool, clientId, syncRunId, campaigns.slice(0, half), listedAt);
    const second = await storePage(pool, clientId, syncRunId, campaigns.slice(half), listedAt);
    return {
      inserted: first.inserted + second.inserted,
      updated: first.updated + second.updated,
      unchanged: first.unchanged + second.unchanged,
      refused: [...first.refused, ...second.refused],
    };
  }
}

/**
 * What a record's own values cause: a data exception (22), a limit such as an index row too big
 * (54), a check. Not a missing client row (a foreign key) or a lost connection: no record is to blame.
 */
const isRecordRefusal = (err: unknown): err is DataRefusal => isDataRefusal(err) && (!err.code.startsWith('23') || err.code === '23514');

const refusal = (err: DataRefusal) => `PostgreSQL refused it (${err.code}): ${quotable(err.message, 200)}`;
