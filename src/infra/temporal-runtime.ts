import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import type { Logger } from '../logger';
import { createSyncMetrics, HISTOGRAM_BUCKETS, type SyncMetrics } from '../metrics';

const TEMPORAL_LEVELS = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

export interface TemporalRuntimeOptions {
  /** The SDK's own logs at this level or above go through our redacting logger. */
  minimumLogLevel?: keyof typeof TEMPORAL_LEVELS;
  /** host:port to serve Prometheus metrics on (`/metrics`); none when absent. */
  metricsAddress?: string;
}

/**
 * Writes the SDK's log entries with our logger, so they get the same redaction and error
 * serializer as ours (src/log-redaction.ts): the SDK's "Activity failed" warning carries the
 * error in `meta.error`, which plain JSON writes as `{}`.
 */
export function sdkLogEntries(logger: Logger) {
  return ({ level, message, meta }: LogEntry): void => logger[TEMPORAL_LEVELS[level]]({ ...meta }, message);
}

/**
 * Installs the Temporal SDK's runtime for this process, once, before any connection: its logs go
 * through our logger, and its Prometheus exporter serves the SDK's metrics together with ours.
 * Returns our metrics, recorded on the same meter.
 */
export function installTemporalRuntime(logger: Logger, options: TemporalRuntimeOptions = {}): SyncMetrics {
  Runtime.install({
    logger: new DefaultLogger(options.minimumLogLevel ?? 'INFO', sdkLogEntries(logger)),
    telemetryOptions: {
      // The SDK core's own logs (Rust) come through the same logger too, instead of its console format on stderr.
      logging: { forward: {} },
      ...(options.metricsAddress && {
        metrics: { prometheus: { bindAddress: options.metricsAddress, histogramBucketOverrides: HISTOGRAM_BUCKETS } },
      }),
    },
  });
  return createSyncMetrics(Runtime.instance().metricMeter);
}
