/**
 * Who may use the codec endpoint, judged per request with no I/O: whoever it answers can read
 * every payload of the namespace, so each check below closes one way in.
 * - Host: a page on another site can point its own DNS name at 127.0.0.1 (DNS rebinding) and so
 *   pass any Origin check; its requests still carry that name in Host, which is not ours.
 * - Origin: a browser says which page sent the request; only the Web UI's may. Non-browser
 *   callers (`temporal --codec-endpoint`, scripts) send none and rely on credentials alone.
 * - Credentials: the bearer token the Web UI forwards ("pass access token"), or a shared token.
 *   Missing is 401 (authenticate), wrong is 403.
 * - X-Namespace: the UI names the namespace it shows; a token for another namespace's UI gets nothing.
 */
export interface CodecPolicy {
  /** Host header values served (`host:port`, or a bare host for any port), lower case. */
  readonly allowedHosts: readonly string[];
  /** Browser origins served (the Web UI's). */
  readonly allowedOrigins: readonly string[];
  readonly namespaces: readonly string[];
  /** Whether a token or JWT is configured; without, any caller that passes Host and Origin is served (loopback only). */
  readonly credentialsRequired: boolean;
  readonly encodeEnabled: boolean;
}

/** A request as the policy sees it; `credential` is the verdict on its Authorization header, checked beforehand. */
export interface CodecRequest {
  readonly method: string;
  readonly path: string;
  readonly host: string | undefined;
  readonly origin: string | undefined;
  readonly namespace: string | undefined;
  readonly credential: 'missing' | 'valid' | 'invalid';
}

export type CodecVerdict =
  | { readonly kind: 'serve'; readonly operation: 'decode' | 'encode'; readonly corsOrigin: string | undefined }
  | { readonly kind: 'preflight'; readonly corsOrigin: string }
  | { readonly kind: 'refuse'; readonly status: 401 | 403 | 404 | 405; readonly reason: string; readonly corsOrigin: string | undefined };

/** Headers a preflight allows: the UI sends its token and namespace with each call. */
export const CORS_ALLOWED_HEADERS = 'authorization, content-type, x-namespace';

function hostAllowed(allowed: readonly string[], host: string | undefined): boolean {
  if (!host) return false;
  const wanted = host.toLowerCase();
  const bare = wanted.replace(/:\d+$/, '');
  return allowed.some((entry) => entry === wanted || entry === bare);
}

export function judgeCodecRequest(policy: CodecPolicy, request: CodecRequest): CodecVerdict {
  if (!hostAllowed(policy.allowedHosts, request.host))
    return { kind: 'refuse', status: 403, reason: 'host not served', corsOrigin: undefined };
  if (request.origin !== undefined && !policy.allowedOrigins.includes(request.origin))
    return { kind: 'refuse', status: 403, reason: 'origin not allowed', corsOrigin: undefined };
  const corsOrigin = request.origin;
  // A preflight carries no credentials by design (the browser asks first); it reveals nothing.
  if (request.method === 'OPTIONS') {
    return corsOrigin === undefined
      ? { kind: 'refuse', status: 403, reason: 'a preflight needs an origin', corsOrigin }
      : { kind: 'preflight', corsOrigin };
  }
  const operation = request.path === '/decode' ? 'decode' : request.path === '/encode' && policy.encodeEnabled ? 'encode' : undefined;
  if (!operation) return { kind: 'refuse', status: 404, reason: 'not found', corsOrigin };
  if (request.method !== 'POST') return { kind: 'refuse', status: 405, reason: 'POST only', corsOrigin };
  if (policy.credentialsRequired && request.credential === 'missing')
    return { kind: 'refuse', status: 401, reason: 'send Authorization: Bearer <token>', corsOrigin };
  if (policy.credentialsRequired && request.credential !== 'valid')
    return { kind: 'refuse', status: 403, reason: 'credentials refused', corsOrigin };
  if (request.namespace === undefined || !policy.namespaces.includes(request.namespace))
    return { kind: 'refuse', status: 403, reason: 'namespace not served', corsOrigin };
  return { kind: 'serve', operation, corsOrigin };
}
