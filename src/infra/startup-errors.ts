/** One-line errors for the services a process needs at start, saying what to fix. */

export const temporalUnreachable = (address: string) =>
  new Error(`Cannot reach Temporal at ${address}: start it with \`npm start\` or set TEMPORAL_ADDRESS`);

/** Wraps a failure to reach or migrate PostgreSQL; the password in the URL is never repeated. */
export function databaseUnreachable(connectionString: string, err: unknown): Error {
  const url = new URL(connectionString);
  const reason = (err as { code?: string }).code ?? (err instanceof Error ? err.message.split('\n')[0] : String(err));
  return new Error(
    `Cannot use PostgreSQL at ${url.hostname}:${url.port || 5432}${url.pathname} (${reason}): check DATABASE_URL and that the server runs`,
  );
}

export const searchAttributesMissing = (namespace: string, names: string[]) =>
  new Error(
    `Temporal namespace "${namespace}" lacks the search attributes ${names.join(', ')}: register them with ` +
      `\`temporal operator search-attribute create --namespace ${namespace} ${names.map((name) => `--name ${name}`).join(' ')} --type Keyword\``,
  );
