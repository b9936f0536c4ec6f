import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../src/config';

export interface Service {
  image?: string;
  build?: string | { context: string; target?: string };
  restart?: string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] };
  volumes?: string[];
  entrypoint?: string[];
  command?: string[];
  ports?: string[];
  deploy?: { replicas?: number };
  secrets?: string[];
  user?: string;
}

export interface Compose {
  services: Record<string, Service>;
  secrets?: Record<string, { file: string }>;
}

/** A compose file of this checkout, parsed with its YAML anchors and merge keys resolved. */
export const readCompose = (file: string): Compose => parse(readFileSync(join(PROJECT_ROOT, file), 'utf8'), { merge: true });

/** `${NAME:-default}` and `${NAME:?message}` as docker compose resolves them, with these values set. */
export const substitute = (value: string, env: Record<string, string> = {}) =>
  value.replace(
    /\$\{(\w+)(?::([-?])([^}]*))?\}/g,
    (_all, name: string, operator?: string, word?: string) => env[name] ?? (operator === '-' ? word! : ''),
  );

/** Where compose mounts a secret in the services that list it. */
export const SECRETS_MOUNT = '/run/secrets/';

/**
 * A service's environment as it would run outside a container: variables substituted, and each
 * `/run/secrets/<name>` path replaced by the file that secret names, with its `./secrets/` folder
 * at `secretsDir` (where deploy/make-secrets.sh and deploy/tls/make-certs.sh wrote them).
 */
export function localEnvironment(compose: Compose, service: string, secretsDir: string, vars: Record<string, string> = {}) {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(compose.services[service]!.environment ?? {})) {
    const resolved = substitute(value, vars);
    env[key] = resolved.startsWith(SECRETS_MOUNT) ? secretFile(compose, resolved.slice(SECRETS_MOUNT.length), secretsDir) : resolved;
  }
  return env;
}

/** The local file of a compose secret whose file is under ./secrets/. */
export function secretFile(compose: Compose, name: string, secretsDir: string): string {
  const file = substitute(compose.secrets?.[name]?.file ?? '');
  if (!file.startsWith('./secrets/')) throw new Error(`secret ${name} is not a file under ./secrets/: ${file}`);
  return join(secretsDir, file.slice('./secrets/'.length));
}
