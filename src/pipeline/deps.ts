// The side effects of a run besides the host: programs, clock, environment, places on disk, the
// Actions cache and the GitHub API. The action and the CLI each make their own; tests pass fakes.
import * as os from 'node:os'
import * as path from 'node:path'
import type { ActionsCacheState } from '../build/actions-cache.js'
import type { CacheBackend } from '../cache-backend.js'
import { createExec } from '../exec.js'
import type { GitHubApi } from '../github/api.js'
import type { GitHubContext } from '../github/context.js'
import { systemClock, type Clock, type Exec, type StreamExec } from '../host.js'
import { realSleep, type Sleep } from '../scan/retry.js'

export interface RunDeps {
  exec: Exec
  /** Programs whose output is read as a stream (`docker image save`); spawnStream when not given. */
  streamExec?: StreamExec
  clock: Clock
  env: NodeJS.ProcessEnv
  cwd: string
  /** Where the run's private work folders are made (RUNNER_TEMP on GitHub). */
  tempRoot: string
  /** Where layer entries are kept between runs; without it, they last for this run only. */
  layerCacheDir?: string
  /** Keeps folders (layer index, Trivy and its DB, the baseline) in the Actions cache between runs (on GitHub). */
  cache?: CacheBackend
  /** Where Trivy is installed and keeps its DB: paths that stay the same from run to run. */
  toolDir: string
  trivyCacheDir: string
  sleep: Sleep
  fetch: typeof fetch
  /** Where Trivy releases are downloaded from (tests serve them locally). */
  trivyReleases?: string
  /** What a probe of the Actions cache service found, when the runner offers one. */
  actionsCache?: ActionsCacheState
  /** The run on GitHub, and the API to comment and set statuses with (absent for the CLI). */
  github?: { context: GitHubContext; api?: GitHubApi; token?: string }
}

export function nodeDeps(): RunDeps {
  const tempRoot = process.env.RUNNER_TEMP || os.tmpdir()
  return {
    exec: createExec(),
    clock: systemClock,
    env: process.env,
    cwd: process.cwd(),
    tempRoot,
    toolDir: path.join(tempRoot, 'image-budget-trivy', 'bin'),
    trivyCacheDir: path.join(tempRoot, 'image-budget-trivy', 'cache'),
    sleep: realSleep,
    fetch: globalThis.fetch
  }
}
