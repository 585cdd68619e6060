// Asana's webhook API for the configured project: list (GET /webhooks?workspace=&resource=), create
// (POST /webhooks, which Asana answers only after its handshake POST to the target succeeded) and delete.
// Only task events are asked for: the worker reads each task itself.
import Asana from 'asana';
import type { RemoteWebhook, WebhookRegistrar } from '../webhooks.ts';
import { classifyAsanaError } from './errors.ts';
import { ASANA_API_URL, type AsanaSettings } from './connector.ts';

const OPT_FIELDS = 'active,target,resource,last_failure_at,last_failure_content';

type WebhookRecord = {
  gid?: string;
  target?: string;
  active?: boolean;
  resource?: { gid?: string };
  last_failure_at?: string | null;
  last_failure_content?: string | null;
};

export function createAsanaWebhookRegistrar(settings: AsanaSettings, timeoutMs = 15_000, connection = 'asana'): WebhookRegistrar {
  const client = new Asana.ApiClient();
  client.basePath = (settings.apiUrl || ASANA_API_URL).replace(/\/+$/, '');
  client.authentications['token'] = { type: 'personalAccessToken', accessToken: settings.token };
  client.timeout = timeoutMs;
  client.RETURN_COLLECTION = false;
  const webhooks = new Asana.WebhooksApi(client);

  async function call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw classifyAsanaError(err);
    }
  }

  const toRemote = (w: WebhookRecord): RemoteWebhook => ({
    remoteId: String(w.gid ?? ''),
    target: String(w.target ?? ''),
    active: w.active === true,
    lastFailure: w.last_failure_at ? `${w.last_failure_at}: ${w.last_failure_content ?? ''}`.trim() : null,
  });

  return {
    kind: 'asana',
    connection,
    resource: settings.projectGid,

    async list() {
      const out: RemoteWebhook[] = [];
      let offset: string | undefined;
      do {
        const page = (await call(() =>
          webhooks.getWebhooks(settings.workspaceGid, { resource: settings.projectGid, limit: 100, opt_fields: OPT_FIELDS, ...(offset && { offset }) }),
        )) as { data?: WebhookRecord[]; next_page?: { offset?: string } | null };
        out.push(...(page.data ?? []).map(toRemote));
        offset = page.next_page?.offset ?? undefined;
      } while (offset);
      return out;
    },

    async create(target) {
      const body = (await call(() =>
        webhooks.createWebhook(
          { data: { resource: settings.projectGid, target, filters: [{ resource_type: 'task' }] } },
          { opt_fields: OPT_FIELDS },
        ),
      )) as { data?: WebhookRecord };
      return toRemote(body.data ?? {});
    },

    async delete(remoteId) {
      await call(() => webhooks.deleteWebhook(remoteId));
    },
  };
}
