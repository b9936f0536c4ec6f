import { z } from 'zod';

// PostgreSQL text and jsonb cannot hold NUL; such a record is reported, not retried forever.
const text = z.string().refine((value) => !value.includes('\u0000'), 'contains a NUL character');

/**
 * A campaign as the platform's list endpoint returns it. Fields we do not model yet are kept
 * (loose object), so the stored platform_record is the whole record.
 */
export const campaignSchema = z.looseObject({
  // "." and ".." would change the sync URL's path however they are escaped.
  id: text.min(1).refine((id) => id !== '.' && id !== '..', 'is not a usable campaign id'),
  name: text,
  status: text.min(1),
  budget: z.number(),
  impressions: z.number().int(),
  clicks: z.number().int(),
  conversions: z.number().int(),
  created_at: z.iso.datetime({ offset: true }),
});

export type Campaign = z.infer<typeof campaignSchema>;
