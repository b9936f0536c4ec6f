import { Lifecycle, withLifecycle } from '../../dev-stack/lifecycle';

/** Fake parts that record their starts and stops in one log. */
function fakes() {
  const log: string[] = [];
  const part =
    (name: string, opts: { failStart?: boolean; failStop?: boolean; startMs?: number } = {}) =>
    async () => {
      await new Promise((resolve) => setTimeout(resolve, opts.startMs ?? 0));
      if (opts.failStart) throw new Error(`${name} did not start`);
      log.push(`start ${name}`);
      return {
        name,
        async stop() {
          log.push(`stop ${name}`);
          if (opts.failStop) throw new Error(`${name} did not stop`);
        },
      };
    };
  return { log, part, stops: () => log.filter((line) => line.startsWith('stop')) };
}

it('stops in reverse order of starting, including registered stops', async () => {
  const { log, part, stops } = fakes();
  const lifecycle = new Lifecycle();
  await lifecycle.start(part('database'));
  lifecycle.onStop(async () => log.push('stop pool'));
  await lifecycle.start(part('mock'));
  await lifecycle.start(part('server'));
  await lifecycle.stop();
  expect(stops()).toEqual(['stop server', 'stop mock', 'stop pool', 'stop database']);
});

it('orders parts by the calls, not by which came up first', async () => {
  const { part, stops } = fakes();
  const lifecycle = new Lifecycle();
  await Promise.all([lifecycle.start(part('slow', { startMs: 30 })), lifecycle.start(part('fast'))]);
  await lifecycle.stop();
  expect(stops()).toEqual(['stop fast', 'stop slow']);
});

it('a failing start stops exactly what started before it, then throws its error', async () => {
  const { log, part } = fakes();
  const lifecycle = new Lifecycle();
  await lifecycle.start(part('database'));
  await lifecycle.start(part('mock'));
  await expect(lifecycle.start(part('server', { failStart: true }))).rejects.toThrow('server did not start');
  expect(log).toEqual(['start database', 'start mock', 'stop mock', 'stop database']);
  await expect(lifecycle.start(part('late'))).rejects.toThrow(/stopping/);
  expect(log).not.toContain('start late');
});

it('startTogether returns the parts in order; when one fails, the others are stopped once up', async () => {
  const { log, part, stops } = fakes();
  const lifecycle = new Lifecycle();
  const [a, b] = await lifecycle.startTogether(part('a'), part('b', { startMs: 10 }));
  expect([a.name, b.name]).toEqual(['a', 'b']);
  await expect(lifecycle.startTogether(part('slow', { startMs: 30 }), part('broken', { failStart: true }), part('c'))).rejects.toThrow(
    'broken did not start',
  );
  expect(log).toContain('start slow');
  expect(stops().slice(0, 2).sort()).toEqual(['stop c', 'stop slow']);
  expect(stops().slice(2).sort()).toEqual(['stop a', 'stop b']);
  expect(stops()).toHaveLength(4);
});

it('a stop that throws does not prevent the others, and is reported', async () => {
  const { part, stops } = fakes();
  const errors: unknown[] = [];
  const lifecycle = new Lifecycle((err) => errors.push(err));
  await lifecycle.start(part('database'));
  await lifecycle.start(part('mock', { failStop: true }));
  lifecycle.onStop(() => Promise.reject(new Error('the pool did not end')));
  await lifecycle.start(part('server'));
  await lifecycle.stop();
  expect(stops()).toEqual(['stop server', 'stop mock', 'stop database']);
  expect(errors.map(String)).toEqual(['Error: the pool did not end', 'Error: mock did not stop']);
});

it('stop is idempotent: each part stops once however many times it is called', async () => {
  const { part, stops } = fakes();
  const lifecycle = new Lifecycle();
  await lifecycle.start(part('database'));
  await Promise.all([lifecycle.stop(), lifecycle.stop()]);
  await lifecycle.stop();
  expect(stops()).toEqual(['stop database']);
});

it('a stop during a start waits for the part and stops it too', async () => {
  const { part, stops } = fakes();
  const lifecycle = new Lifecycle();
  const starting = lifecycle.start(part('slow', { startMs: 20 }));
  await lifecycle.stop();
  expect(stops()).toEqual(['stop slow']);
  await expect(starting).rejects.toThrow(/stopped while/);
});

it('uses the given stop instead of the part’s own', async () => {
  const closed: string[] = [];
  const lifecycle = new Lifecycle();
  await lifecycle.start(
    async () => ({ id: 'pool' }),
    async (pool) => closed.push(pool.id),
  );
  await lifecycle.stop();
  expect(closed).toEqual(['pool']);
});

it('withLifecycle stops everything whether the body returns or throws', async () => {
  const { part, stops } = fakes();
  await expect(withLifecycle(async (lifecycle) => (await lifecycle.start(part('a'))).name)).resolves.toBe('a');
  await expect(
    withLifecycle(async (lifecycle) => {
      await lifecycle.start(part('b'));
      throw new Error('the run failed');
    }),
  ).rejects.toThrow('the run failed');
  expect(stops()).toEqual(['stop a', 'stop b']);
});
