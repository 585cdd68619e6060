// /openapi.json against the app itself: every /api route the express app registers is documented with
// the same method and path, each documented request schema is z.toJSONSchema of the zod schema, and
// the running route's validator knows exactly the fields the document lists.
import { describe, expect, it } from 'vitest';
import type { Express } from 'express';
import { createApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';
import { API_ROUTES, REQUEST_SCHEMAS, openApiPath, queryParameters, requestJsonSchema } from '../../src/http/openapi.ts';
import { testApi } from '../helpers/context.ts';

const { prisma, http } = testApi();

type Layer = {
  rawPath?: unknown;
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
};

/** Every "METHOD /path" the app's router (and the routers mounted in it) registers. */
function registeredRoutes(app: Express): string[] {
  const walk = (stack: Layer[], prefix: string): string[] =>
    stack.flatMap((layer) => {
      if (layer.route) {
        const path = `${prefix}${layer.route.path}`.replace(/(.)\/$/, '$1');
        return Object.keys(layer.route.methods).map((m) => `${m.toUpperCase()} ${path}`);
      }
      if (layer.handle.stack && typeof layer.rawPath === 'string') {
        return walk(layer.handle.stack, layer.rawPath === '/' ? prefix : `${prefix}${layer.rawPath}`);
      }
      return [];
    });
  return walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
}

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, { type: string; scheme: string }> };
};
type Operation = {
  operationId: string;
  parameters?: { in: string; name: string; required: boolean; schema: unknown }[];
  requestBody?: { content: { 'application/json': { schema: { $ref: string } } } };
  responses: Record<string, { content?: { 'application/json': { schema: { $ref: string } } } }>;
  security: unknown[];
};

const documented = (doc: Doc) =>
  Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
const refName = (ref: string) => ref.replace('#/components/schemas/', '');

describe('GET /openapi.json', async () => {
  const res = await http.get('/openapi.json');
  const doc = res.body as Doc;

  it('is an OpenAPI 3.1 document with paths, components, the error shape and the bearer scheme', () => {
    expect(res.status).toBe(200);
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(Object.keys(doc.paths).length).toBeGreaterThan(0);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.schemas.Error).toMatchObject({
      type: 'object',
      properties: { error: { type: 'object', required: ['code', 'message'] } },
    });
    const operations = Object.values(doc.paths).flatMap((p) => Object.values(p));
    const ids = operations.map((op) => op.operationId);
    for (const id of ids) expect(id).toMatch(/^[a-z]+[A-Za-z0-9]+$/);
    expect(new Set(ids).size).toBe(ids.length);
    for (const op of operations) {
      for (const [status, r] of Object.entries(op.responses)) {
        const ref = r.content?.['application/json'].schema.$ref;
        if (ref) expect(doc.components.schemas, `response ${status} refers to ${ref}`).toHaveProperty(refName(ref));
      }
    }
  });

  it('documents every /api route the app registers, with the same method and path, and nothing else', () => {
    const app = createApp({ prisma, log: createLogger('silent') });
    const api = registeredRoutes(app).filter((r) => r.split(' ')[1]!.startsWith('/api'));
    expect(api.length).toBeGreaterThanOrEqual(10);
    const inDoc = documented(doc).filter((r) => r.split(' ')[1]!.startsWith('/api'));
    expect(inDoc.sort()).toEqual(api.map((r) => r.replace(/:(\w+)/g, '{$1}')).sort());
    // The admin API's hooks too (behind ADMIN_TOKEN).
    const hooks = registeredRoutes(app).filter((r) => r.split(' ')[1]!.startsWith('/admin/hooks'));
    expect(hooks.length).toBeGreaterThanOrEqual(8);
    expect(documented(doc).filter((r) => r.split(' ')[1]!.startsWith('/admin/hooks')).sort()).toEqual(hooks.map((r) => r.replace(/:(\w+)/g, '{$1}')).sort());
    expect(doc.paths['/admin/hooks']!.post!.security).toEqual([{ admin: [] }]);
    // /healthz and /readyz are registered too, and documented open.
    for (const path of ['/healthz', '/readyz']) {
      expect(registeredRoutes(app)).toContain(`GET ${path}`);
      expect(doc.paths[path]!.get!.security).toEqual([]);
    }
    expect(doc.paths['/api/defects']!.post!.security).toEqual([{ bearer: [] }]);
  });

  it('carries each request schema exactly as z.toJSONSchema makes it from the zod schema', () => {
    for (const [name, schema] of Object.entries(REQUEST_SCHEMAS)) {
      expect(doc.components.schemas[name]).toEqual(requestJsonSchema(schema));
    }
    for (const route of API_ROUTES) {
      const op = doc.paths[openApiPath(route.path)]![route.method]!;
      if (route.body) expect(refName(op.requestBody!.content['application/json'].schema.$ref)).toBe(route.body);
      else expect(op.requestBody).toBeUndefined();
      if (route.query) {
        expect(op.parameters!.filter((p) => p.in === 'query')).toEqual(queryParameters(route.query));
      }
      const pathParams = op.parameters?.filter((p) => p.in === 'path').map((p) => p.name) ?? [];
      expect(pathParams.sort()).toEqual([...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]).sort());
    }
  });

  it("matches each route's validator: every documented field is known to it, and an undocumented one is refused", async () => {
    // The admin routes' validators are tested where ADMIN_TOKEN is set (test/hooks/hooks.test.ts).
    for (const route of API_ROUTES.filter((r) => r.body && r.auth !== 'admin')) {
      const schema = doc.components.schemas[route.body!] as { properties: Record<string, unknown>; additionalProperties?: boolean };
      // A wrong-typed value for every documented field, plus one field the document does not have.
      const body = { ...Object.fromEntries(Object.keys(schema.properties).map((p) => [p, { wrong: 'type' }])), notDocumented: 1 };
      const path = route.path.replace(/:\w+/g, 'DEF-999999999');
      const r = await http[route.method](path).send(body);
      expect(r.status, `${route.method} ${path}`).toBe(400);
      const fields = r.body.error.details.fields as { field: string; message: string }[];
      for (const p of Object.keys(schema.properties)) {
        const reported = fields.find((f) => f.field === p);
        expect(reported, `${route.method} ${route.path}: ${p}`).toBeDefined();
        expect(reported!.message).not.toBe('is not a known field');
      }
      expect(schema.additionalProperties).toBe(false);
      expect(fields).toContainEqual({ field: 'notDocumented', message: 'is not a known field' });
    }
  });
});
