// The fake trackers and the whole service wired to them, as most end-to-end files start: one place for
// the pairing, the webhook secrets and the order things stop in (the service before the fakes it calls).
import { randomBytes } from 'node:crypto';
import { startTrackers, type FakeTrackerOptions, type Trackers } from '../../fakes/index.ts';
import { startService, type Service, type ServiceOptions } from './service.ts';
import { serviceWithApi } from './service-process.ts';
import { queuePrefix, unique } from './context.ts';

export type WebhookSecrets = { github: string; jira: string };

export type TrackedOptions = Omit<ServiceOptions, 'env'> & {
  trackers?: FakeTrackerOptions;
  /**
   * Added to the fakes' environment and the secrets; as a function, it picks the whole environment from
   * those, and may first set the fakes up (a SYNC_CONFIG file of their addresses, projects they should hold).
   */
  env?: Record<string, string> | ((base: Record<string, string>, t: Trackers) => Record<string, string>);
  /** GITHUB_WEBHOOK_SECRET and JIRA_WEBHOOK_SECRET: these, or fresh ones with `true`. */
  secrets?: WebhookSecrets | true;
  /** The fakes send their GitHub and Jira webhooks to the service, signed with the secrets (fresh ones unless given; implies listen). */
  sendWebhooks?: boolean;
  /** stop() first waits for the webhook deliveries under way. */
  settleOnStop?: boolean;
  /** Fakes already running (another service used them first) instead of fresh ones; stop() leaves them running. */
  on?: Trackers;
};

export type Tracked = { t: Trackers; svc: Service; secrets: WebhookSecrets | undefined; stop: () => Promise<void> };

export async function startWithTrackers(opts: TrackedOptions = {}): Promise<Tracked> {
  const { trackers, env, secrets: given, sendWebhooks, settleOnStop, on, ...service } = opts;
  const secrets = given === true || (sendWebhooks && !given) ? freshSecrets() : given || undefined;
  const t = on ?? (await startTrackers(trackers));
  const base = { ...t.env, ...(secrets && { GITHUB_WEBHOOK_SECRET: secrets.github, JIRA_WEBHOOK_SECRET: secrets.jira }) };
  let svc: Service;
  try {
    svc = await startService({ ...service, listen: service.listen ?? sendWebhooks, env: typeof env === 'function' ? env(base, t) : { ...base, ...env } });
  } catch (err) {
    if (!on) await t.stop();
    throw err;
  }
  if (sendWebhooks) t.sendWebhooksTo(svc.url!, secrets!);
  const stop = async () => {
    if (settleOnStop) await t.webhooksSettled();
    await svc.stop();
    if (!on) await t.stop();
  };
  return { t, svc, secrets, stop };
}

export type TrackedProcess = { t: Trackers; svc: Awaited<ReturnType<typeof serviceWithApi>>; secrets: WebhookSecrets | undefined; stop: () => Promise<void> };

/**
 * The fakes and `node src/main.ts all` in a child process wired to them (a queue prefix of its own), for
 * the fault tests that kill the service or cut it off from what it depends on. `env` is added last.
 */
export async function processWithTrackers(opts: { env?: Record<string, string>; sendWebhooks?: boolean } = {}): Promise<TrackedProcess> {
  const t = await startTrackers();
  const secrets = opts.sendWebhooks ? freshSecrets() : undefined;
  let svc: TrackedProcess['svc'];
  try {
    svc = await serviceWithApi({
      ...t.env,
      QUEUE_PREFIX: unique(queuePrefix),
      ...(secrets && { GITHUB_WEBHOOK_SECRET: secrets.github, JIRA_WEBHOOK_SECRET: secrets.jira }),
      ...opts.env,
    });
  } catch (err) {
    await t.stop();
    throw err;
  }
  if (secrets) t.sendWebhooksTo(svc.url, secrets);
  const stop = async () => {
    await svc.kill('SIGTERM');
    await t.stop();
  };
  return { t, svc, secrets, stop };
}

/** The fakes' environment with GitHub alone configured. */
export function githubOnly(env: Record<string, string>): Record<string, string> {
  const { GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL, SYNC_CONFIG } = env;
  return { GITHUB_TOKEN: GITHUB_TOKEN!, GITHUB_REPOSITORY: GITHUB_REPOSITORY!, GITHUB_API_URL: GITHUB_API_URL!, SYNC_CONFIG: SYNC_CONFIG! };
}

function freshSecrets(): WebhookSecrets {
  return { github: `gh-webhook-${randomBytes(12).toString('hex')}`, jira: `jira-webhook-${randomBytes(12).toString('hex')}` };
}
