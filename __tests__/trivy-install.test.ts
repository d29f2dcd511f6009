import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { existsSync, rmSync } from 'node:fs'
import * as path from 'node:path'
import { createExec } from '../src/exec.js'
import { actionsCacheBackend } from '../src/image/layer-cache.js'
import { assetName, installTrivy, parseTrivyVersion, TrivyInstallError, type InstallDeps } from '../src/scan/install.js'
import { useCacheServer } from './helpers/cache-server.js'
import { RecordingHost } from './helpers/host.js'
import { tempDir } from './helpers/temp.js'
import { fixturePath, ReleaseServer, releaseTarball } from './helpers/trivy-standin.js'

const VERSION = '0.68.0'
const ASSET = `trivy_${VERSION}_Linux-64bit.tar.gz`

describe('installing Trivy from a release server (local, with a tarball made by the test)', () => {
  let server: ReleaseServer
  const waits: number[] = []
  // The cache version hashes the path: like RUNNER_TEMP, the tool folder's path stays the same.
  const toolDir = path.join(tempDir('image-budget-tools-'), 'trivy')
  const deps = (extra: Partial<Omit<InstallDeps, 'host'>> = {}): InstallDeps & { host: RecordingHost } => ({
    exec: createExec(process.stderr),
    host: new RecordingHost(),
    fetch: globalThis.fetch,
    sleep: async wait => {
      waits.push(wait)
    },
    toolDir,
    releases: server.url,
    platform: 'linux',
    arch: 'x64',
    ...extra
  })

  beforeAll(async () => {
    server = await new ReleaseServer(VERSION, ASSET, releaseTarball(VERSION, fixturePath('alpine-39'))).start()
  })
  afterAll(async () => server.stop())
  afterEach(() => rmSync(toolDir, { recursive: true, force: true }))

  it('names the release asset as Trivy does and reads versions', () => {
    expect(assetName('0.68.0', 'linux', 'x64')).toBe(ASSET)
    expect(assetName('0.68.0', 'darwin', 'arm64')).toBe('trivy_0.68.0_macOS-ARM64.tar.gz')
    expect(() => assetName('0.68.0', 'win32', 'x64')).toThrow('Trivy has no release for win32/x64')
    expect(parseTrivyVersion('Version: 0.68.0\nVulnerability DB:\n')).toBe('0.68.0')
  })

  it('installs a tarball whose SHA-256 matches the checksums file, retrying a busy server', async () => {
    server.failuresLeft = 2
    waits.length = 0
    const binary = await installTrivy(VERSION, deps())
    expect(binary).toBe(path.join(toolDir, VERSION, 'trivy'))
    expect(existsSync(path.join(toolDir, VERSION, ASSET))).toBe(false)
    expect(waits).toEqual([1000, 4000])
    expect(server.requests.slice(-2)).toEqual([`/v${VERSION}/${ASSET}`, `/v${VERSION}/trivy_${VERSION}_checksums.txt`])
  })

  it('refuses a tarball that does not match its checksum, and installs nothing', async () => {
    const bad = await new ReleaseServer(VERSION, ASSET, releaseTarball(VERSION, fixturePath('alpine-39'))).start()
    bad.corruptChecksum()
    try {
      const attempt = installTrivy(VERSION, { ...deps(), releases: bad.url })
      await expect(attempt).rejects.toThrow(TrivyInstallError)
      await expect(installTrivy(VERSION, { ...deps(), releases: bad.url })).rejects.toThrow(
        new RegExp(`^${ASSET.replace(/\./g, '\\.')} does not match its published SHA-256 \\(expected [0-9a-f]{64}, got [0-9a-f]{64}\\): not installed$`)
      )
      expect(existsSync(path.join(toolDir, VERSION, 'trivy'))).toBe(false)
    } finally {
      await bad.stop()
    }
  })

  it('fails clearly when the release does not exist', async () => {
    await expect(installTrivy('0.1.0', deps())).rejects.toThrow(`${server.url}/v0.1.0/trivy_0.1.0_Linux-64bit.tar.gz: HTTP 404`)
  })

  describe('with the Actions cache (cache service v2, local server)', () => {
    const cache = useCacheServer()

    it('keeps the installed binary, so the next runner restores it instead of downloading', async () => {
      const before = server.requests.length
      await installTrivy(VERSION, deps({ cache: actionsCacheBackend }))
      expect(server.requests.length).toBe(before + 2)
      expect(cache.entries.map(entry => entry.key)).toEqual([`image-budget-trivy-${VERSION}-linux-x64`])

      rmSync(toolDir, { recursive: true, force: true })
      const next = deps({ cache: actionsCacheBackend })
      const binary = await installTrivy(VERSION, next)
      expect(server.requests.length).toBe(before + 2)
      expect(next.host.lines).toContain(`Using trivy ${VERSION} from the cache`)
      expect(existsSync(binary)).toBe(true)
    })
  })
})
