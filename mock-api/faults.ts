import type { ServerResponse } from 'node:http';
import type { Endpoint, RequestRecord } from './stats';
import { delay, HttpError } from './http';
import type { PlatformState } from './platform-state';
import type { ListAnswer } from './scenarios';

/**
 * What an admitted /api request meets before its answer: maybe a 503, maybe no answer at all
 * ('hang': the client has to time out), else the configured latency plus maybe a spike.
 */
export async function faultsBeforeAnswer(platform: PlatformState, record: RequestRecord, endpoint: Endpoint): Promise<'answer' | 'hang'> {
  const { config } = platform;
  if (platform.chance(config.rate503)) throw new HttpError(503, 'Service temporarily unavailable', 'Try again later');
  if (platform.chance(config.hangRate)) {
    record.status = 'hung';
    return 'hang';
  }
  const spike = platform.chance(config.spikeRate) ? config.spikeMs : 0;
  await delay(config.latencyMs + spike + (endpoint === 'sync' ? config.syncLatencyMs : 0));
  return 'answer';
}

/** Writes an answer, honestly or with an injected reset (half a body, then a dead socket) or drip. */
export async function deliver(platform: PlatformState, res: ServerResponse, record: RequestRecord, answer: ListAnswer) {
  const { config } = platform;
  res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
  if (platform.chance(config.resetRate)) {
    record.fault = 'reset';
    res.write(answer.body.slice(0, Math.floor(answer.body.length / 2)));
    res.socket?.destroy();
    return;
  }
  if (platform.chance(config.dripRate)) {
    record.fault = 'drip';
    const chunk = Math.ceil(answer.body.length / 10);
    for (let i = 0; i < answer.body.length && !res.destroyed; i += chunk) {
      res.write(answer.body.slice(i, i + chunk));
      await delay(config.dripChunkMs);
    }
    res.end();
    return;
  }
  res.end(answer.body);
}
