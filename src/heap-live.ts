// The heap's live set: V8's heap in use as read right after the latest full (mark-compact) collection.
// "Heap used" at a random moment is live data plus garbage not yet collected, so it swings with the
// allocation rate; this figure is what a leak would grow. One observer per process, however many
// metric registries read it (tests build many).
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

let observer: PerformanceObserver | undefined;
let liveBytes: number | undefined;

/** Bytes in use after the latest full collection (before the first one: in use now). Starts watching on first call. */
export function heapLiveBytes(): number {
  if (!observer) {
    observer = new PerformanceObserver((list) => {
      // The entry is delivered just after the collection, before much new allocation can land.
      if (list.getEntries().some((e) => (e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)) {
        liveBytes = getHeapStatistics().used_heap_size;
      }
    });
    observer.observe({ entryTypes: ['gc'] });
  }
  return liveBytes ?? getHeapStatistics().used_heap_size;
}
