// The admin API's outgoing webhooks (behind adminGate, like every /admin route):
//   POST   /admin/hooks                    {url, events, description?} → 201 with the secret, shown this once
//   GET    /admin/hooks                    every hook (never a secret)
//   GET    /admin/hooks/:id
//   PATCH  /admin/hooks/:id                {url?, events?, description?, enabled?} (enabling clears the failing streak)
//   DELETE /admin/hooks/:id                204; its deliveries go with it
//   POST   /admin/hooks/:id/rotate         a new secret; the old one keeps signing beside it for 24 h
//   GET    /admin/hooks/:id/deliveries     ?status=&limit= newest first: status, attempts, times, the answer's start
//   POST   /admin/hooks/:id/deliveries/:deliveryId/redeliver   the same delivery (same webhook-id and body) again
import { Router } from 'express';
import type { PrismaClient } from '../db.ts';
import type { Hook } from '../generated/prisma/client.ts';
import { AppError, notFound } from '../errors.ts';
import { newHookSecret } from '../hooks/signing.ts';
import { AddressRefused, resolveHookAddress } from '../hooks/send.ts';
import type { HookSettings } from '../hooks/policy.ts';
import { parseInput } from './errors.ts';
import { CreateHook, DeliveriesQuery, DeliveryParams, HookParams, PatchHook } from './schemas.ts';

/** How long a rotated-out secret keeps signing. */
const ROTATION_OVERLAP_MS = 24 * 3600_000;

const hookView = (h: Hook) => ({
  id: h.id,
  url: h.url,
  events: h.events,
  description: h.description,
  enabled: h.enabled,
  disabledReason: h.disabledReason,
  failingSince: h.failingSince?.toISOString() ?? null,
  previousSecretValidUntil: h.previousUntil && h.previousUntil > new Date() ? h.previousUntil.toISOString() : null,
  createdAt: h.createdAt.toISOString(),
});

export function hookRoutes(prisma: PrismaClient, settings: Pick<HookSettings, 'allowPrivate'>): Router {
  const router = Router();
  // Refused at creation on the resolved address, as at every delivery.
  const guard = async (url: string) => {
    try {
      await resolveHookAddress(new URL(url), settings.allowPrivate);
    } catch (err) {
      if (err instanceof AddressRefused) throw new AppError('validation_failed', `url: ${err.message}`, { fields: [{ field: 'url', message: err.message }] });
      throw err;
    }
  };
  const find = async (id: string) => (await prisma.hook.findUnique({ where: { id } })) ?? Promise.reject(notFound('hook', id));

  router.post('/hooks', async (req, res) => {
    const body = parseInput(CreateHook, req.body, 'body');
    await guard(body.url);
    const secret = newHookSecret();
    const hook = await prisma.hook.create({ data: { url: body.url, events: body.events, description: body.description ?? null, secret } });
    res.status(201).json({ ...hookView(hook), secret });
  });
  router.get('/hooks', async (_req, res) => {
    res.json({ data: (await prisma.hook.findMany({ orderBy: { createdAt: 'asc' } })).map(hookView) });
  });
  router.get('/hooks/:id', async (req, res) => {
    res.json(hookView(await find(parseInput(HookParams, req.params, 'path').id)));
  });
  router.patch('/hooks/:id', async (req, res) => {
    const { id } = parseInput(HookParams, req.params, 'path');
    const patch = parseInput(PatchHook, req.body, 'body');
    await find(id);
    if (patch.url) await guard(patch.url);
    const hook = await prisma.hook.update({
      where: { id },
      data: { ...patch, ...(patch.enabled === true && { disabledReason: null, failingSince: null }) },
    });
    res.json(hookView(hook));
  });
  router.delete('/hooks/:id', async (req, res) => {
    const { id } = parseInput(HookParams, req.params, 'path');
    await find(id);
    await prisma.hook.delete({ where: { id } });
    res.status(204).end();
  });
  router.post('/hooks/:id/rotate', async (req, res) => {
    const { id } = parseInput(HookParams, req.params, 'path');
    const old = await find(id);
    const secret = newHookSecret();
    const hook = await prisma.hook.update({ where: { id }, data: { secret, previousSecret: old.secret, previousUntil: new Date(Date.now() + ROTATION_OVERLAP_MS) } });
    res.json({ ...hookView(hook), secret });
  });
  router.get('/hooks/:id/deliveries', async (req, res) => {
    const { id } = parseInput(HookParams, req.params, 'path');
    const q = parseInput(DeliveriesQuery, req.query, 'query');
    await find(id);
    const rows = await prisma.hookDelivery.findMany({ where: { hookId: id, ...(q.status && { status: q.status }) }, orderBy: { createdAt: 'desc' }, take: q.limit });
    res.json({
      data: rows.map((d) => ({
        id: d.id,
        type: d.type,
        status: d.status,
        attempts: d.attempts,
        createdAt: d.createdAt.toISOString(),
        lastAttemptAt: d.lastAttemptAt?.toISOString() ?? null,
        nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt.toISOString() : null,
        responseStatus: d.responseStatus,
        responseExcerpt: d.responseExcerpt,
      })),
    });
  });
  router.post('/hooks/:id/deliveries/:deliveryId/redeliver', async (req, res) => {
    const { id, deliveryId } = parseInput(DeliveryParams, req.params, 'path');
    const updated = await prisma.hookDelivery.updateMany({ where: { id: deliveryId, hookId: id }, data: { status: 'pending', nextAttemptAt: new Date() } });
    if (updated.count === 0) throw notFound('delivery', deliveryId);
    res.status(202).json({ id: deliveryId, status: 'pending' });
  });
  return router;
}
