// A `trivy` executable made by the tests that stands in for Trivy, which cannot be downloaded
// here: `--version` prints a version, and a scan records its argv and copies a real Trivy report
// (from __fixtures__/trivy) to the path given with --output. It can be told to fail first.
import { expect } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import * as path from 'node:path'
import { createHash } from 'node:crypto'
import { tempDir } from './temp.js'

export interface StandIn {
  dir: string
  binary: string
  log: string
  /** The argv of each scan, one array per run. */
  calls(): string[][]
  /** Of the scan numbered `call` (from 1), the layout it was given: its index.json and the SHA-256 of each blob file, by file name. */
  layout(call: number): { index: { manifests: Array<{ digest: string }> }; sums: Map<string, string> } | undefined
}

export function fixturePath(name: string): string {
  return new URL(`../../__fixtures__/trivy/${name}.json.golden`, import.meta.url).pathname
}

export function trivyStandIn(options: { version: string; report: string; failures?: number; failure?: string; dir?: string }): StandIn {
  const dir = options.dir ?? tempDir('image-budget-trivy-standin-')
  mkdirSync(dir, { recursive: true })
  const log = path.join(dir, 'calls.log')
  const counter = path.join(dir, 'failures-left')
  writeFileSync(log, '')
  writeFileSync(counter, String(options.failures ?? 0))
  const binary = path.join(dir, 'trivy')
  writeFileSync(
    binary,
    `#!/bin/sh
# Stands in for Trivy in image-budget's tests.
if [ "$1" = "--version" ]; then echo "Version: ${options.version}"; exit 0; fi
printf '%s\\n' "$*" >> "${log}"
left=$(cat "${counter}")
if [ "$left" -gt 0 ]; then
  echo $((left - 1)) > "${counter}"
  echo "${(options.failure ?? 'FATAL unknown error').replace(/"/g, '\\"')}" >&2
  exit 1
fi
out=""
input=""
while [ $# -gt 0 ]; do
  if [ "$1" = "--output" ]; then out="$2"; shift; fi
  if [ "$1" = "--input" ]; then input="$2"; shift; fi
  shift
done
# What a layout it is given holds, as it is when Trivy reads it: its index and the digest of each blob.
if [ -n "$input" ] && [ -f "$input/index.json" ]; then
  n=$(wc -l < "${log}")
  cp "$input/index.json" "${dir}/input-$n.index.json"
  (cd "$input/blobs/sha256" && sha256sum -- *) > "${dir}/input-$n.sums"
fi
cp "${options.report}" "$out"
`
  )
  chmodSync(binary, 0o755)
  return {
    dir,
    binary,
    log,
    calls: () =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map(line => line.split(' ')),
    layout: call => {
      const indexFile = path.join(dir, `input-${call}.index.json`)
      if (!existsSync(indexFile)) return undefined
      const sums = new Map<string, string>()
      for (const line of readFileSync(path.join(dir, `input-${call}.sums`), 'utf8').split('\n').filter(Boolean)) {
        const [sum, name] = line.split(/\s+\*?/)
        sums.set(name, sum)
      }
      return { index: JSON.parse(readFileSync(indexFile, 'utf8')), sums }
    }
  }
}

/** A release tarball of the stand-in, named and laid out like Trivy's (`trivy` at its root). */
export function releaseTarball(version: string, report: string): Buffer {
  const standIn = trivyStandIn({ version, report })
  return execFileSync('tar', ['-czf', '-', '-C', standIn.dir, 'trivy'])
}

/** Serves `/v<version>/<asset>` and the checksums file on 127.0.0.1, optionally failing first. */
export class ReleaseServer {
  requests: string[] = []
  private server: Server | undefined
  url = ''
  failuresLeft = 0

  constructor(
    private readonly version: string,
    private readonly asset: string,
    private readonly tarball: Buffer,
    private checksum = createHash('sha256').update(tarball).digest('hex')
  ) {}

  corruptChecksum(): void {
    this.checksum = createHash('sha256').update('something else').digest('hex')
  }

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      this.requests.push(request.url ?? '')
      if (this.failuresLeft > 0) {
        this.failuresLeft--
        response.writeHead(503)
        response.end('busy')
        return
      }
      if (request.url === `/v${this.version}/${this.asset}`) {
        response.writeHead(200, { 'content-type': 'application/gzip' })
        response.end(this.tarball)
      } else if (request.url === `/v${this.version}/trivy_${this.version}_checksums.txt`) {
        response.writeHead(200, { 'content-type': 'text/plain' })
        response.end(`${'0'.repeat(64)}  trivy_${this.version}_Linux-ARM64.tar.gz\n${this.checksum}  ${this.asset}\n`)
      } else {
        response.writeHead(404)
        response.end()
      }
    })
    await new Promise<void>(resolve => this.server!.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`
    return this
  }

  async stop(): Promise<void> {
    await new Promise<void>(resolve => this.server?.close(() => resolve()))
  }
}

/**
 * A `trivy` stand-in that misbehaves during a scan: `scan` is shell run with `$out` set to the
 * --output path (it may hang, write a huge report, print a token...). `--version` still answers.
 */
export function misbehavingTrivyStandIn(dir: string, version: string, scan: string): string {
  mkdirSync(dir, { recursive: true })
  const binary = path.join(dir, 'trivy')
  writeFileSync(
    binary,
    `#!/bin/sh
# Stands in for a misbehaving Trivy in image-budget's tests.
if [ "$1" = "--version" ]; then echo "Version: ${version}"; exit 0; fi
out=""
while [ $# -gt 0 ]; do
  if [ "$1" = "--output" ]; then out="$2"; shift; fi
  shift
done
${scan}
`
  )
  chmodSync(binary, 0o755)
  return binary
}

/**
 * Checks each layout the stand-in was handed: one per measured platform, its manifest one of theirs,
 * every blob file what its name says, and the manifest's config and layers all there.
 */
export function expectVerifiedLayouts(trivy: StandIn, platforms: ReadonlyArray<{ digest: string; layers: ReadonlyArray<{ digest: string }> }>): void {
  const calls = trivy.calls()
  expect(calls).toHaveLength(platforms.length)
  const hex = (digest: string) => digest.replace(/^sha256:/, '')
  for (const [index, call] of calls.entries()) {
    expect(call).toContain('--input')
    const layout = trivy.layout(index + 1)!
    expect(layout.index.manifests).toHaveLength(1)
    const manifestDigest = layout.index.manifests[0].digest
    const platform = platforms.find(measured => measured.digest === manifestDigest)
    expect(platform).toBeDefined()
    for (const [name, sum] of layout.sums) expect(sum).toBe(name)
    expect(layout.sums.has(hex(manifestDigest))).toBe(true)
    for (const layer of platform!.layers) expect(layout.sums.has(hex(layer.digest))).toBe(true)
  }
}
