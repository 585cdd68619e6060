// The V8 heap bounds the service runs with: `npm start`, the Docker image (in NODE_OPTIONS, so a deployment
// can replace them), the demo, the benchmarks and the process tests all start `node` with these
// (test/ops/packaging.test.ts keeps package.json and the Dockerfile in step).
//
// Left to itself on a large machine, V8 grows the young generation to 64 MB semi-spaces (128 MB resident
// once a burst has passed through) and lets the old generation run towards a quarter of RAM before it
// collects hard, so a service whose live heap is under 100 MB sat at 450-580 MB RSS after 2,000 defects
// (bench:outbound; heap snapshots showed nothing growing). A 4 MB semi-space keeps scavenges frequent
// and cheap (the survivors of a sync job are few); the old-space cap makes V8 collect before it grows
// the heap far past the live set. Raise --max-old-space-size for a deployment whose live heap is larger
// (a very large admin export, say): past it, V8 stops the process rather than swap.
export const SERVICE_NODE_FLAGS = ['--max-semi-space-size=4', '--max-old-space-size=384'] as const;

/**
 * The environment the service starts with, beside the flags (read by glibc before Node runs, so it cannot
 * be set from inside). glibc gives each thread that allocates its own malloc arena, up to eight per core,
 * and each keeps its freed pages: Node's I/O and V8's helper threads made the service hold about 12 MB more
 * resident with the default than with two arenas (bench:outbound, 2,000 defects: 237 against 225 MB after
 * the creates), for no CPU difference beyond run-to-run noise.
 */
export const SERVICE_ENV = { MALLOC_ARENA_MAX: '2' } as const;
