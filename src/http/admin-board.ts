// Bull Board (@bull-board/express) at /admin/queues: the enabled trackers' BullMQ queues, their jobs and
// failures, for people who need to look inside the queues. Mounted behind adminGate like every admin route.
// Its pages get a Content-Security-Policy like the dashboard's, and its template's stylesheet from
// fonts.googleapis.com is taken out: the admin's browser fetches nothing from another host (the board
// falls back to the system fonts), and nothing outside could inject script or style into the page.
//
// The board loads on its first request: @bull-board and its page templates are about 22 MB resident
// beside the rest of the service (measured with express, BullMQ and the SDKs already loaded), which a
// service whose board nobody opens should not carry.
import { Router, type Response } from 'express';
import type { Queue } from 'bullmq';

export const BOARD_PATH = '/admin/queues';

/**
 * The board's own script, styles, images and API only; no inline or outside script, no eval, no framing.
 * `base-uri 'self'`: its page sets <base href> to BOARD_PATH. Styles allow 'unsafe-inline', unlike the
 * dashboard's: the board's template, its SVG logo and its job-data viewer (CodeMirror) add <style>
 * elements at run time, and refusing them (measured in Chromium: 21 refusals over three pages) leaves the
 * job pages unstyled. Inline style cannot run script, and what the board shows is escaped by React.
 */
export const BOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self'; connect-src 'self'; img-src 'self' data:; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'";

/** A <link> to another host (the template's Google Fonts stylesheet): taken out of the page. */
const OUTSIDE_LINK = /<link\b[^>]*\bhref\s*=\s*["']?(?:https?:)?\/\/[^>]*>/gi;

export function withoutOutsideLinks(html: string): string {
  return html.replace(OUTSIDE_LINK, '');
}

export function bullBoard(queues: readonly Queue[]): Router {
  let board: Promise<Router> | undefined;
  const r = Router();
  r.use((_req, res, next) => {
    res.set('Content-Security-Policy', BOARD_CSP);
    // The board renders its one page with res.render; the rendered HTML passes through the filter above.
    const render = res.render.bind(res) as (view: string, options: object, done: (err: Error | null, html?: string) => void) => void;
    (res as Response & { render: (view: string, options?: object) => void }).render = (view, options) =>
      render(view, options ?? {}, (err, html) => (err ? next(err) : void res.type('html').send(withoutOutsideLinks(html ?? ''))));
    next();
  });
  r.use((req, res, next) => {
    // One load for every request that comes meanwhile; a load that failed is tried again by the next request.
    board ??= boardRouter(queues).catch((err: unknown) => {
      board = undefined;
      throw err;
    });
    board.then((handle) => {
      try {
        handle(req, res, next);
      } catch (err) {
        next(err);
      }
    }, next);
  });
  return r;
}

async function boardRouter(queues: readonly Queue[]): Promise<Router> {
  const [{ createBullBoard }, { BullMQAdapter }, { ExpressAdapter }] = await Promise.all([
    import('@bull-board/api'),
    import('@bull-board/api/bullMQAdapter'),
    import('@bull-board/express'),
  ]);
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BOARD_PATH);
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Defect Sync queues' } },
  });
  return serverAdapter.getRouter() as Router;
}
