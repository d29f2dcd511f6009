import { lstat, readdir } from 'node:fs/promises'
import * as path from 'node:path'
import { formatSize } from '../config/size.js'
import { finalStage, stageChain, type Dockerfile } from '../dockerfile/dockerfile.js'
import type { BlobSource } from '../image/blobs.js'
import type { LayerStore } from '../image/layer-store.js'
import { measureImage, type ResolvedImage } from '../image/measure.js'
import type { Descriptor } from '../image/types.js'
import { platformReport, type PlatformReport } from '../report/report.js'
import { attributeLayers, BASE_IMAGE, type LayerOrigin } from './attribution.js'
import { applyLevels, devDependencyFindings, dockerfileFindings, FilesystemSmells, hiddenVersionFindings, type Finding, type Smell, type SmellSettings } from './smells.js'

/** A build context at least this large with no .dockerignore is a smell. */
export const LARGE_CONTEXT_BYTES = 10_000_000

export interface AnalysisInput {
  source: BlobSource
  image: ResolvedImage
  store: LayerStore
  /** The Dockerfile that built the image, when there is one: it gives instructions, lines and stages. */
  dockerfile?: Dockerfile
  target: string
  /** The local build context, for the .dockerignore check. */
  contextDir?: string
  settings: SmellSettings
  onLayer?: (platform: string, index: number, layer: Descriptor) => void
  /** Each platform's report as soon as it is measured. */
  onPlatform: (report: PlatformReport) => void
}

/** Sums file sizes below a folder, stopping as soon as the sum reaches `limit`. */
async function folderBytesUpTo(dir: string, limit: number): Promise<number> {
  let total = 0
  const pending = [dir]
  while (pending.length > 0 && total < limit) {
    const current = pending.pop()!
    for (const entry of await readdir(current, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(current, entry.name)
      if (entry.isDirectory()) pending.push(full)
      else if (entry.isFile()) total += (await lstat(full)).size
      if (total >= limit) break
    }
  }
  return total
}

async function contextFinding(dockerfile: Dockerfile, contextDir: string): Promise<Finding | undefined> {
  const ignoreFiles = [path.join(contextDir, '.dockerignore'), `${path.resolve(dockerfile.path)}.dockerignore`]
  for (const file of ignoreFiles) {
    if (await lstat(file).then(() => true, () => false)) return undefined
  }
  const bytes = await folderBytesUpTo(contextDir, LARGE_CONTEXT_BYTES)
  if (bytes < LARGE_CONTEXT_BYTES) return undefined
  const copy = dockerfile.stages
    .flatMap(stage => stage.instructions)
    .find(instruction => (instruction.keyword === 'COPY' || instruction.keyword === 'ADD') && instruction.flags.from === undefined)
  return {
    rule: 'no-dockerignore',
    message: `the build context has at least ${formatSize(bytes)} and no .dockerignore: all of it is sent to the builder and can end up in the image`,
    file: dockerfile.path,
    line: copy?.line ?? 1
  }
}

/** Measures every platform with its attribution, and finds the smells of the Dockerfile and the image. */
export async function analyzeImage(input: AnalysisInput): Promise<Smell[]> {
  const { dockerfile, target } = input
  const findings: Array<Finding & { platform?: string }> = []
  const originsOf = new Map<string, Array<LayerOrigin | undefined>>()
  for (const platform of input.image.platforms) {
    if (dockerfile) originsOf.set(platform.manifest.digest, attributeLayers(dockerfile, target, platform.history, platform.layers.length))
  }
  // A layer that came with the base image is placed on the FROM line of the stage chain's root.
  const baseLine = dockerfile ? stageChain(dockerfile, finalStage(dockerfile, target))[0].line : undefined
  const lineOf = (origins: Array<LayerOrigin | undefined> | undefined, layer: number): number | undefined =>
    origins?.[layer]?.instruction?.line ?? (origins?.[layer] ? baseLine : undefined)
  const file = dockerfile?.path
  const ignored = new FilesystemSmells(input.settings.ignore)

  // Filesystem smells of each platform, fed by the measurement's walk of its final filesystem.
  const filesystemSmells = new Map<string, FilesystemSmells>()
  await measureImage(input.source, input.image, {
    store: input.store,
    onLayer: input.onLayer,
    visitFiles: platform => {
      const smells = new FilesystemSmells(input.settings.ignore)
      filesystemSmells.set(platform.manifest.digest, smells)
      return (filePath, size, layer, owner) => smells.visit(filePath, size, layer, owner)
    },
    onPlatform: measurement => {
      const origins = originsOf.get(measurement.digest)
      const ownerOf = (owner: number) => measurement.packageOwners[owner]
      const fromBase = (layer: number): boolean => origins?.[layer]?.stage === BASE_IMAGE
      const platformFindings = [
        ...(filesystemSmells.get(measurement.digest)?.finish(formatSize, ownerOf, fromBase) ?? []),
        ...devDependencyFindings(measurement.packages.filter(item => item.path === undefined || !ignored.ignores(item.path)), formatSize),
        ...hiddenVersionFindings(measurement.wasteByLayers, layer => lineOf(origins, layer), fromBase, formatSize)
      ]
      for (const { layer, ...finding } of platformFindings) {
        findings.push({ ...finding, file, line: lineOf(origins, layer), platform: measurement.platform })
      }
      for (const secret of measurement.secrets) {
        if (ignored.ignores(secret.path)) continue
        findings.push({
          rule: 'secret-file',
          message: `/${secret.path} holds ${secret.what}: anyone who pulls the image can read it`,
          file,
          line: lineOf(origins, secret.layer),
          platform: measurement.platform
        })
      }
      input.onPlatform(platformReport(measurement, origins))
    }
  })

  if (dockerfile) {
    findings.push(...dockerfileFindings(dockerfile, target, input.image.platforms[0]?.user))
    if (input.contextDir) {
      const context = await contextFinding(dockerfile, input.contextDir)
      if (context) findings.push(context)
    }
  }
  return applyLevels(findings, input.settings)
}
