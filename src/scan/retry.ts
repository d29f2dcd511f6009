/** Waits, in milliseconds; passed in so tests do not wait. */
export type Sleep = (milliseconds: number) => Promise<void>

export const realSleep: Sleep = milliseconds => new Promise(resolve => setTimeout(resolve, milliseconds))

export class RetryableError extends Error {}

/**
 * Runs an operation again after a RetryableError (rate limits, 5xx), waiting longer each time:
 * `delays` lists the waits, so their count is the number of retries.
 */
export async function withRetries<T>(operation: (attempt: number) => Promise<T>, delays: readonly number[], sleep: Sleep, onRetry?: (error: Error, wait: number) => void): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation(attempt)
    } catch (error) {
      if (!(error instanceof RetryableError) || attempt >= delays.length) throw error
      onRetry?.(error, delays[attempt])
      await sleep(delays[attempt])
    }
  }
}
