// The two sides of `image-budget compare`: a report file (schema version 1 or 2), an OCI layout
// (a folder with index.json, or a tar of one as `docker image save` writes), or an image reference
// (the local engine's, else its registry's). An image is measured here, every file of its final
// filesystem kept by path, through the same layer store as a run.
import { mkdtemp, rm, stat } from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'
import { parseArgs } from 'node:util'
import { Input } from '../constants.js'
import { InputError } from '../config/errors.js'
import { formatSize, parseCount, SizeError } from '../config/size.js'
import { parseReportFile } from '../combine/report-file.js'
import { FILE_LIMITS, readRegularFile } from '../files/safe-read.js'
import type { Exec } from '../host.js'
import { OciDirectorySource, OciTarSource, type BlobSource } from '../image/blobs.js'
import { localLayerCacheDir } from '../image/layer-cache.js'
import { LayerStore } from '../image/layer-store.js'
import { measureImage } from '../image/measure.js'
import { resolveForMeasuring } from '../image/streamed-layout.js'
import { ImageNotFoundError, openImageInput } from '../image/source.js'
import { workFolders } from '../pipeline/run-image.js'
import type { Report } from '../report/report.js'
import { textTable } from '../report/table.js'
import { changeTable, compareSides, countLine, type Comparison, type Side, type SidePlatform } from './compare.js'

export const COMPARE_USAGE = `Usage: image-budget compare A B [--platform PLATFORM] [--name NAME] [--top N]

Says what came, went, grew and shrank from A to B: files, layers (paired by instruction) and, when
both reports list them, packages. A and B are each a report file (*.json), an OCI layout (a folder
with index.json, or an image archive *.tar), or an image reference (the local engine's, else its
registry's). Two images are compared file by file; a report keeps only its largest files.
  --platform PLATFORM  compare this platform only (default: every platform both have)
  --name NAME          the image of a report file that holds several
  --top N              rows per table (default 20)`

const DEFAULT_TOP = 20

export interface CompareDeps {
  cwd: string
  env: NodeJS.ProcessEnv
  exec: Exec
  fetch: typeof fetch
  layerCacheDir?: string
}

async function reportSide(file: string, shown: string, name: string | undefined): Promise<Side> {
  const text = await readRegularFile(file, FILE_LIMITS[Input.Reports])
  let reports: Report[]
  try {
    reports = parseReportFile(text).reports
  } catch (error) {
    throw new InputError(`compare: ${shown} is not an image-budget report: ${(error as Error).message}`)
  }
  const candidates = name === undefined ? reports : reports.filter(report => report.name === name)
  if (candidates.length !== 1) {
    throw new InputError(`compare: ${shown} holds ${candidates.length === 0 ? 'no report' : 'several reports'}${name !== undefined ? ` of "${name}"` : ''} (${reports.map(report => `"${report.name}"`).join(', ')})${candidates.length > 1 ? ': pick one with --name' : ''}`)
  }
  const [report] = candidates
  return {
    label: `${shown} (report of ${report.name})`,
    everyFile: false,
    platforms: report.platforms.map((platform): SidePlatform => {
      const packages = platform.packages?.map(item => ({ ecosystem: item.ecosystem, name: item.name, version: item.version, bytes: item.bytes }))
      return {
        platform: platform.platform,
        size: platform.size,
        compressedSize: platform.compressedSize,
        layerCount: platform.layerCount,
        files: new Map(platform.topFiles.map(item => [item.path, item.size])),
        layers: platform.layers.map(layer => ({ createdBy: layer.createdBy, size: layer.size })),
        ...(packages ? { packages } : {})
      }
    })
  }
}

async function imageSide(source: BlobSource, label: string, store: LayerStore): Promise<Side> {
  const image = await resolveForMeasuring(source, store)
  const files = new Map<string, Map<string, number>>()
  const measured = await measureImage(source, image, {
    store,
    topCount: 0,
    visitFiles: platform => {
      const map = new Map<string, number>()
      files.set(platform.manifest.digest, map)
      return (filePath, size) => {
        if (!filePath.endsWith('/')) map.set(`/${filePath}`, size)
      }
    }
  })
  return {
    label,
    everyFile: true,
    platforms: measured.map(platform => ({
      platform: platform.platform,
      size: platform.size,
      compressedSize: platform.compressedSize,
      layerCount: platform.layerCount,
      files: files.get(platform.digest) ?? new Map(),
      layers: platform.layers.map(layer => ({ createdBy: layer.createdBy, size: layer.size }))
    }))
  }
}

/** One side: what `value` names. */
async function openSide(value: string, name: string | undefined, deps: CompareDeps, workDir: string, store: LayerStore): Promise<Side> {
  const file = path.resolve(deps.cwd, value)
  const info = await stat(file).catch(() => undefined)
  if (info?.isFile() && value.endsWith('.json')) return reportSide(file, value, name)
  if (info?.isDirectory()) {
    if (!(await stat(path.join(file, 'index.json')).catch(() => undefined))) throw new InputError(`compare: ${value} is a folder without index.json, not an OCI layout`)
    return imageSide(new OciDirectorySource(file), `OCI layout ${value}`, store)
  }
  if (info?.isFile() && value.endsWith('.tar')) return imageSide(new OciTarSource(file), `image archive ${value}`, store)
  if (info?.isFile()) throw new InputError(`compare: ${value} is neither a report (*.json) nor an image archive (*.tar)`)
  // Named like a file: a missing one is a typo, not an image to look for in a registry.
  if (!info && /\.(?:json|tar)$/.test(value)) throw new InputError(`compare: ${value} does not exist`)
  let opened
  try {
    opened = await openImageInput(value, { exec: deps.exec, workDir, env: deps.env, fetch: deps.fetch })
  } catch (error) {
    // A side of compare, not the action's input "image".
    if (error instanceof ImageNotFoundError) throw new InputError(`compare: ${error.message.replace(/^Input "image": /, '')}`)
    throw error
  }
  return imageSide(opened.source, `image ${value} (${opened.origin === 'engine' ? 'local engine' : 'registry'})`, store)
}

export function parseCompareArgs(argv: string[]): { before: string; after: string; platform?: string; name?: string; top: number } {
  let parsed
  try {
    parsed = parseArgs({ args: argv, options: { platform: { type: 'string' }, name: { type: 'string' }, top: { type: 'string' } }, allowPositionals: true, strict: true })
  } catch (error) {
    throw new InputError(`${(error as Error).message}\n\n${COMPARE_USAGE}`)
  }
  if (parsed.positionals.length !== 2) throw new InputError(`compare takes two images or reports, got ${parsed.positionals.length}\n\n${COMPARE_USAGE}`)
  let top = DEFAULT_TOP
  if (parsed.values.top !== undefined) {
    try {
      top = parseCount(parsed.values.top)
    } catch (error) {
      if (error instanceof SizeError) throw new InputError(`compare: --top ${error.message}`)
      throw error
    }
  }
  const [before, after] = parsed.positionals
  return { before, after, top, ...(parsed.values.platform !== undefined ? { platform: parsed.values.platform } : {}), ...(parsed.values.name !== undefined ? { name: parsed.values.name } : {}) }
}

/** Opens and compares both sides. */
export async function compareInputs(argv: string[], deps: CompareDeps): Promise<{ comparison: Comparison; top: number }> {
  const args = parseCompareArgs(argv)
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'image-budget-compare-'))
  // Removed on SIGINT and SIGTERM too (handleSignals).
  workFolders.add(workDir)
  try {
    const store = new LayerStore(deps.layerCacheDir ?? localLayerCacheDir(deps.env))
    const before = await openSide(args.before, args.name, deps, workDir, store)
    const after = await openSide(args.after, args.name, deps, workDir, store)
    const comparison = compareSides(before, after, args.platform)
    if (comparison.platforms.length === 0) {
      throw new InputError(`compare: no platform to compare${args.platform ? ` named ${args.platform}` : ''}: ${before.label} has ${before.platforms.map(each => each.platform).join(', ') || 'none'}, ${after.label} has ${after.platforms.map(each => each.platform).join(', ') || 'none'}`)
    }
    return { comparison, top: args.top }
  } finally {
    await rm(workDir, { recursive: true, force: true })
    workFolders.delete(workDir)
  }
}

const change = (before: number, after: number): string => {
  const bytes = after - before
  const share = before === 0 ? '' : ` (${bytes >= 0 ? '+' : '-'}${Math.abs((bytes / before) * 100).toFixed(1)}%)`
  return `${formatSize(before)} → ${formatSize(after)}, ${bytes === 0 ? '±0' : `${bytes > 0 ? '+' : '-'}${formatSize(Math.abs(bytes))}`}${share}`
}

export function renderComparison(comparison: Comparison, top: number): string {
  const parts = [`${comparison.before.label}\n→ ${comparison.after.label}`]
  if (!comparison.before.everyFile || !comparison.after.everyFile) {
    parts.push('A report keeps only the largest files of its image: files under that list on either side are not seen. Compare the images themselves for every file.')
  }
  for (const platform of comparison.platforms) {
    const { before, after } = platform
    const lines = [
      `${platform.platform}:`,
      `  size        ${change(before.size, after.size)}`,
      `  compressed  ${change(before.compressedSize, after.compressedSize)}`,
      `  layers      ${before.layerCount} → ${after.layerCount}`
    ]
    parts.push(lines.join('\n'))
    parts.push(`Files of ${platform.platform}: ${countLine(platform.files)}${platform.files.length > 0 ? `\n${textTable(changeTable(platform.files, 'File', top))}` : ''}`)
    parts.push(`Layers of ${platform.platform}: ${countLine(platform.layers)}${platform.layers.length > 0 ? `\n${textTable(changeTable(platform.layers, 'Instruction', top))}` : ''}`)
    if (platform.packages) parts.push(`Packages of ${platform.platform}: ${countLine(platform.packages)}${platform.packages.length > 0 ? `\n${textTable(changeTable(platform.packages, 'Package', top))}` : ''}`)
  }
  if (comparison.onlyBefore.length > 0) parts.push(`Only in ${comparison.before.label}: ${comparison.onlyBefore.join(', ')}`)
  if (comparison.onlyAfter.length > 0) parts.push(`Only in ${comparison.after.label}: ${comparison.onlyAfter.join(', ')}`)
  return `${parts.join('\n\n')}\n`
}
