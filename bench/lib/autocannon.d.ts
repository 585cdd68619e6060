// autocannon ships no types; the benchmarks use only these parts of its API.
declare module 'autocannon' {
  type Request = { method?: string; path?: string; headers?: Record<string, string>; body?: string; setupRequest?: (req: any) => any };
  type Histogram = { p50: number; p99: number; average: number };
  type Result = { requests: { total: number }; duration: number; latency: Histogram; non2xx: number; errors: number; timeouts: number; statusCodeStats: Record<string, { count: number }> };
  /** The run: a thenable of its result that also emits each response. */
  type Instance = Promise<Result> & { on(event: 'response', listener: () => void): Instance };
  export default function autocannon(opts: { url: string; connections?: number; amount?: number; duration?: number; requests?: Request[] }): Instance;
}
