import { expect, it } from '@jest/globals'
import { readFileSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { getInputs } from '../src/config/inputs.js'
import { execute } from '../src/main.js'
import type { PlatformReport } from '../src/report/report.js'
import { describeWithEngine, docker, makeContext, uniqueTag } from './helpers/engine.js'
import { depsFor, RecordingHost } from './helpers/host.js'
import { tempDir } from './helpers/temp.js'

const BASE = `FROM scratch AS base
ARG TARGETARCH
COPY busybox/\${TARGETARCH}/busybox /bin/busybox
SHELL ["/bin/busybox", "sh", "-c"]
RUN /bin/busybox --install -s /bin
`

/** Each line number below is asserted: keep the Dockerfile and the numbers together. */
const WASTEFUL = `${BASE}
FROM base AS builder
WORKDIR /app
COPY seed /app/seed
RUN head -c 50000 /dev/urandom > lib.a && head -c 70000 /dev/urandom > app.bin

FROM base
ARG API_TOKEN
RUN mkdir -p /data && head -c 300000 /dev/zero > /data/big.tmp && head -c 1000 /dev/zero > /data/config
RUN rm /data/big.tmp
RUN head -c 4000 /dev/zero > /data/config
RUN mkdir -p /srv/www && head -c 20000 /dev/zero > /srv/www/old.html && head -c 5 /dev/zero > /srv/www/keep
RUN rm -rf /srv/www && mkdir -p /srv/www && head -c 7 /dev/zero > /srv/www/new.html
COPY --from=builder /app /app
RUN mkdir -p /var/lib/apt/lists && head -c 12345 /dev/zero > /var/lib/apt/lists/deb.debian.org_dists_bookworm_InRelease
`
const LINE = { from: 12, arg: 13, write: 14, remove: 15, overwrite: 16, directory: 17, replace: 18, copy: 19, apt: 20, builderRun: 10 }

async function analyse(context: string, values: Record<string, string> = {}, layerCacheDir?: string) {
  const host = new RecordingHost()
  const outcome = await execute(getInputs(name => ({ scan: 'false', ...values } as Record<string, string>)[name] ?? ''), host, depsFor(context, layerCacheDir ? { layerCacheDir } : {}))
  return { host, report: outcome.report }
}

const layerAt = (platform: PlatformReport, line: number) => platform.layers.find(layer => layer.line === line)!

describeWithEngine('attribution, waste and smells on images built by the real engine', () => {
  it('counts the exact wasted bytes of deleted, overwritten and replaced files, with the lines that wrote and hid them', async () => {
    const { report } = await analyse(makeContext(WASTEFUL), { platforms: 'linux/amd64,linux/arm64', 'max-wasted': '5%' })
    expect(report.platforms).toHaveLength(2)
    for (const platform of report.platforms) {
      // 300,000 deleted + 1,000 overwritten + 20,005 under the replaced directory; nothing else.
      expect(platform.wastedBytes).toBe(321_005)
      expect(platform.efficiency).toBeCloseTo((platform.size - 321_005) / platform.size, 12)
      expect(platform.topWaste.map(waste => [waste.path, waste.size, waste.writtenBy.line, waste.hiddenBy.line])).toEqual([
        ['/data/big.tmp', 300_000, LINE.write, LINE.remove],
        ['/srv/www/old.html', 20_000, LINE.directory, LINE.replace],
        ['/data/config', 1_000, LINE.write, LINE.overwrite],
        ['/srv/www/keep', 5, LINE.directory, LINE.replace]
      ])

      expect(layerAt(platform, LINE.write)).toMatchObject({ size: 301_000, stage: 'stage 2', instruction: expect.stringContaining('RUN mkdir -p /data') })
      // The builder's /app holds lib.a, app.bin and the 32-byte seed.
      expect(layerAt(platform, LINE.copy)).toMatchObject({ size: 120_032, stage: 'stage 2', instruction: 'COPY --from=builder /app /app' })
      expect(platform.layers[0]).toMatchObject({ line: 3, stage: 'base' })
      expect(platform.copies).toEqual([{ from: 'builder', bytes: 120_032, instruction: 'COPY --from=builder /app /app', line: LINE.copy }])
      const busybox = platform.layers[0].size
      expect(platform.stages).toEqual([
        { stage: 'base', bytes: busybox, layers: 2 },
        { stage: 'stage 2', bytes: platform.size - busybox, layers: 7 }
      ])
      expect(platform.baseSize).toBe(0)
      expect(platform.topFiles[0]).toMatchObject({ path: '/bin/busybox', size: busybox, line: 3, stage: 'base' })
      expect(platform.topFiles.map(file => file.path)).toContain('/app/app.bin')
    }
    // 321,005 of about 2 MB is over 5%: the budget fails with the ratio that decided it.
    const wasted = report.budgets.filter(budget => budget.rule === 'max-wasted')
    expect(wasted.map(budget => budget.status)).toEqual(['fail', 'fail'])
    expect(wasted[0].actual).toBeCloseTo(321_005 / report.platforms[0].size, 12)

    const smells = report.smells.map(smell => [smell.rule, smell.level, smell.line])
    expect(smells).toEqual(
      expect.arrayContaining([
        ['root-user', 'warning', LINE.from],
        ['secret-arg-env', 'error', LINE.arg],
        ['copy-build-directory', 'warning', LINE.copy],
        ['package-cache', 'warning', LINE.apt]
      ])
    )
    expect(report.smells.find(smell => smell.rule === 'package-cache')!.message).toContain('apt package lists')
    expect(report.smells.every(smell => smell.file === 'Dockerfile')).toBe(true)
    expect(report.verdict).toBe('fail')
  })

  it('groups the layers of an external base image as the base, and reads the same layers from the cache on the next run', async () => {
    const baseTag = uniqueTag('base')
    const baseContext = makeContext(`${BASE}RUN head -c 64000 /dev/urandom > /base.bin\n`)
    docker(['buildx', 'build', '--quiet', '--tag', baseTag, '--load', baseContext])
    const context = makeContext(
      `FROM ${baseTag}\nCOPY seed /seed\nRUN head -c 9000 /dev/zero > /app.dat\nUSER 65534\n`,
      { 'budget.yml': 'smells:\n  base-image-digest: warning\n' }
    )
    const cacheDir = tempDir('image-budget-layers-')
    const first = await analyse(context, { 'budget-file': 'budget.yml' }, cacheDir)
    const platform = first.report.platforms[0]
    const base = platform.layers.slice(0, 3)
    expect(base.every(layer => layer.stage === 'base image' && layer.line === undefined)).toBe(true)
    expect(platform.baseSize).toBe(base.reduce((sum, layer) => sum + layer.size, 0))
    expect(platform.baseSize).toBeGreaterThan(64_000)
    expect(platform.stages).toEqual([
      { stage: 'base image', bytes: platform.baseSize, layers: 3 },
      { stage: 'stage 0', bytes: platform.size - platform.baseSize!, layers: 2 }
    ])
    const baseFile = platform.topFiles.find(file => file.path === '/base.bin')!
    expect(baseFile).toMatchObject({ size: 64_000, stage: 'base image', layer: base[2].digest })
    expect(baseFile.line).toBeUndefined()
    const rules = first.report.smells.map(smell => [smell.rule, smell.line])
    expect(rules).toEqual([['base-image-digest', 1]])
    expect(first.host.lines.filter(line => line.includes('reading layer'))).toHaveLength(5)

    // A second run reads no layer; after a change to the last layer only, it reads that one.
    const second = await analyse(context, { 'budget-file': 'budget.yml' }, cacheDir)
    expect(second.host.lines.filter(line => line.includes('reading layer'))).toEqual([])
    expect(second.report.platforms[0]).toEqual(platform)
    writeFileSync(path.join(context, 'Dockerfile'), readFileSync(path.join(context, 'Dockerfile'), 'utf8').replace('9000', '9001'))
    const third = await analyse(context, { 'budget-file': 'budget.yml' }, cacheDir)
    expect(third.host.lines.filter(line => line.includes('reading layer'))).toEqual([
      expect.stringMatching(/^linux\/amd64: reading layer 5, sha256:/)
    ])
    expect(third.report.platforms[0].size).toBe(platform.size + 1)
  })

  it('finds secret files, toolchains, .git, the latest tag and COPY . . before an install, each on its line', async () => {
    const base = uniqueTag('tools').replace(/:[^:]+$/, ':latest')
    docker(['buildx', 'build', '--quiet', '--tag', base, '--load', makeContext(BASE)])
    const context = makeContext(
      [
        `FROM ${base} AS build`,
        'WORKDIR /src',
        'COPY . .',
        'RUN echo "npm ci" > /dev/null && mkdir -p /usr/bin && cp /bin/busybox /usr/bin/make',
        'FROM build',
        'RUN mkdir -p /root /srv/.git && echo "//registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789" > /root/.npmrc && echo "ref: refs/heads/main" > /srv/.git/HEAD',
        'RUN printf -- "-----BEGIN OPENSSH PRIVATE KEY-----\\nAAAA\\n-----END OPENSSH PRIVATE KEY-----\\n" > /root/id_ed25519 && echo "example" > /root/.npmrc.bak',
        'USER root',
        ''
      ].join('\n')
    )
    const { report, host } = await analyse(context, {})
    const byRule = (rule: string) => report.smells.filter(smell => smell.rule === rule).map(smell => [smell.line, smell.message])
    expect(byRule('root-user')).toEqual([[8, 'the final stage runs as root (USER root)']])
    expect(byRule('base-image-tag')).toEqual([[1, expect.stringContaining('uses the latest tag')]])
    expect(byRule('copy-all-before-install')).toEqual([[3, expect.stringContaining('before the dependency install on line 4')]])
    expect(byRule('build-toolchain')).toEqual([[4, expect.stringContaining('/usr/bin/make')]])
    expect(byRule('git-directory')).toEqual([[6, expect.stringContaining('/srv/.git')]])
    expect(byRule('secret-file').sort()).toEqual([
      [6, expect.stringContaining('/root/.npmrc holds an npm auth token')],
      [7, expect.stringContaining('/root/id_ed25519 holds a private key')]
    ])
    expect(report.smells.find(smell => smell.rule === 'secret-file')!.level).toBe('error')
    // Each smell is an annotation on its Dockerfile line.
    expect(host.errors).toEqual(
      expect.arrayContaining([
        { message: expect.stringContaining('/root/.npmrc'), properties: { title: 'image-budget: secret-file', file: 'Dockerfile', startLine: 6 } }
      ])
    )
    expect(host.warnings).toEqual(
      expect.arrayContaining([
        { message: 'the final stage runs as root (USER root)', properties: { title: 'image-budget: root-user', file: 'Dockerfile', startLine: 8 } }
      ])
    )
  })
})
