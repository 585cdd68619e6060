// GET /admin/connections and the check in /admin/sync-status, against the whole service on the fakes:
// connections configured in SYNC_CONFIG, one with a refused token, one with a missing Jira project, one
// whose issue type requires a field nobody gives a value. The route answers every connection's findings
// (admin auth, cached for a minute), and sync-status turns the connection red naming the field before any
// defect has failed on it. No secret appears in either answer.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Trackers } from '../../fakes/index.ts';
import { until, type Service } from '../helpers/service.ts';
import { startWithTrackers } from '../helpers/tracked-service.ts';

const ADMIN = 'admin-token-for-the-check-tests';
const HOOK = 'shop-hook-secret-0123456789';
const WRONG = 'ghp_wrong_token_never_print_me';
let t: Trackers;
let svc: Service;
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  const env = (_: unknown, t: Trackers) => {
    t.jira.state.projects.add('OPS');
    t.jira.requireField('OPS', 'Bug', { fieldId: 'customfield_10042', name: 'Team' });
    const jira = { kind: 'jira', baseUrl: t.env.JIRA_BASE_URL, email: t.env.JIRA_EMAIL, apiToken: '${JIRA_TOKEN}' };
    const config = t.syncConfigFile({
      connections: {
        'shop-github': { kind: 'github', repository: 'acme/app', apiUrl: t.env.GITHUB_API_URL, token: '${SHOP_TOKEN}', webhookSecret: HOOK },
        'bad-github': { kind: 'github', repository: 'acme/other', apiUrl: t.env.GITHUB_API_URL, token: WRONG },
        'qa-jira': { ...jira, project: 'QA' },
        'ops-jira': { ...jira, project: 'OPS' },
        'nope-jira': { ...jira, project: 'NOPE' },
      },
    });
    return { SYNC_CONFIG: config, SHOP_TOKEN: t.github.token, JIRA_TOKEN: t.jira.apiToken, ADMIN_TOKEN: ADMIN };
  };
  ({ t, svc, stop } = await startWithTrackers({ env, listen: true, workers: false }));
  t.github.webhooks.target = `${svc.url}/webhooks/github/shop-github`;
});
afterAll(() => stop?.());

const admin = (path: string) => request(svc.url!).get(path).set('authorization', `Bearer ${ADMIN}`);
const noSecrets = (text: string) => {
  for (const s of [t.github.token, t.jira.apiToken, HOOK, WRONG, ADMIN]) expect(text).not.toContain(s);
};
type Report = { connection: string; tracker: string; target: string; level: string; findings: { level: string; what: string; fix?: string }[] };

describe('GET /admin/connections', () => {
  it('needs the admin token', async () => {
    expect((await request(svc.url!).get('/admin/connections')).status).toBe(401);
  });

  it('answers each connection\'s check: what was verified, what failed and how to fix it', async () => {
    const res = await admin('/admin/connections');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    noSecrets(res.text);
    const by = new Map((res.body.connections as Report[]).map((r) => [r.connection, r]));
    expect([...by.keys()]).toEqual(['shop-github', 'bad-github', 'qa-jira', 'ops-jira', 'nope-jira']);
    expect(by.get('shop-github')).toMatchObject({ tracker: 'github', target: 'acme/app', level: 'ok' });
    expect(by.get('shop-github')!.findings).toContainEqual({ level: 'ok', what: `webhook posts Issues events to ${svc.url}/webhooks/github/shop-github` });
    expect(by.get('bad-github')).toMatchObject({ level: 'error', findings: [{ level: 'error', what: expect.stringMatching(/^credentials refused: github answered 401: Bad credentials/), fix: expect.any(String) }] });
    expect(by.get('qa-jira')!.level).toBe('warn');
    expect(by.get('ops-jira')!.findings).toContainEqual({
      level: 'error',
      what: 'required fields with no value: customfield_10042 (Team)',
      fix: expect.stringContaining('createFields of connection ops-jira'),
    });
    expect(by.get('nope-jira')!.findings.at(-1)).toMatchObject({ level: 'error', what: expect.stringMatching(/^project NOPE not found/) });
  });

  it('answers from a result under a minute old without asking the trackers again', async () => {
    const before = t.jira.tracker.count('createmeta.fields');
    expect((await admin('/admin/connections')).status).toBe(200);
    expect(t.jira.tracker.count('createmeta.fields')).toBe(before);
  });
});

describe('GET /admin/sync-status', () => {
  type Status = { connection: string; health: string; reasons: string[]; links: Record<string, number>; check: { level: string; findings: { what: string }[] } | null };
  const status = async (name: string): Promise<Status> => ((await admin('/admin/sync-status')).body.connections as Status[]).find((c) => c.connection === name)!;

  it('is red for a connection whose issue type requires a field with no value, naming it, before any defect failed', async () => {
    const ops = await until('ops-jira checked', async () => ((await status('ops-jira')).check ? status('ops-jira') : null));
    expect(ops.health).toBe('red');
    expect(ops.reasons).toContain('config check: required fields with no value: customfield_10042 (Team)');
    expect(Object.values(ops.links).every((n) => n === 0)).toBe(true);
    expect((await status('bad-github')).health).toBe('red');
    // Warnings (no webhook: polling only) never redden a card.
    const qa = await status('qa-jira');
    expect(qa.health).toBe('green');
    expect(qa.check).toMatchObject({ level: 'warn', findings: [{ what: expect.stringMatching(/^no webhook secret configured/) }] });
    noSecrets((await admin('/admin/sync-status')).text);
  });
});
