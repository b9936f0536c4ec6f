import pino from 'pino';
import { redactLogObject, redactText } from './log-redaction';

/**
 * Structured logs (pino). Every object logged, at any depth, and every message go through
 * src/log-redaction.ts before they are written: a credential that reaches a log call by mistake
 * still never reaches the output, and an error shows its type and message instead of `{}`.
 */
export function createLogger(level: string, destination?: pino.DestinationStream) {
  const logger = pino(
    {
      level,
      formatters: { log: redactLogObject, bindings: redactLogObject },
      // Errors are serialized by redactLogObject already; pino's own serializer would serialize the result again.
      serializers: { err: (value: unknown) => value },
      hooks: {
        logMethod(args, method) {
          // An error logged alone has its message as the line's message: that goes through redactText too.
          const withMessage = args.length === 1 && args[0] instanceof Error ? [args[0], args[0].message] : args;
          method.apply(this, withMessage.map((arg) => (typeof arg === 'string' ? redactText(arg) : arg)) as Parameters<pino.LogFn>);
        },
      },
    },
    destination,
  );
  return withRedactedChildBindings(logger);
}

/** pino gives a child's bindings to no formatter (it resets `formatters.bindings` for children), so they are redacted here. */
function withRedactedChildBindings(logger: pino.Logger): pino.Logger {
  const child = logger.child.bind(logger);
  const redactedChild = (bindings: pino.Bindings, options?: pino.ChildLoggerOptions) =>
    withRedactedChildBindings(child(redactLogObject(bindings), options));
  logger.child = redactedChild as unknown as typeof logger.child;
  return logger;
}

export type Logger = pino.Logger;
