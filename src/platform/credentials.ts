import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Credentials } from './client';

export class MissingCredentials extends Error {}

const secretsFileSchema = z.record(z.string(), z.object({ email: z.string().min(1), password: z.string().min(1) }));

/** CAMPAIGN_SYNC_<REF>_EMAIL / _PASSWORD, with REF upper-cased and other characters as '_'. */
export function credentialEnvNames(ref: string) {
  const key = ref.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  return { email: `CAMPAIGN_SYNC_${key}_EMAIL`, password: `CAMPAIGN_SYNC_${key}_PASSWORD` };
}

/** undefined for text that is not JSON: JSON.parse's error quotes the text near the mistake, which may be a password. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Client credentials live outside the database: in the environment, or in the JSON secrets file
 * named by CAMPAIGN_SYNC_SECRETS_FILE ({"<ref>": {"email": "...", "password": "..."}}).
 * The clients table stores only the reference. The variables' names come from the clients table
 * at run time, so they cannot be in the fixed settings schema: the store reads the environment it is given.
 */
export function createCredentialStore(env: NodeJS.ProcessEnv) {
  let fileEntries: z.infer<typeof secretsFileSchema> | undefined;
  const fromFile = (ref: string) => {
    if (!env.CAMPAIGN_SYNC_SECRETS_FILE) return undefined;
    if (!fileEntries) {
      const parsed = secretsFileSchema.safeParse(parseJson(readFileSync(env.CAMPAIGN_SYNC_SECRETS_FILE, 'utf8')));
      if (!parsed.success)
        throw new MissingCredentials(`CAMPAIGN_SYNC_SECRETS_FILE is not of the form {"<ref>": {"email": "...", "password": "..."}}`);
      fileEntries = parsed.data;
    }
    return fileEntries[ref];
  };
  return {
    get(ref: string): Credentials {
      const names = credentialEnvNames(ref);
      const email = env[names.email];
      const password = env[names.password];
      if (email && password) return { email, password };
      const entry = fromFile(ref);
      if (entry) return entry;
      throw new MissingCredentials(
        `No credentials for "${ref}": set ${names.email} and ${names.password}, or add "${ref}" to the file named by CAMPAIGN_SYNC_SECRETS_FILE`,
      );
    },
  };
}

export type CredentialStore = ReturnType<typeof createCredentialStore>;
