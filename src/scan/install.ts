import { createHash } from 'node:crypto'
import { chmod, mkdir, rm, stat, writeFile } from 'node:fs/promises'
import * as path from 'node:path'
import type { Exec, Host } from '../host.js'
import type { CacheBackend } from '../cache-backend.js'
import { RetryableError, withRetries, type Sleep } from './retry.js'

/** A recent Trivy release, pinned: the `trivy-version` input changes it. */
export { DEFAULT_TRIVY_VERSION } from '../constants.js'
import { DEFAULT_TRIVY_VERSION } from '../constants.js'
export const TRIVY_RELEASES = 'https://github.com/aquasecurity/trivy/releases/download'
export const DOWNLOAD_DELAYS = [1000, 4000, 10000]

/** A `trivy --version` that hangs (a broken wrapper on PATH) counts as no Trivy. */
const VERSION_TIMEOUT_MS = 60_000

export class TrivyInstallError extends Error {}

export interface InstallDeps {
  exec: Exec
  host: Host
  fetch: typeof fetch
  sleep: Sleep
  /** Where Trivy is installed: one folder per version. */
  toolDir: string
  /** Keeps the installed binary between runs (on GitHub). */
  cache?: CacheBackend
  /** Where release assets are downloaded from: `<base>/v<version>/<asset>`. */
  releases?: string
  platform?: NodeJS.Platform
  arch?: string
}

/** The release asset for this machine, as Trivy names them (`trivy_0.68.0_Linux-64bit.tar.gz`). */
export function assetName(version: string, platform: NodeJS.Platform, arch: string): string {
  const os = platform === 'darwin' ? 'macOS' : platform === 'linux' ? 'Linux' : undefined
  const cpu = arch === 'x64' ? '64bit' : arch === 'arm64' ? 'ARM64' : undefined
  if (!os || !cpu) throw new TrivyInstallError(`Trivy has no release for ${platform}/${arch}`)
  return `trivy_${version}_${os}-${cpu}.tar.gz`
}

/** Reads `trivy --version` output (`Version: 0.68.0`). */
export function parseTrivyVersion(output: string): string | undefined {
  return /Version:\s*v?(\d+\.\d+\.\d+)/.exec(output)?.[1]
}

export function checkVersionInput(version: string): string {
  const value = version.trim().replace(/^v/, '')
  if (!/^\d+\.\d+\.\d+$/.test(value)) throw new TrivyInstallError(`Input "trivy-version": "${version}" is not a version like ${DEFAULT_TRIVY_VERSION}`)
  return value
}

async function download(url: string, deps: InstallDeps): Promise<Buffer> {
  return withRetries(
    async () => {
      let response: Response
      try {
        response = await deps.fetch(url, { redirect: 'follow' })
      } catch (error) {
        throw new RetryableError(`cannot reach ${url}: ${(error as Error).message}`)
      }
      if (response.status === 429 || response.status >= 500) throw new RetryableError(`${url}: HTTP ${response.status}`)
      if (!response.ok) throw new TrivyInstallError(`${url}: HTTP ${response.status}`)
      return Buffer.from(await response.arrayBuffer())
    },
    DOWNLOAD_DELAYS,
    deps.sleep,
    (error, wait) => deps.host.warning(`${error.message}; trying again in ${wait / 1000} s`)
  )
}

async function installedVersion(binary: string, exec: Exec): Promise<string | undefined> {
  const result = await exec(binary, ['--version'], { silent: true, timeoutMs: VERSION_TIMEOUT_MS }).catch(() => undefined)
  return result && result.exitCode === 0 ? parseTrivyVersion(result.stdout) : undefined
}

/**
 * Makes Trivy `version` available and returns the program to run: a `trivy` on PATH of that
 * version, the binary kept in the cache, or the release downloaded and checked against the
 * release's SHA-256 checksums (a mismatch is an error, never a warning).
 */
export async function installTrivy(version: string, deps: InstallDeps): Promise<string> {
  const { host } = deps
  if ((await installedVersion('trivy', deps.exec)) === version) {
    host.info(`Using trivy ${version} from PATH`)
    return 'trivy'
  }
  const dir = path.join(deps.toolDir, version)
  const binary = path.join(dir, 'trivy')
  const asset = assetName(version, deps.platform ?? process.platform, deps.arch ?? process.arch)
  const cacheKey = `image-budget-trivy-${version}-${deps.platform ?? process.platform}-${deps.arch ?? process.arch}`
  const present = async (): Promise<boolean> => (await stat(binary).catch(() => undefined)) !== undefined && (await installedVersion(binary, deps.exec)) === version
  if (await present()) return binary
  if (deps.cache) {
    const restored = await deps.cache.restore([dir], cacheKey, []).catch(error => {
      host.warning(`The Trivy binary could not be restored from the cache: ${(error as Error).message}`)
      return undefined
    })
    if (restored && (await present())) {
      host.info(`Using trivy ${version} from the cache`)
      return binary
    }
  }

  const base = `${deps.releases ?? TRIVY_RELEASES}/v${version}`
  host.info(`Downloading ${base}/${asset}`)
  const [archive, checksums] = [await download(`${base}/${asset}`, deps), await download(`${base}/trivy_${version}_checksums.txt`, deps)]
  const expected = checksums
    .toString('utf8')
    .split(/\r?\n/)
    .map(line => line.trim().split(/\s+/))
    .find(([, name]) => name === asset)?.[0]
  if (!expected) throw new TrivyInstallError(`trivy_${version}_checksums.txt lists no checksum for ${asset}`)
  const actual = createHash('sha256').update(archive).digest('hex')
  if (actual !== expected.toLowerCase()) {
    throw new TrivyInstallError(`${asset} does not match its published SHA-256 (expected ${expected}, got ${actual}): not installed`)
  }
  await mkdir(dir, { recursive: true })
  const archiveFile = path.join(dir, asset)
  await writeFile(archiveFile, archive)
  const extracted = await deps.exec('tar', ['-xzf', archiveFile, '-C', dir, 'trivy'], { silent: true })
  if (extracted.exitCode !== 0) throw new TrivyInstallError(`${asset} could not be unpacked: ${extracted.stderr.trim()}`)
  await chmod(binary, 0o755)
  await rm(archiveFile, { force: true })
  const got = await installedVersion(binary, deps.exec)
  if (got !== version) throw new TrivyInstallError(`${asset} holds trivy ${got ?? 'of no known version'}, not ${version}`)
  if (deps.cache) {
    await deps.cache.save([dir], cacheKey).catch(error => host.warning(`The Trivy binary could not be saved to the cache: ${(error as Error).message}`))
  }
  return binary
}
