import { Router, type Request } from 'express';
import type { CaseRunStore } from '../store/case-runs.ts';
import type { DefectStore } from '../store/defects.ts';
import { parseInput } from './errors.ts';
import { CreateCaseRun, RaiseDefect } from './schemas.ts';
import { actorOf } from './actor.ts';

export function caseRunRoutes(caseRuns: CaseRunStore, defects: DefectStore): Router {
  const r = Router();

  r.post('/', async (req, res) => {
    const input = parseInput(CreateCaseRun, req.body, 'body');
    res.status(201).json(await caseRuns.record(input));
  });

  r.post('/:id/defect', async (req: Request<{ id: string }>, res) => {
    // The body is optional (no body: {}); checked before the run is looked up, so a bad field is a 400 either way.
    const input = parseInput(RaiseDefect, req.body ?? {}, 'body');
    const defect = await defects.createFromCaseRun(req.params.id, actorOf(req), input);
    res.status(201).location(`/api/defects/${defect.key}`).set('ETag', `"${defect.version}"`).json(defect);
  });

  return r;
}
