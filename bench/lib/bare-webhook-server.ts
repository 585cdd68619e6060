// The floor of bench:webhooks: a bare express route in a process like the service's that only verifies
// GitHub's signature (with the service's own verifier) and answers. Prints {"port"} once listening.
import express from 'express';
import type { AddressInfo } from 'node:net';
import { createGithubWebhookReceiver } from '../../connectors/github/webhook.ts';

const secret = process.env.GITHUB_WEBHOOK_SECRET!;
const receiver = createGithubWebhookReceiver({ repository: process.env.GITHUB_REPOSITORY ?? 'acme/app' });
const app = express();
app.post('/webhooks/github', express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
  const ok = await receiver.verify({ headers: req.headers, rawBody: req.body as Buffer }, [secret]);
  res.status(ok ? 202 : 401).json({ accepted: ok ? 1 : 0 });
});
const server = app.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: (server.address() as AddressInfo).port })));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
