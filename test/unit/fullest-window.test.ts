import { describeFullestWindow, type MockRequest } from '../../dev-stack/mock-platform-process';

const sync = (at: number, status: MockRequest['status'] = 200): MockRequest => ({ at, endpoint: 'sync', status, campaignId: `c${at}` });

describe('describeFullestWindow', () => {
  test.each([
    ['no requests', [], 0, '0 requests within 1000 ms: '],
    [
      'tokens are not counted',
      [{ at: 0, endpoint: 'auth', status: 200 } as MockRequest, sync(10)],
      1,
      '1 requests within 1000 ms: +0 ms sync c10 200',
    ],
    [
      'a request a whole window later starts a new window',
      [sync(0), sync(500), sync(1000)],
      2,
      '2 requests within 1000 ms: +0 ms sync c0 200; +500 ms sync c500 200',
    ],
    [
      'finds the fullest window wherever it is, in arrival order',
      [sync(3000), sync(0), sync(2100, 429), sync(2900), { at: 2500, endpoint: 'list', status: 200, page: 2 } as MockRequest],
      4,
      '4 requests within 1000 ms: +0 ms sync c2100 429; +400 ms list page 2 200; +800 ms sync c2900 200; +900 ms sync c3000 200',
    ],
  ])('%s', (_, requests, count, line) => {
    expect(describeFullestWindow(requests, 1000)).toEqual({ count, line });
  });
});
