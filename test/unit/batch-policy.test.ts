import {
  afterReservation,
  batchVerdict,
  nextSendStep,
  nextSlotInMs,
  type BatchEnd,
  type BatchVerdict,
  type SendState,
  type SendStep,
} from '../../src/activities/batch-policy';

// The batch call's decisions as tables: each row a case in plain words.

const send = (state: Partial<SendState>): SendState => ({ stopped: false, unsent: 0, inFlight: 0, rateLimit: 3, ...state });

describe('nextSendStep', () => {
  it.each<[string, SendState, SendStep]>([
    ['nothing unsent and nothing out: done', send({}), { kind: 'done' }],
    ['stopped (fatal, 429 or failed write) with campaigns unsent: done', send({ stopped: true, unsent: 4 }), { kind: 'done' }],
    ['stopped with requests out: done (the loop then collects them)', send({ stopped: true, inFlight: 2 }), { kind: 'done' }],
    ['nothing unsent but requests out (one may come back): wait for an answer', send({ inFlight: 1 }), { kind: 'await-answer' }],
    ['as many out as the rate limit: wait for an answer', send({ unsent: 5, inFlight: 3 }), { kind: 'await-answer' }],
    ['more unsent than the rate limit, nothing out: reserve the rate limit', send({ unsent: 5 }), { kind: 'reserve', slots: 3 }],
    ['fewer unsent than room: reserve one per unsent campaign', send({ unsent: 2 }), { kind: 'reserve', slots: 2 }],
    ['some out: reserve what room is left', send({ unsent: 5, inFlight: 2 }), { kind: 'reserve', slots: 1 }],
  ])('%s', (_, state, step) => {
    expect(nextSendStep(state)).toEqual(step);
  });
});

describe('afterReservation', () => {
  it.each<[string, number, number, number, ReturnType<typeof afterReservation>]>([
    ['every slot granted: go on', 3, 3, 3, 'continue'],
    ['short of slots, nothing out: end the call until the next slot', 3, 0, 0, 'end-until-next-slot'],
    ['short of slots, requests out: wait for an answer or the slot', 3, 1, 1, 'await-answer-or-slot'],
  ])('%s', (_, asked, granted, inFlight, next) => {
    expect(afterReservation(asked, granted, inFlight)).toBe(next);
  });
});

const refused = { campaignId: 'r1', error: '400 refused' };
const outage = { campaignId: 't1', error: '503 unavailable' };
const end = (e: Partial<BatchEnd>): BatchEnd => ({ refused: [], unsynced: [], unsent: [], throttled: false, lastAttempt: false, ...e });

describe('batchVerdict', () => {
  it.each<[string, BatchEnd, BatchVerdict]>([
    ['all confirmed: report nothing failed, nothing pending', end({}), { kind: 'report', failed: [], pending: [] }],
    ['a refusal: reported failed at once, no retry', end({ refused: [refused] }), { kind: 'report', failed: [refused], pending: [] }],
    [
      'an outage with nothing unsent: retry the attempt',
      end({ unsynced: [outage], refused: [refused] }),
      { kind: 'retry', unsynced: [outage] },
    ],
    [
      'a 429 with campaigns unsent: retry the attempt (by the 429 wait)',
      end({ unsynced: [outage], unsent: ['u1'], throttled: true }),
      { kind: 'retry', unsynced: [outage] },
    ],
    [
      'an outage while campaigns wait for the next slot: pending with them, no retry',
      end({ unsynced: [outage], unsent: ['u1'] }),
      { kind: 'report', failed: [], pending: ['t1', 'u1'] },
    ],
    [
      'unsent only (next slot beyond the horizon): pending',
      end({ unsent: ['u1', 'u2'] }),
      { kind: 'report', failed: [], pending: ['u1', 'u2'] },
    ],
    [
      'an outage on the last attempt: reported failed after the refusals, unsent stay pending',
      end({ refused: [refused], unsynced: [outage], unsent: ['u1'], lastAttempt: true }),
      { kind: 'report', failed: [refused, outage], pending: ['u1'] },
    ],
    [
      'a 429 on the last attempt: reported failed, no retry',
      end({ unsynced: [outage], throttled: true, lastAttempt: true }),
      { kind: 'report', failed: [outage], pending: [] },
    ],
  ])('%s', (_, state, verdict) => {
    expect(batchVerdict(state)).toEqual(verdict);
  });
});

describe('nextSlotInMs', () => {
  it.each<[string, number, number | undefined, number, number | undefined]>([
    ['nothing pending: no next slot', 0, 5_000, 1_000, undefined],
    ['pending, slot ahead: the time until it', 2, 5_000, 1_000, 4_000],
    ['pending, slot already due: at once', 2, 500, 1_000, 0],
    ['pending, no slot known (the call stopped): at once', 1, undefined, 1_000, 0],
  ])('%s', (_, pending, nextDueAt, now, inMs) => {
    expect(nextSlotInMs(pending, nextDueAt, now)).toBe(inMs);
  });
});
