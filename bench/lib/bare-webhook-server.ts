// The floors of bench:webhooks: a bare express route in a process like the service's that verifies
// GitHub's signature (with the service's own verifier) and answers; with BARE_DURABLE_URL, it also
// records the delivery as one row with pg before answering: what durability needs and nothing more (the
// service's target is ≥ 0.80× of that floor). Prints {"port"} once listening.
import express from 'express';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { createGithubWebhookReceiver } from '../../connectors/github/webhook.ts';

const secret = process.env.GITHUB_WEBHOOK_SECRET!;
const receiver = createGithubWebhookReceiver({ repository: process.env.GITHUB_REPOSITORY ?? 'acme/app' });
const durable = process.env.BARE_DURABLE_URL ? new pg.Pool({ connectionString: process.env.BARE_DURABLE_URL, max: 10 }) : null;
await durable?.query('CREATE TABLE IF NOT EXISTS bench_webhook_floor (delivery text PRIMARY KEY, body bytea NOT NULL, at timestamptz NOT NULL DEFAULT now())');
const app = express();
app.post('/webhooks/github', express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
  const ok = await receiver.verify({ headers: req.headers, rawBody: req.body as Buffer }, [secret]);
  if (ok && durable) await durable.query('INSERT INTO bench_webhook_floor (delivery, body) VALUES ($1, $2) ON CONFLICT DO NOTHING', [req.headers['x-github-delivery'], req.body]);
  res.status(ok ? 202 : 401).json({ accepted: ok ? 1 : 0 });
});
const server = app.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: (server.address() as AddressInfo).port })));
process.on('SIGTERM', () => server.close(() => void durable?.end().finally(() => process.exit(0))));
