/**
 * Retries `attempt` until it succeeds or `timeoutMs` passes. `gaveUp` ends the wait early with a
 * reason; `retryIf` limits retries to the errors worth waiting out (others are thrown at once).
 */
export async function waitFor<T>(
  what: string,
  attempt: () => Promise<T>,
  {
    timeoutMs = 60_000,
    intervalMs = 200,
    gaveUp,
    retryIf = () => true,
  }: {
    timeoutMs?: number;
    intervalMs?: number;
    gaveUp?: () => string | undefined;
    retryIf?: (err: unknown) => boolean;
  } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const reason = gaveUp?.();
    if (reason) throw new Error(`${what}: ${reason}`);
    try {
      return await attempt();
    } catch (err) {
      if (!retryIf(err)) throw err;
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not ready after ${timeoutMs} ms (${lastError instanceof Error ? lastError.message : String(lastError)})`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
