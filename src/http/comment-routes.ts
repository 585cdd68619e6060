// /api/defects/:idOrKey/comments (issue 15 part 1): list (oldest first, paged), add, edit, delete. The body
// follows the same text rules as every other stored string (src/domain/text-rules.ts): NUL and lone
// surrogates are a 400 naming the field, as is a body over 65,536 characters.
import { Router, type Request } from 'express';
import { z } from 'zod';
import { unstorable } from '../domain/text-rules.ts';
import { COMMENT_MAX, type CommentStore } from '../store/comments.ts';
import { parseInput } from './errors.ts';
import { actorOf } from './actor.ts';

const storable = z.string().superRefine((s, ctx) => {
  const problem = unstorable(s);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const body = storable.max(COMMENT_MAX, `must be at most ${COMMENT_MAX} characters`).refine((s) => s.trim() !== '', 'must not be empty');

export const CreateComment = z.strictObject({
  body: body.meta({ description: `Markdown, 1-${COMMENT_MAX} characters` }),
  author: storable.trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional().meta({ description: 'shown as the author; defaults to X-Actor' }),
});
export const PatchComment = z.strictObject({ body });
export const CommentListQuery = z.strictObject({
  limit: z.coerce.number().int('must be a whole number').min(1, 'must be at least 1').max(100, 'must be at most 100').default(50),
  cursor: z.string().max(200).optional(),
});

type P = { idOrKey: string };
type PC = { idOrKey: string; commentId: string };

export function commentRoutes(comments: CommentStore): Router {
  const r = Router({ mergeParams: true });

  r.get('/:idOrKey/comments', async (req: Request<P>, res) => {
    const q = parseInput(CommentListQuery, req.query, 'query');
    res.json(await comments.list(req.params.idOrKey, { limit: q.limit, ...(q.cursor !== undefined && { cursor: q.cursor }) }));
  });

  r.post('/:idOrKey/comments', async (req: Request<P>, res) => {
    const input = parseInput(CreateComment, req.body, 'body');
    const actor = actorOf(req);
    const c = await comments.create(req.params.idOrKey, { body: input.body, author: input.author ?? actor }, actor);
    res.location(`/api/defects/${req.params.idOrKey}/comments/${c.id}`).status(201).json(c);
  });

  r.patch('/:idOrKey/comments/:commentId', async (req: Request<PC>, res) => {
    const input = parseInput(PatchComment, req.body, 'body');
    res.json(await comments.update(req.params.idOrKey, req.params.commentId, input.body, actorOf(req)));
  });

  r.delete('/:idOrKey/comments/:commentId', async (req: Request<PC>, res) => {
    await comments.delete(req.params.idOrKey, req.params.commentId, actorOf(req));
    res.status(204).end();
  });

  return r;
}
