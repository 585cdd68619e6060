// Webhooks from the fake trackers: after every successful write through a fake's API (a person editing a
// ticket, or the service itself: real trackers notify about both) the fake POSTs a signed delivery to the
// target it was given, shaped like the real tracker's. Tests can drop, duplicate, delay and reorder
// deliveries to prove that polling heals and that replays have one effect.
import { createHmac, randomUUID } from 'node:crypto';
import type { FakeRequest, FakeTracker } from './kit.ts';

export type Delivery = { headers: Record<string, string>; body: string };

/** What a fake knows about a write: which ticket it touched, and the delivery that announces it. */
export type DeliveryFor = (route: string, body: unknown, req: FakeRequest, secret: string) => Delivery | null;

export class FakeWebhookSender {
  /** Where deliveries go, and the secret they are signed with; nothing is sent while either is unset. */
  target: string | undefined;
  secret: string | undefined;
  /** Drop the next n deliveries (they are counted, never sent). */
  dropNext = 0;
  /** Send every delivery this many times (a tracker retrying after a lost answer). */
  copies = 1;
  /** Hold each delivery this long before sending (ms); with `jitterMs`, deliveries overtake each other. */
  delayMs = 0;
  jitterMs = 0;
  readonly sent: { at: number; status: number; delivery: Delivery }[] = [];
  dropped = 0;
  failed = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private paused = false;

  constructor(tracker: FakeTracker, deliveryFor: DeliveryFor) {
    this.target = undefined;
    this.secret = undefined;
    tracker.events.on('change', (route: string, body: unknown, req: FakeRequest) => this.announce((secret) => deliveryFor(route, body, req, secret)));
  }

  /** Sends the delivery `make` builds, as the tracker would after a change (faults applied). */
  announce(make: (secret: string) => Delivery | null): void {
    if (!this.target || !this.secret || this.paused) return;
    const delivery = make(this.secret);
    if (!delivery) return;
    if (this.dropNext > 0) {
      this.dropNext--;
      this.dropped++;
      return;
    }
    for (let i = 0; i < this.copies; i++) this.track(this.deliver(this.target, delivery));
  }

  /** Stops sending (e.g. while a test edits without webhooks) until resume(). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  /** Waits for every delivery under way. */
  async settled(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }

  /** Sends a delivery now, bypassing faults (a replay by hand). */
  async replay(delivery: Delivery): Promise<number> {
    return this.post(this.target!, delivery);
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async deliver(target: string, delivery: Delivery): Promise<void> {
    const wait = this.delayMs + Math.random() * this.jitterMs;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await this.post(target, delivery);
  }

  private async post(target: string, delivery: Delivery): Promise<number> {
    try {
      const res = await fetch(target, { method: 'POST', headers: delivery.headers, body: delivery.body, signal: AbortSignal.timeout(10_000) });
      await res.arrayBuffer();
      this.sent.push({ at: Date.now(), status: res.status, delivery });
      return res.status;
    } catch {
      this.failed++;
      return 0;
    }
  }
}

export const hmacHex = (secret: string, body: string): string => createHmac('sha256', secret).update(body).digest('hex');

/** GitHub: `issues` events signed with X-Hub-Signature-256. */
export function githubDelivery(action: string, issue: unknown, repository: { full_name: string }, secret: string): Delivery {
  const body = JSON.stringify({ action, issue, repository, sender: { login: 'someone', type: 'User' } });
  return {
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/fake',
      'x-github-event': 'issues',
      'x-github-delivery': randomUUID(),
      'x-github-hook-id': '1',
      'x-hub-signature-256': `sha256=${hmacHex(secret, body)}`,
    },
    body,
  };
}

/** Jira admin webhook: X-Hub-Signature and X-Atlassian-Webhook-Identifier. */
export function jiraDelivery(event: 'jira:issue_updated' | 'jira:issue_created' | 'jira:issue_deleted', issue: unknown, secret: string): Delivery {
  const body = JSON.stringify({ timestamp: Date.now(), webhookEvent: event, issue_event_type_name: 'issue_generic', issue, user: { accountId: 'someone' } });
  return {
    headers: {
      'content-type': 'application/json',
      'x-atlassian-webhook-identifier': String(Date.now()) + Math.floor(Math.random() * 1e6),
      'x-hub-signature': `sha256=${hmacHex(secret, body)}`,
    },
    body,
  };
}

/** Asana: compact events signed with the webhook's handshake secret in X-Hook-Signature (bare hex). */
export function asanaDelivery(events: unknown[], secret: string): Delivery {
  const body = JSON.stringify({ events });
  return { headers: { 'content-type': 'application/json', 'x-hook-signature': hmacHex(secret, body) }, body };
}
