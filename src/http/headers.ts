// Headers every answer carries, whatever route or error produced it (security review F8).
import type { RequestHandler } from 'express';

/** No browser may sniff a JSON, text or error answer into a script or a page: the declared type is the type. */
export const noSniff: RequestHandler = (_req, res, next) => {
  res.set('X-Content-Type-Options', 'nosniff');
  next();
};
