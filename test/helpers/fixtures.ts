// Small builders over the public API, so tests read as the scenario they check.
import { expect } from 'vitest';
import type request from 'supertest';
import { unique } from './context.ts';

type Http = ReturnType<typeof request>;

export async function createDefect(http: Http, body: Record<string, unknown> = {}) {
  const res = await http.post('/api/defects').send({ title: unique('defect'), ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

export async function recordRun(http: Http, body: Record<string, unknown>) {
  const res = await http.post('/api/case-runs').send({ launch: 'nightly', ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

export async function patchDefect(http: Http, ref: string, body: Record<string, unknown>) {
  const res = await http.patch(`/api/defects/${ref}`).send(body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}
