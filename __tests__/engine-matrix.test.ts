// The configurations docker/build-push-action users have, on the real engine: 1 and 2 platforms ×
// {no output, push, load, push + load, user outputs} × provenance {default, false, mode=max} × sbom
// {false, true} × {cold, fully cached} × export-mode {folder, registry}, as a pairwise set (every pair of values in some case). Each
// case runs the action as the runner does (dist/index.js) and checks the measurement against a
// second reading of what was pushed, loaded or exported.
import { beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import type { Report } from '../src/report/report.js'
import { runActionStep, type StepResult } from './helpers/action.js'
import { ASSETS, describeWithEngine, docker, makeContext, REGISTRY, uniqueTag } from './helpers/engine.js'
import { readOciArchive, readPushedImage, registryDigest, type ReadImage } from './helpers/registry.js'
import { removeTempDir, tempDir } from './helpers/temp.js'

type Output = 'none' | 'push' | 'load' | 'push+load' | 'outputs'
type Provenance = 'default' | 'false' | 'mode=max'
interface Case {
  platforms: 1 | 2
  output: Output
  provenance: Provenance
  sbom: boolean
  cache: 'cold' | 'cached'
  /** How an unpushed build reaches the measuring (export-mode). */
  exportMode: 'folder' | 'registry'
}

const DIMENSIONS = {
  platforms: [1, 2],
  output: ['none', 'push', 'load', 'push+load', 'outputs'],
  provenance: ['default', 'false', 'mode=max'],
  sbom: [false, true],
  cache: ['cold', 'cached'],
  exportMode: ['folder', 'registry']
} as const

const CASES: Case[] = (
  [
    [1, 'none', 'default', false, 'cold', 'folder'],
    [1, 'push', 'false', true, 'cached', 'registry'],
    [2, 'load', 'mode=max', false, 'cached', 'registry'],
    [2, 'push+load', 'default', true, 'cold', 'registry'],
    [1, 'outputs', 'mode=max', true, 'cold', 'registry'],
    [2, 'push', 'false', false, 'cold', 'folder'],
    [2, 'outputs', 'default', false, 'cached', 'folder'],
    [1, 'load', 'default', true, 'cold', 'folder'],
    [1, 'push+load', 'false', false, 'cached', 'folder'],
    [2, 'none', 'false', true, 'cached', 'registry'],
    [1, 'none', 'mode=max', false, 'cold', 'folder'],
    [1, 'push', 'default', false, 'cold', 'folder'],
    [1, 'push', 'mode=max', false, 'cold', 'folder'],
    [1, 'load', 'false', false, 'cold', 'folder'],
    [1, 'push+load', 'mode=max', false, 'cold', 'folder'],
    [1, 'outputs', 'false', false, 'cold', 'folder']
  ] as const
).map(([platforms, output, provenance, sbom, cache, exportMode]) => ({ platforms, output, provenance, sbom, cache, exportMode }))

const title = (c: Case): string =>
  `${c.platforms} platform${c.platforms > 1 ? 's' : ''}, ${c.output}, provenance ${c.provenance}, sbom ${c.sbom}, ${c.cache}, export-mode ${c.exportMode}`

describe('the configuration matrix', () => {
  it('holds every pair of values of every two dimensions', () => {
    const keys = Object.keys(DIMENSIONS) as Array<keyof typeof DIMENSIONS>
    const missing: string[] = []
    for (let i = 0; i < keys.length; i++) {
      for (let j = i + 1; j < keys.length; j++) {
        for (const a of DIMENSIONS[keys[i]]) {
          for (const b of DIMENSIONS[keys[j]]) {
            if (!CASES.some(c => c[keys[i]] === a && c[keys[j]] === b)) missing.push(`${keys[i]}=${a} with ${keys[j]}=${b}`)
          }
        }
      }
    }
    expect(missing).toEqual([])
  })
})

// A minimal SBOM generator that follows BuildKit's SBOM generator protocol (no generator image can
// be pulled here): it writes one SPDX document, as an in-toto statement, per scanned target.
const SBOM_SCANNER = `#!/bin/busybox sh
name=$(/bin/busybox basename "$BUILDKIT_SCAN_SOURCE")
files=$(/bin/busybox find "$BUILDKIT_SCAN_SOURCE" -type f | /bin/busybox wc -l)
echo "{\\"_type\\":\\"https://in-toto.io/Statement/v0.1\\",\\"predicateType\\":\\"https://spdx.dev/Document\\",\\"predicate\\":{\\"spdxVersion\\":\\"SPDX-2.3\\",\\"dataLicense\\":\\"CC0-1.0\\",\\"SPDXID\\":\\"SPDXRef-DOCUMENT\\",\\"name\\":\\"$name\\",\\"comment\\":\\"$files files\\"}}" > "$BUILDKIT_SCAN_DESTINATION/$name.spdx.json"
`
const SBOM_GENERATOR = `${REGISTRY}/image-budget-test/sbom-generator:1`

function buildSbomGenerator(): void {
  const dir = tempDir('image-budget-sbom-')
  try {
    cpSync(path.join(ASSETS, 'busybox', 'amd64', 'busybox'), path.join(dir, 'busybox'))
    writeFileSync(path.join(dir, 'scan.sh'), SBOM_SCANNER)
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\nCOPY scan.sh /bin/scan\nENTRYPOINT ["/bin/busybox", "sh", "/bin/scan"]\n')
    docker(['buildx', 'build', '--provenance=false', '--platform', 'linux/amd64', '--tag', SBOM_GENERATOR, '--push', dir])
  } finally {
    removeTempDir(dir)
  }
}

function inputsFor(c: Case, context: string, tag: string): Record<string, string> {
  const inputs: Record<string, string> = {
    platforms: c.platforms === 1 ? 'linux/amd64' : 'linux/amd64,linux/arm64',
    tags: tag,
    name: `matrix-${c.output}`
  }
  if (c.output === 'push' || c.output === 'push+load') inputs.push = 'true'
  if (c.output === 'load' || c.output === 'push+load') inputs.load = 'true'
  if (c.output === 'outputs') inputs.outputs = `type=oci,dest=${path.join(context, 'user-output.tar')}`
  if (c.provenance !== 'default') inputs.provenance = c.provenance
  inputs['export-mode'] = c.exportMode
  if (c.sbom) inputs.sbom = `generator=${SBOM_GENERATOR}`
  return inputs
}

/** What the case's outputs hold, read a second way: the registry, `docker image save`, or the user's own export. */
async function secondReading(c: Case, context: string, tag: string): Promise<ReadImage> {
  if (c.output === 'push' || c.output === 'push+load') return readPushedImage(tag)
  const archive = path.join(context, 'second-reading.tar')
  if (c.output === 'load') docker(['image', 'save', '--output', archive, tag])
  else if (c.output === 'outputs') cpSync(path.join(context, 'user-output.tar'), archive)
  else {
    // Nothing was exported but the step's own layout: the same build, fully cached, exported again.
    const args = ['buildx', 'build', '--platform', inputsFor(c, context, tag).platforms, '--output', `type=oci,dest=${archive}`]
    if (c.provenance !== 'default') args.push(`--provenance=${c.provenance}`)
    if (c.sbom) args.push('--sbom', `generator=${SBOM_GENERATOR}`)
    docker([...args, context])
  }
  return readOciArchive(archive)
}

function expectSameImage(report: Report, reading: ReadImage): void {
  expect(report.platforms.map(platform => platform.platform).sort()).toEqual(reading.platforms.map(platform => platform.platform).sort())
  for (const expected of reading.platforms) {
    const measured = report.platforms.find(platform => platform.platform === expected.platform)!
    expect(measured.layerCount).toBe(expected.layerBlobSizes.length)
    expect(measured.layers.map(layer => layer.compressedSize)).toEqual(expected.layerBlobSizes)
    expect(measured.layers.map(layer => layer.size)).toEqual(expected.layerFileBytes)
    expect(measured.size).toBe(expected.layerFileBytes.reduce((a, b) => a + b, 0))
  }
}

describeWithEngine('every build-push-action configuration, measured exactly (pairwise matrix)', () => {
  beforeAll(() => buildSbomGenerator())

  it.each(CASES.map(c => [title(c), c] as const))('%s', async (_title, c) => {
    const context = makeContext()
    const tag = uniqueTag(`matrix-${c.platforms}`)
    const inputs = inputsFor(c, context, tag)
    let step: StepResult = runActionStep(context, inputs)
    expect({ exitCode: step.exitCode, verdict: step.outputs.verdict, error: (JSON.parse(readFileSync(step.outputs.report, 'utf8')) as Report).error }).toEqual({
      exitCode: 0,
      verdict: 'pass',
      error: undefined
    })
    if (c.cache === 'cached') {
      // The same inputs again, everything cached, with a size budget one byte under the image: it must fail.
      const largest = Number(step.outputs.size)
      step = runActionStep(context, { ...inputs, 'max-size': String(largest - 1) })
      expect(step.exitCode).toBe(1)
      expect(step.outputs.verdict).toBe('fail')
    }
    const report = JSON.parse(readFileSync(step.outputs.report, 'utf8')) as Report
    if (c.cache === 'cached') expect(report.build!.cachedSteps).toBe(report.build!.steps)
    expectSameImage(report, await secondReading(c, context, tag))
    expect(step.outputs.digest).toMatch(/^sha256:[a-f0-9]{64}$/)
    if (inputs.push) expect(step.outputs.digest).toBe(await registryDigest(tag))
    if (inputs.load) expect(execFileSync('docker', ['image', 'inspect', '--format', '{{.Id}}', tag], { encoding: 'utf8' }).trim()).toMatch(/^sha256:/)
  })
})
