import { z } from 'zod';
import type { Credentials } from './api';
import { SecretFileError } from '../secret-file';
import { reloadingSecretFile } from './reloading-secret-file';

export class MissingCredentials extends Error {}

/** Credentials that do not say which platform host they belong to, or belong to another host than the client's API URL. */
export class CredentialsNotForHost extends Error {}

// The host is optional here so that an entry without one is told what to add, not that the file is malformed.
const secretsFileSchema = z.record(
  z.string(),
  z.object({ email: z.string().min(1), password: z.string().min(1), host: z.string().min(1).optional() }),
);

/** CAMPAIGN_SYNC_<REF>_EMAIL / _PASSWORD / _HOST, with REF upper-cased and other characters as '_'. */
export function credentialEnvNames(ref: string) {
  const key = ref.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  return { email: `CAMPAIGN_SYNC_${key}_EMAIL`, password: `CAMPAIGN_SYNC_${key}_PASSWORD`, host: `CAMPAIGN_SYNC_${key}_HOST` };
}

/** Whether a variable's name has the shape of a client's credentials (any ref), so the settings check leaves it alone. */
export const isCredentialVariable = (name: string): boolean => /^CAMPAIGN_SYNC_[A-Z0-9_]+_(EMAIL|PASSWORD|HOST)$/.test(name);

/** A hostname (IPv6 in brackets), optionally with a port: what a credentials entry's host may be. */
const ALLOWED_HOST = /^(?<hostname>\[[0-9a-f:.]+\]|[^\s:/\\@?#[\]]+)(?::(?<port>\d{1,5}))?$/i;

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

/**
 * Whether credentials for `allowed` may be sent to `apiUrl`: a hostname admits any port of that
 * host, host:port only that port (a URL without a port has its scheme's). Case does not matter,
 * and both sides are compared as the URL parser writes them (IDN, IPv6 and IPv4 forms normalised).
 * undefined when `allowed` is not a hostname or host:port.
 */
export function hostAdmits(allowed: string, apiUrl: URL): boolean | undefined {
  const parts = ALLOWED_HOST.exec(allowed)?.groups;
  if (!parts) return undefined;
  let hostname: string;
  try {
    hostname = new URL(`http://${parts.hostname}`).hostname;
  } catch {
    return undefined;
  }
  if (parts.port !== undefined && Number(parts.port) > 65_535) return undefined;
  const port = apiUrl.port || DEFAULT_PORTS[apiUrl.protocol];
  return hostname === apiUrl.hostname && (parts.port === undefined || Number(parts.port) === Number(port));
}

/** undefined for text that is not JSON: JSON.parse's error quotes the text near the mistake, which may be a password. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A credentials entry as found, with where its host is set (for messages that say what to change). */
interface FoundCredentials extends Credentials {
  host?: string;
  hostSetting: string;
}

/** Refuses credentials whose host is missing, malformed, or not the API URL's: the password must not go to another host. */
function requireHost(ref: string, found: FoundCredentials, apiBaseUrl: string): void {
  const hostForm = 'a hostname, or host:port for that port only; IPv6 in brackets';
  if (found.host === undefined)
    throw new CredentialsNotForHost(
      `Credentials "${ref}" do not say which platform host they are for: set ${found.hostSetting} to that host (${hostForm})`,
    );
  let apiUrl: URL;
  try {
    apiUrl = new URL(apiBaseUrl);
  } catch {
    throw new CredentialsNotForHost(
      `The API URL of the client using credentials "${ref}" is not a URL: set it with \`campaign-sync clients add\``,
    );
  }
  const admits = hostAdmits(found.host, apiUrl);
  if (admits === undefined)
    throw new CredentialsNotForHost(`${found.hostSetting} is "${found.host}", which is not ${hostForm}: correct it`);
  if (!admits)
    throw new CredentialsNotForHost(
      `Credentials "${ref}" are for host ${found.host}, not ${apiUrl.host} (the client's API URL): correct the client's ` +
        `--api-url with \`campaign-sync clients add\`, or ${found.hostSetting} if the platform really moved there`,
    );
}

type SecretsFileEntries = z.infer<typeof secretsFileSchema>;

function parseSecretsFile(text: string): SecretsFileEntries {
  const parsed = secretsFileSchema.safeParse(parseJson(text));
  if (!parsed.success)
    throw new MissingCredentials(
      `CAMPAIGN_SYNC_SECRETS_FILE is not of the form {"<ref>": {"email": "...", "password": "...", "host": "..."}}`,
    );
  return parsed.data;
}

/**
 * Client credentials live outside the database: in the environment, or in the JSON secrets file
 * named by CAMPAIGN_SYNC_SECRETS_FILE ({"<ref>": {"email": "...", "password": "...", "host": "..."}}).
 * The clients table stores only the reference. The variables' names come from the clients table
 * at run time, so they cannot be in the fixed settings schema: the store reads the environment it is given.
 * Each entry names the platform host it belongs to, so a client whose API URL points elsewhere
 * (a typo, or someone else's server) never receives the password.
 * The secrets file is read again when it changes (src/platform/reloading-secret-file.ts); `warn`
 * hears of a change that could not be used.
 */
export function createCredentialStore(env: NodeJS.ProcessEnv, warn: (message: string) => void = () => {}) {
  const file = env.CAMPAIGN_SYNC_SECRETS_FILE
    ? reloadingSecretFile('CAMPAIGN_SYNC_SECRETS_FILE', env.CAMPAIGN_SYNC_SECRETS_FILE, parseSecretsFile, warn)
    : undefined;
  // Which version of each file entry is current: bumped when an entry differs from the one read before.
  let seenEntries: SecretsFileEntries = {};
  const revisions = new Map<string, number>();
  const currentEntries = (): SecretsFileEntries => {
    let entries: SecretsFileEntries;
    try {
      entries = file!.current();
    } catch (err) {
      throw err instanceof SecretFileError ? new MissingCredentials(err.message) : err;
    }
    if (entries !== seenEntries) {
      for (const ref of new Set([...Object.keys(entries), ...Object.keys(seenEntries)]))
        if (JSON.stringify(entries[ref]) !== JSON.stringify(seenEntries[ref])) revisions.set(ref, (revisions.get(ref) ?? 0) + 1);
      seenEntries = entries;
    }
    return entries;
  };
  const fromFile = (ref: string): FoundCredentials | undefined => {
    if (!file) return undefined;
    const entry = currentEntries()[ref];
    return entry && { ...entry, hostSetting: `"host" in the "${ref}" entry of the file named by CAMPAIGN_SYNC_SECRETS_FILE` };
  };
  return {
    /** The credentials of `ref`, if they may be sent to the host of `apiBaseUrl`. */
    get(ref: string, apiBaseUrl: string): Credentials {
      const names = credentialEnvNames(ref);
      const email = env[names.email];
      const password = env[names.password];
      const found = email && password ? { email, password, host: env[names.host] || undefined, hostSetting: names.host } : fromFile(ref);
      if (!found)
        throw new MissingCredentials(
          `No credentials for "${ref}": set ${names.email}, ${names.password} and ${names.host}, ` +
            `or add "${ref}" to the file named by CAMPAIGN_SYNC_SECRETS_FILE`,
        );
      requireHost(ref, found, apiBaseUrl);
      return { email: found.email, password: found.password };
    },
    /** Reads the secrets file, if one is named, so a worker refuses to start on a file it must not use (one line saying why). */
    checkFile(): void {
      if (file) currentEntries();
    },
    /**
     * Which version of `ref`'s credentials is current (the secrets file checked for changes first):
     * tokens issued for another version are dropped. Never a secret, never throws (get() says what is wrong).
     */
    revision(ref: string): string {
      try {
        if (file) currentEntries();
      } catch {
        return 'unreadable';
      }
      return String(revisions.get(ref) ?? 0);
    },
  };
}

export type CredentialStore = ReturnType<typeof createCredentialStore>;
