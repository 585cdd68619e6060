// The four sides of a defect (the defect itself and its ticket in each fake tracker) read in defect
// terms, so a fault test can say "all four sides hold the same values" in one comparison.
import type request from 'supertest';
import type { Trackers } from '../../fakes/index.ts';
import { linksOf } from './links.ts';
import { until } from './service.ts';

type Http = ReturnType<typeof request>;

/** What every side can say: title, severity, done or not, and who (by e-mail). */
export type Side = { title: string; severity: string | null; done: boolean; assignee: string | null };

const JIRA_SEVERITY: Record<string, string> = { Highest: 'critical', High: 'high', Medium: 'medium', Low: 'low', Lowest: 'low' };

export async function sidesOf(http: Http, t: Trackers, key: string): Promise<Record<'defect' | 'github' | 'jira' | 'asana', Side> | null> {
  const res = await http.get(`/api/defects/${key}`);
  if (res.status !== 200) return null;
  const d = res.body as { title: string; severity: string; status: string; assignee: string | null };
  const links = await linksOf(http, key);
  const id = (tracker: string) => links.find((l) => l.tracker === tracker)?.remoteId;
  const gh = id('github');
  const jira = id('jira');
  const asana = id('asana');
  if (!gh || !jira || !asana) return null;
  const person = (match: (p: Trackers['people'][number]) => boolean) => t.people.find(match)?.email ?? null;

  const issue = t.github.issue(Number(gh)) as { title: string; state: string; labels: { name: string }[]; assignees: { login: string }[] };
  const ji = t.jira.issue(jira);
  const task = t.asana.task(asana) as { name: string; completed: boolean; assignee: { gid: string } | null; custom_fields: { enum_value: { gid: string } | null }[] };
  const options = t.asana.severityField().options as Record<string, string>;
  const optionGid = task.custom_fields[0]?.enum_value?.gid;
  return {
    defect: { title: d.title, severity: d.severity, done: d.status === 'resolved' || d.status === 'closed', assignee: d.assignee },
    github: {
      title: issue.title,
      severity: issue.labels.map((l) => /^severity: (\w+)$/.exec(l.name)?.[1]).find(Boolean) ?? null,
      done: issue.state === 'closed',
      assignee: person((p) => p.github === issue.assignees[0]?.login),
    },
    jira: {
      title: ji.summary,
      severity: ji.priority ? (JIRA_SEVERITY[ji.priority] ?? null) : null,
      done: t.jira.state.status(ji.statusId).category === 'done',
      assignee: person((p) => p.jira === ji.assignee),
    },
    asana: {
      title: task.name,
      severity: Object.keys(options).find((k) => options[k] === optionGid) ?? null,
      done: task.completed,
      assignee: person((p) => p.asana === task.assignee?.gid),
    },
  };
}

/** The defect's values when all four sides agree, else null. */
export async function agreedSide(http: Http, t: Trackers, key: string): Promise<Side | null> {
  const sides = await sidesOf(http, t, key);
  if (!sides) return null;
  const all = Object.values(sides).map((s) => JSON.stringify(s));
  return all.every((s) => s === all[0]) ? sides.defect : null;
}

/** Waits until all four sides hold `wanted`; on timeout the error shows every side as last read. */
export async function untilInStep(http: Http, t: Trackers, key: string, wanted: Side, ms: number): Promise<void> {
  await until(`${key} in step on all four sides`, async () => {
    const sides = await sidesOf(http, t, key);
    const ok = sides !== null && Object.values(sides).every((s) => JSON.stringify(s) === JSON.stringify(wanted));
    if (!ok) throw new Error(`wanted ${JSON.stringify(wanted)}, sides ${JSON.stringify(sides)}, links ${JSON.stringify((await linksOf(http, key)).map((l) => [l.tracker, l.syncState, l.lastError]))}`);
    return true;
  }, ms);
}
