import { z } from 'zod';
import type { Campaign } from '../contract/activities';
import { MAX_CAMPAIGN_ID_BYTES } from './answer-bounds';

/**
 * An ISO-8601 time with its offset that timestamptz can hold: PostgreSQL has no year 0 (22008) and
 * no offset of 16 hours or more (22009), which the ISO format allows.
 */
export const storableTimestamp = z.iso
  .datetime({ offset: true })
  .refine((time) => !time.startsWith('0000-') && !/[+-](1[6-9]|2\d):\d\d$/.test(time), 'is not a time PostgreSQL can store');

/**
 * A campaign as the platform's list endpoint returns it, checked into the shape activities hand
 * workflows (Campaign in src/contract). Fields we do not model yet are kept (loose object), so the
 * stored platform_record is the whole record. What no column could hold (NUL, unpaired
 * surrogates, depth, size) is refused before this schema (recordProblem); the counters are safe
 * integers, so bigint holds them.
 */
export const campaignSchema = z.looseObject({
  id: z
    .string()
    .min(1)
    .refine((id) => Buffer.byteLength(id) <= MAX_CAMPAIGN_ID_BYTES, `is longer than ${MAX_CAMPAIGN_ID_BYTES} bytes`)
    // "." and ".." would change the sync URL's path however they are escaped.
    .refine((id) => id !== '.' && id !== '..', 'is not a usable campaign id'),
  name: z.string(),
  status: z.string().min(1),
  budget: z.number(),
  impressions: z.number().int(),
  clicks: z.number().int(),
  conversions: z.number().int(),
  created_at: storableTimestamp,
}) satisfies z.ZodType<Campaign>;
