// Whether the GitHub Actions cache service answers, asked once before the build. BuildKit's type=gha
// client retries a service that rate-limits or hangs for as long as the build lets it, and
// @actions/cache waits minutes per call: a cache that cannot serve must cost neither a failed step
// nor a held one, so a service that does not answer one small call in time is left out of this run.

/** What the run knows of the Actions cache: usable, or why not. */
export interface ActionsCacheState {
  usable: boolean
  reason?: string
}

export const CACHE_PROBE_TIMEOUT_MS = 10_000
const PROBE_METHOD = 'twirp/github.actions.results.api.v1.CacheService/GetCacheEntryDownloadURL'

/**
 * One GetCacheEntryDownloadURL call for a key nobody writes: a miss (or a hit) means the service
 * serves; 429, 5xx, a refusal or no answer within the timeout means it does not. Only the cache
 * service v2 (ACTIONS_RESULTS_URL) is probed; without one, undefined.
 */
export async function probeActionsCache(
  env: NodeJS.ProcessEnv,
  fetchImpl: typeof fetch,
  timeoutMs = CACHE_PROBE_TIMEOUT_MS
): Promise<ActionsCacheState | undefined> {
  const base = env.ACTIONS_RESULTS_URL
  const token = env.ACTIONS_RUNTIME_TOKEN
  if (!base || !token) return undefined
  const url = `${base.endsWith('/') ? base : `${base}/`}${PROBE_METHOD}`
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), timeoutMs)
  try {
    const response = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ key: 'image-budget-probe', restore_keys: [], version: '0'.repeat(64) }),
      signal: controller.signal
    })
    await response.body?.cancel()
    if (response.ok) return { usable: true }
    const retryAfter = response.headers.get('retry-after')
    const why = response.status === 429 ? 'rate limiting' : response.status >= 500 ? 'failing' : 'refusing the call'
    return { usable: false, reason: `the cache service is ${why} (HTTP ${response.status}${retryAfter ? `, Retry-After ${retryAfter}` : ''})` }
  } catch (error) {
    if (controller.signal.aborted) return { usable: false, reason: `the cache service did not answer within ${timeoutMs / 1000} s` }
    return { usable: false, reason: `the cache service cannot be reached (${(error as Error).message})` }
  } finally {
    clearTimeout(timer)
  }
}

const GHA_SPEC = /(^|,)\s*type=gha\s*(,|$)/

export const isGhaCacheSpec = (spec: string): boolean => GHA_SPEC.test(spec)
