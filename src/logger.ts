import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

// Secrets must never reach the logs, whatever object a caller hands over.
const REDACT = [
  'token', 'apiToken', 'password', 'secret', 'authorization',
  '*.token', '*.apiToken', '*.password', '*.secret', '*.authorization',
  'req.headers.authorization', 'req.headers.cookie', 'headers.authorization',
];

/** `destination` is for tests that read the log; the service logs to stdout. */
export function createLogger(level: string, name = 'defect-sync', destination?: DestinationStream): Logger {
  const options = { name, level, redact: { paths: REDACT, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}

/** Query parameters whose names look like credentials (api_key, token, client_secret, password, code...). */
const SECRET_PARAM = /token|key|secret|passw|signature|code|auth/i;

/** Replaces the values of the query parameters whose (decoded) names match `secret`; the rest stays as sent. */
function maskQuery(url: string, secret: RegExp, mask: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const end = url.indexOf('#', q);
  const query = end < 0 ? url.slice(q + 1) : url.slice(q + 1, end);
  const pairs = query.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    if (eq < 0) return pair;
    const raw = pair.slice(0, eq);
    let name = raw;
    try {
      name = decodeURIComponent(raw.replace(/\+/g, ' '));
    } catch {
      // an undecodable name is checked as sent
    }
    return secret.test(name) ? `${raw}=${mask}` : pair;
  });
  return `${url.slice(0, q)}?${pairs.join('&')}${end < 0 ? '' : url.slice(end)}`;
}

/**
 * A request URL fit for the log: values of secret-looking query parameters are replaced, the rest is
 * kept exactly as sent. Clients do put tokens in query strings, and logs travel further than requests.
 */
export function redactUrl(url: string): string {
  return maskQuery(url, SECRET_PARAM, '[redacted]');
}

/**
 * Connection-string parameters that hold credentials: libpq's password and sslpassword (sslkey names a key
 * file, masked as well), tokens, secrets, keys, ODBC-style pwd, auth.
 */
const CONNECTION_SECRET_PARAM = /pass|pwd|token|secret|key|auth|credential/i;

/** Redacts credentials in a connection URL before it is logged: the userinfo password and secret query parameters. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return maskQuery(u.toString(), CONNECTION_SECRET_PARAM, '***');
  } catch {
    return '<unparseable url>';
  }
}
