import { DefaultLogger, Runtime } from '@temporalio/worker';
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
 * Installs the Temporal SDK's runtime for this process, once, before any connection: its logs go
 * through our logger, and its Prometheus exporter serves the SDK's metrics together with ours.
 * Returns our metrics, recorded on the same meter.
 */
export function installTemporalRuntime(logger: Logger, options: TemporalRuntimeOptions = {}): SyncMetrics {
  Runtime.install({
    logger: new DefaultLogger(options.minimumLogLevel ?? 'INFO', ({ level, message, meta }) =>
      logger[TEMPORAL_LEVELS[level]]({ ...meta }, message),
    ),
    ...(options.metricsAddress && {
      telemetryOptions: { metrics: { prometheus: { bindAddress: options.metricsAddress, histogramBucketOverrides: HISTOGRAM_BUCKETS } } },
    }),
  });
  return createSyncMetrics(Runtime.instance().metricMeter);
}
