import { z } from 'zod';

/** A campaign as the platform's list endpoint returns it. */
export const campaignSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  status: z.string().min(1),
  budget: z.number().finite(),
  impressions: z.number().int(),
  clicks: z.number().int(),
  conversions: z.number().int(),
  created_at: z.iso.datetime({ offset: true }),
});

export type Campaign = z.infer<typeof campaignSchema>;
