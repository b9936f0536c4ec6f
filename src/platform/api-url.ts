/**
 * Which platform base URLs `clients add` accepts. The worker sends the client's email and
 * password to this URL, so it must be https; plain http only reaches this machine (a local
 * mock or tunnel), or a platform that has no TLS at all when the operator says so.
 */

const LOOPBACK_HOSTNAME = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])$/;

/** localhost, 127.0.0.0/8 or [::1], as the URL parser writes them (so 127.1 and [0:0::1] count too). */
const isLoopback = (url: URL) => LOOPBACK_HOSTNAME.test(url.hostname);

/** Why `text` cannot be a client's API URL, as one line that says what to fix; undefined when it can. */
export function apiUrlRefusal(text: string, options: { allowInsecureHttp: boolean }): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `--api-url ${text} is not a URL; give one like https://ads.example.com`;
  }
  // Never echo the URL here: it holds a password.
  if (url.username || url.password)
    return '--api-url must not carry a user or password (user:password@): the credentials go in CAMPAIGN_SYNC_<REF>_EMAIL/_PASSWORD or the secrets file';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol !== 'http:')
    return `--api-url ${text} has scheme ${url.protocol} give an https:// URL (http:// only on this machine), like https://ads.example.com`;
  if (isLoopback(url) || options.allowInsecureHttp) return undefined;
  return (
    `--api-url ${text} would send the password unencrypted over plain http to another machine: ` +
    'use https://, or pass --allow-insecure-http if that platform really has no TLS'
  );
}
