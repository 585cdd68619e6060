// Failure triage over HTTP (issue 16 parts 1 and 2):
//   POST   /api/defects/:idOrKey/matchers        {message?, testCase?}: RE2 regexes that link future failures
//   GET    /api/defects/:idOrKey/matchers
//   DELETE /api/defects/:idOrKey/matchers/:id
//   POST   /api/matchers/preview                 {message?, testCase?, since?, limit?}: recent failures a rule would catch
//   GET    /api/failures?launch=&project=&since=&untriaged=&limit=   failed runs grouped by signature
//   GET    /api/incidents?status=&project=&limit=&cursor=            storm incidents, newest first
//   GET    /api/incidents/:id
//   POST   /api/incidents/:id/release           raises the defects the incident held back
import { Router, type Request } from 'express';
import type { PrismaClient } from '../db.ts';
import type { TriageConfig } from '../domain/triage.ts';
import { MatcherStore } from '../store/matchers.ts';
import { IncidentStore } from '../store/incidents.ts';
import { failureGroups } from '../store/failures.ts';
import { parseInput } from './errors.ts';
import { actorOf } from './actor.ts';
import { CreateMatcher, FailuresQuery, IncidentParams, IncidentsQuery, MatcherParams, PreviewMatchers } from './schemas.ts';

const WEEK_MS = 7 * 24 * 3600 * 1000;

export function matcherRoutes(prisma: PrismaClient): { defects: Router; preview: Router } {
  const store = new MatcherStore(prisma);
  const defects = Router();
  defects.post('/:idOrKey/matchers', async (req: Request<{ idOrKey: string }>, res) => {
    const rule = parseInput(CreateMatcher, req.body, 'body');
    const matcher = await store.create(req.params.idOrKey, rule, actorOf(req));
    res.status(201).location(`/api/defects/${matcher.defect}/matchers/${matcher.id}`).json(matcher);
  });
  defects.get('/:idOrKey/matchers', async (req: Request<{ idOrKey: string }>, res) => {
    res.json({ data: await store.list(req.params.idOrKey) });
  });
  defects.delete('/:idOrKey/matchers/:id', async (req, res) => {
    const { idOrKey, id } = parseInput(MatcherParams, req.params, 'path');
    await store.delete(idOrKey, id.toLowerCase());
    res.status(204).end();
  });
  const preview = Router();
  preview.post('/preview', async (req, res) => {
    const q = parseInput(PreviewMatchers, req.body, 'body');
    res.json(await store.preview({ ...q, since: q.since ?? new Date(Date.now() - WEEK_MS) }));
  });
  return { defects, preview };
}

export function failureRoutes(prisma: PrismaClient): Router {
  const r = Router();
  r.get('/', async (req, res) => {
    const q = parseInput(FailuresQuery, req.query, 'query');
    // A launch is shown whole; otherwise the last week, so an unfiltered call never groups all history.
    const since = q.since ?? (q.launch !== undefined ? new Date(0) : new Date(Date.now() - WEEK_MS));
    res.json({ data: await failureGroups(prisma, { ...q, since, untriaged: q.untriaged ?? false }) });
  });
  return r;
}

export function incidentRoutes(prisma: PrismaClient, triage: TriageConfig): Router {
  const store = new IncidentStore(prisma, triage);
  const r = Router();
  r.get('/', async (req, res) => {
    const q = parseInput(IncidentsQuery, req.query, 'query');
    res.json(await store.list(q));
  });
  r.get('/:id', async (req, res) => {
    const { id } = parseInput(IncidentParams, req.params, 'path');
    res.json(await store.get(id.toLowerCase()));
  });
  r.post('/:id/release', async (req, res) => {
    const { id } = parseInput(IncidentParams, req.params, 'path');
    res.json(await store.release(id.toLowerCase(), actorOf(req)));
  });
  return r;
}

/** GET /admin/incidents: the open incidents, for the dashboard (behind adminGate, like every admin route). */
export function adminIncidentRoutes(prisma: PrismaClient, triage: TriageConfig): Router {
  const store = new IncidentStore(prisma, triage);
  const r = Router();
  r.get('/incidents', async (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ data: (await store.list({ status: 'open', limit: 50 })).data });
  });
  return r;
}
