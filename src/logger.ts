import { pino, type Logger } from 'pino';

export type { Logger };

// Secrets must never reach the logs, whatever object a caller hands over.
const REDACT = [
  'token', 'apiToken', 'password', 'secret', 'authorization',
  '*.token', '*.apiToken', '*.password', '*.secret', '*.authorization',
  'req.headers.authorization', 'req.headers.cookie', 'headers.authorization',
];

export function createLogger(level: string, name = 'defect-sync'): Logger {
  return pino({ name, level, redact: { paths: REDACT, censor: '[redacted]' } });
}

/** Redacts credentials in a connection URL before it is logged. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable url>';
  }
}
