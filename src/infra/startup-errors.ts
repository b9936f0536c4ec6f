/** One-line errors for the services a process needs at start, and for Temporal's refusals, saying what to fix. */
import { ServiceError, type Client } from '@temporalio/client';
import { missingSearchAttributes, registerSearchAttributesCommand } from './search-attributes';

/** Wraps a failure to reach or migrate PostgreSQL; the password in the URL is never repeated. */
export function databaseUnreachable(connectionString: string, err: unknown, setting = 'DATABASE_URL'): Error {
  const url = new URL(connectionString);
  const code = (err as { code?: string }).code;
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  // A SQLSTATE alone (42501) says little; the server's message says which right or object.
  const reason = code === undefined ? message : /^[0-9A-Z]{5}$/.test(code) ? `${code} ${message}` : code;
  return new Error(
    `Cannot use PostgreSQL at ${url.hostname}:${url.port || 5432}${url.pathname} (${reason}): check ${setting} and that the server runs`,
  );
}

/** A refusal that is already the one line to show (not wrapped as an unreachable database). */
export class StartupRefusal extends Error {}

const MIGRATE_AS_OWNER = 'run `campaign-sync migrate` as the owner role';

export const schemaBehind = (missing: readonly string[]) =>
  new StartupRefusal(`the database schema is behind this version (not applied: ${missing.join(', ')}): ${MIGRATE_AS_OWNER}`);

export const schemaAhead = (unknown: readonly string[]) =>
  `the database schema is ahead of this version (applied by a newer one: ${unknown.join(', ')}); running anyway, upgrade this process`;

export const runtimeRoleUngranted = (role: string) =>
  new StartupRefusal(`role "${role}" may not read the database's migrations table: ${MIGRATE_AS_OWNER} with --grant-to ${role}`);

export const searchAttributesMissing = (namespace: string, names: string[]) =>
  new Error(
    `Temporal namespace "${namespace}" lacks the search attributes ${names.join(', ')}: register them with \`${registerSearchAttributesCommand(namespace, names)}\``,
  );

/** gRPC's INVALID_ARGUMENT: the code of a request the server will never accept as it is. */
const GRPC_INVALID_ARGUMENT = 3;

/**
 * Temporal's refusal to `action` (start the sync, create the schedule) as one line. The SDK's own
 * message is only "Failed to start Workflow"; the server's reason is in the gRPC cause. A namespace
 * without our search attributes gets the command that registers the missing ones. An error that is
 * not the server's refusal is returned as it was.
 */
export async function temporalRefused(temporal: Client, err: unknown, action: string): Promise<unknown> {
  if (!(err instanceof ServiceError)) return err;
  const { code, details } = (err.cause ?? {}) as { code?: unknown; details?: unknown };
  if (typeof details !== 'string' || !details) return err;
  if (code === GRPC_INVALID_ARGUMENT && /no mapping defined for search attribute/.test(details)) {
    const namespace = temporal.options.namespace;
    // The server names only the first it missed; the register command must name every missing one.
    const missing = await missingSearchAttributes(temporal.connection, namespace).catch(() => []);
    if (missing.length > 0)
      return new Error(
        `Temporal refused to ${action}: namespace "${namespace}" has no search attribute${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; ` +
          `register them once: ${registerSearchAttributesCommand(namespace, missing)}`,
      );
  }
  return new Error(`Temporal refused to ${action}: ${details}`);
}
