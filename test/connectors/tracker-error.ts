// Shared by every connector's tests.
import { TrackerError } from '../../connectors/errors.ts';

/** The TrackerError a promise rejects with (fails the test when it resolves or throws something else). */
export async function trackerError(promise: Promise<unknown>): Promise<TrackerError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof TrackerError) return err;
    throw new Error(`expected a TrackerError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected a TrackerError, but the call succeeded');
}
