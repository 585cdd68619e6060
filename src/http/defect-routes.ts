import { Router, type Request, type Response } from 'express';
import type { DefectStore } from '../store/defects.ts';
import type { Reports } from '../store/reports.ts';
import { parseInput } from './errors.ts';
import { CreateDefect, IfMatch, LinkCaseRun, LinkTicket, ListQuery, PatchDefect } from './schemas.ts';
import type { LinkStore } from '../store/links.ts';
import { actorOf } from './actor.ts';

function sendDefect(res: Response, status: number, defect: { version: number }): void {
  res.status(status).set('ETag', `"${defect.version}"`).json(defect);
}

export function defectRoutes(defects: DefectStore, reports: Reports, links: LinkStore): Router {
  const r = Router();

  r.post('/', async (req, res) => {
    const input = parseInput(CreateDefect, req.body, 'body');
    const defect = await defects.create(input, actorOf(req));
    res.location(`/api/defects/${defect.key}`);
    sendDefect(res, 201, defect);
  });

  r.get('/', async (req, res) => {
    const q = parseInput(ListQuery, req.query, 'query');
    const { limit, cursor, ...filter } = q;
    const page = await defects.list(filter, { limit, ...(cursor !== undefined && { cursor }) });
    res.json({ data: page.items, nextCursor: page.nextCursor === null ? null : String(page.nextCursor) });
  });

  r.get('/:idOrKey', async (req: Request<{ idOrKey: string }>, res) => {
    sendDefect(res, 200, await defects.get(req.params.idOrKey));
  });

  r.patch('/:idOrKey', async (req: Request<{ idOrKey: string }>, res) => {
    const patch = parseInput(PatchDefect, req.body, 'body');
    const ifMatch = req.get('if-match');
    const expectedVersion = ifMatch === undefined ? undefined : parseInput(IfMatch, ifMatch, 'header');
    const defect = await defects.update(req.params.idOrKey, patch, {
      actor: actorOf(req),
      ...(expectedVersion !== undefined && { expectedVersion }),
    });
    sendDefect(res, 200, defect);
  });

  r.post('/:idOrKey/case-runs', async (req: Request<{ idOrKey: string }>, res) => {
    const { caseRunId } = parseInput(LinkCaseRun, req.body, 'body');
    const { created, defect } = await defects.linkCaseRun(req.params.idOrKey, caseRunId, actorOf(req));
    sendDefect(res, created ? 201 : 200, defect);
  });

  r.get('/:idOrKey/links', async (req: Request<{ idOrKey: string }>, res) => {
    res.json({ data: await links.list(req.params.idOrKey) });
  });

  r.post('/:idOrKey/links', async (req: Request<{ idOrKey: string }>, res) => {
    const input = parseInput(LinkTicket, req.body, 'body');
    const { created, link } = await links.link(req.params.idOrKey, { connection: input.connection, tracker: input.tracker }, (input.key ?? input.url)!, actorOf(req));
    res.status(created ? 201 : 200).json(link);
  });

  r.get('/:idOrKey/impact', async (req: Request<{ idOrKey: string }>, res) => {
    res.json(await reports.impact(req.params.idOrKey));
  });

  return r;
}
