import { mkdir, symlink, writeFile } from 'node:fs/promises'
import * as path from 'node:path'
import { formatDuration } from '../config/size.js'
import { Input } from '../constants.js'
import { FILE_LIMITS, readRegularFile } from '../files/safe-read.js'
import type { Exec, Host } from '../host.js'
import type { CacheBackend } from '../cache-backend.js'
import type { Descriptor } from '../image/types.js'
import { slugOf } from '../names.js'
import type { Scrub } from '../secrets.js'
import { RetryableError, withRetries, type Sleep } from './retry.js'
import { parseTrivyReport, type ScanResult } from './trivy-report.js'

/** Trivy's own list of DB repositories: the mirror first, then GitHub's registry. */
export const DEFAULT_DB_REPOSITORIES = ['mirror.gcr.io/aquasec/trivy-db:2', 'ghcr.io/aquasecurity/trivy-db:2']
export const SCAN_DELAYS = [5000, 15000, 45000]
/** How long one Trivy run may take, unless `scan-timeout` says otherwise: a DB download and a large image. */
export const DEFAULT_SCAN_TIMEOUT = '20m'

export class ScanError extends Error {}

/** What Trivy scans for one platform: an OCI layout folder, an image archive, or a registry reference. */
export type ScanTarget =
  | { kind: 'layout'; dir: string; platform: string }
  | { kind: 'archive'; file: string; platform: string }
  | { kind: 'registry'; reference: string; platform: string }

export interface ScanSettings {
  binary: string
  cacheDir: string
  dbRepositories: string[]
  /** Each Trivy run is stopped after this long. */
  timeoutMs: number
}

/** The argv of one `trivy image` run, built without side effects. */
export function trivyArgs(target: ScanTarget, output: string, settings: Pick<ScanSettings, 'cacheDir' | 'dbRepositories'>): string[] {
  const args = ['image', '--format', 'json', '--output', output, '--scanners', 'vuln', '--cache-dir', settings.cacheDir, '--quiet']
  args.push('--db-repository', settings.dbRepositories.join(','))
  if (target.kind === 'layout') return [...args, '--input', target.dir]
  if (target.kind === 'archive') return [...args, '--platform', target.platform, '--input', target.file]
  // From the registry itself: an image of the same name in the local engine is not what was measured.
  return [...args, '--platform', target.platform, '--image-src', 'remote', target.reference]
}

/**
 * A folder holding an OCI layout of one platform of a multi-platform layout: its own index.json,
 * and the blobs of the original through a link, so nothing is copied. Trivy scans layouts of one
 * image; this is also the final stage only, never a builder stage.
 */
export async function platformLayout(layoutDir: string, manifest: Descriptor, into: string): Promise<string> {
  await mkdir(into, { recursive: true })
  await writeFile(path.join(into, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
  await writeFile(path.join(into, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [manifest] }))
  await symlink(path.resolve(layoutDir, 'blobs'), path.join(into, 'blobs')).catch(error => {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  })
  return into
}

const RATE_LIMITED = /TOOMANYREQUESTS|too many requests|\b429\b|\b5\d\d\b (Internal Server Error|Bad Gateway|Service Unavailable|Gateway Timeout)|status code 5\d\d/i

function lastLines(text: string, count = 12): string {
  return text.trimEnd().split(/\r?\n/).slice(-count).join('\n')
}

export interface ScanDeps {
  exec: Exec
  host: Host
  sleep: Sleep
  workDir: string
  /** Takes secrets out of what Trivy printed before it is quoted anywhere. */
  scrub: Scrub
}

/**
 * Runs Trivy on one target and reads its report; rate limits and server errors are retried. A run
 * past its deadline is stopped and not retried, and the report it wrote is read with a cap.
 */
export async function scanTarget(target: ScanTarget, settings: ScanSettings, deps: ScanDeps): Promise<ScanResult> {
  const output = path.join(deps.workDir, `trivy-${slugOf(target.platform)}.json`)
  await mkdir(deps.workDir, { recursive: true })
  const args = trivyArgs(target, output, settings)
  await withRetries(
    async () => {
      const result = await deps.exec(settings.binary, args, { timeoutMs: settings.timeoutMs })
      const said = deps.scrub(`${result.stderr}\n${result.stdout}`)
      if (result.timedOut) {
        throw new ScanError(`trivy did not finish on ${target.platform} within ${formatDuration(settings.timeoutMs)} (input "${Input.ScanTimeout}") and was stopped:\n${lastLines(said)}`)
      }
      if (result.exitCode === 0) return
      if (RATE_LIMITED.test(said)) throw new RetryableError(`trivy was refused by a registry (rate limit or server error): ${lastLines(said, 3)}`)
      throw new ScanError(`trivy failed on ${target.platform} (exit code ${result.exitCode}):\n${lastLines(said)}`)
    },
    SCAN_DELAYS,
    deps.sleep,
    (error, wait) => deps.host.warning(`${error.message}; trying again in ${wait / 1000} s`)
  )
  let text: string
  try {
    text = await readRegularFile(output, FILE_LIMITS[Input.TrivyReport])
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ScanError(`trivy exited without error on ${target.platform} but wrote no report at ${output}`)
    throw new ScanError(`trivy's report for ${target.platform} cannot be read (${(error as Error).message})`)
  }
  return parseTrivyReport(text, `trivy's report for ${target.platform}`)
}

/** Keys of the vulnerability DB cache: one per day, falling back to the newest earlier one. */
export function dbCacheKeys(today: string): { key: string; prefix: string } {
  const prefix = 'image-budget-trivy-db-'
  return { key: `${prefix}${today}`, prefix }
}

/** Restores yesterday's (or today's) DB into the cache folder; returns the key it came from. */
export async function restoreDatabase(cache: CacheBackend, cacheDir: string, today: string, host: Host): Promise<string | undefined> {
  const { key, prefix } = dbCacheKeys(today)
  try {
    const matched = await cache.restore([cacheDir], key, [prefix])
    host.info(matched ? `Trivy DB restored from cache entry ${matched}` : 'No Trivy DB in the cache: Trivy downloads it')
    return matched
  } catch (error) {
    host.warning(`The Trivy DB could not be restored from the cache: ${(error as Error).message}`)
    return undefined
  }
}

/** Saves the DB once a day (a restored entry of today is not saved again); never fails the step. */
export async function saveDatabase(cache: CacheBackend, cacheDir: string, today: string, restoredKey: string | undefined, host: Host): Promise<void> {
  const { key } = dbCacheKeys(today)
  if (restoredKey === key) return
  try {
    await cache.save([cacheDir], key)
  } catch (error) {
    host.warning(`The Trivy DB could not be saved to the cache: ${(error as Error).message}`)
  }
}
