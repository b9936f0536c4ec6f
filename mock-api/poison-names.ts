// The poisons' names and precedence, apart from how each is served (poisons.ts): the request log
// and the platform's state name poisons, and poisons.ts uses both, so the names sit below all three.

/** 429s decided as the rate limiter admits a request, so they come before every page poison. */
export const POISONED_429_NAMES = ['retry-after-infinite', 'retry-after-huge'] as const;

/** Poisons of an honest list page (after the injected faults), decided after the 429s. */
export const PAGE_POISON_NAMES = [
  'extra-records',
  'huge-body',
  'long-id',
  'nul-character',
  'deep-nesting',
  'lone-surrogate',
  'counter-overflow',
] as const;

export type Poisoned429Name = (typeof POISONED_429_NAMES)[number];
export type PagePoisonName = (typeof PAGE_POISON_NAMES)[number];
export type Poison = Poisoned429Name | PagePoisonName;

/** Every poison, in precedence order. */
export const POISONS: readonly Poison[] = [...POISONED_429_NAMES, ...PAGE_POISON_NAMES];
