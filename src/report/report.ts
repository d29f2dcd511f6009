import { REPORT_SCHEMA_VERSION } from '../constants.js'
import type { BudgetResult, Verdict } from '../budget/evaluate.js'
import { BASE_IMAGE, type LayerOrigin } from '../analysis/attribution.js'
import type { Smell } from '../analysis/smells.js'
import type { PlatformMeasurement } from '../image/measure.js'
import type { HistorySummary, PlatformDrift } from '../history/types.js'
import type { Ecosystem, PackageMeasurement, UnpackagedBytes } from '../image/package-usage.js'
import type { Severity, SeverityCounts, Vulnerability } from '../scan/trivy-report.js'

/** The JSON report, schema version 1: the contract other tools read. Fields are only ever added. */
export interface Report {
  schemaVersion: typeof REPORT_SCHEMA_VERSION
  name: string
  verdict: Verdict
  /** The image's digest: its index, or its manifest for a single platform. */
  digest?: string
  platforms: PlatformReport[]
  budgets: BudgetResult[]
  /** Absent when an existing image was measured. */
  build?: BuildSummary
  /** Dockerfile and image smells, each with its rule, level and Dockerfile line. */
  smells: Smell[]
  /** How the final image was scanned; absent with scan: false. */
  scan?: ScanSummary
  /** When the report was made (ISO 8601), and for which commit: what a later baseline says. */
  createdAt?: string
  commit?: string
  /** What the image was compared with; absent without a baseline. */
  baseline?: BaselineSummary
  /** The pull request the run was for: lets a workflow_run job comment from the report artifact. */
  pullRequest?: { number: number; head: string }
  /** With the `call` input: the build was evaluated (checks, outline), not exported, so nothing was measured. */
  call?: { method: string; checks: Array<{ rule: string; description: string; detail: string; url: string; line?: number }> }
  /** With `history: branch`: the image's history as read before this run (this run is the point after its last). */
  history?: HistorySummary
  /** Budgets and inputs that could not apply to this run, and why. */
  notices?: string[]
  /** Why the run stopped early; what was measured before that is still here. */
  error?: string
}

export interface BuildSummary {
  seconds: number
  steps: number
  cachedSteps: number
  /** Whether the build used the GitHub Actions cache (type=gha), or why not; absent when it was not asked for. */
  actionsCache?: { used: boolean; reason?: string }
}

/** Where bytes came from: a layer, and the Dockerfile instruction and stage that made it. */
export interface Source {
  layer: string
  instruction?: string
  line?: number
  stage?: string
}

export interface LayerReport {
  digest: string
  /** The digest of the uncompressed layer tar (what Trivy and `docker inspect` call the DiffID). */
  diffId?: string
  size: number
  compressedSize: number
  createdBy: string
  /** The Dockerfile instruction that made the layer, its line and stage (`base image` for the base's layers). */
  instruction?: string
  line?: number
  stage?: string
}

export interface StageBytes {
  stage: string
  bytes: number
  layers: number
}

export interface CopyBytes {
  /** The stage named by `COPY --from`. */
  from: string
  bytes: number
  instruction: string
  line: number
}

export interface FileReport extends Source {
  path: string
  size: number
}

export interface DirectoryReport extends Source {
  path: string
  size: number
  files: number
}

/** One package of the final filesystem, with the layer (and Dockerfile line) that installed it. */
export interface PackageReport extends Source, Omit<PackageMeasurement, 'layer'> {}

export interface WasteReport {
  path: string
  size: number
  writtenBy: Source
  hiddenBy: Source
}

export interface PlatformReport {
  platform: string
  digest: string
  size: number
  compressedSize: number
  layerCount: number
  layers: LayerReport[]
  /** Bytes of file versions not visible in the final filesystem: overwritten, deleted or hidden by an opaque directory. */
  wastedBytes: number
  /** (size - wastedBytes) / size; 1 for an empty image. */
  efficiency: number
  /** Bytes of the layers that came with the base image (known when the Dockerfile is). */
  baseSize?: number
  /** Bytes per Dockerfile stage, the base image as `base image`. */
  stages?: StageBytes[]
  /** Bytes each `COPY --from=<stage>` brought into the image. */
  copies?: CopyBytes[]
  topFiles: FileReport[]
  topDirectories: DirectoryReport[]
  topWaste: WasteReport[]
  /** Vulnerability counts by severity of the final image, present once it was scanned. */
  vulnerabilities?: SeverityCounts
  /** Of those, the ones with a fix. */
  fixable?: SeverityCounts
  /** Every counted finding, worst first, with the layer (and Dockerfile line) that brought it. */
  findings?: FindingReport[]
  /** The change against the baseline's same platform. */
  delta?: PlatformDelta
  /** With `max-drift`: the growth since its pinned reference. */
  drift?: PlatformDrift
  /** The final filesystem's bytes by package, largest first. */
  packages?: PackageReport[]
  /** Bytes that no package owns, by top folder. */
  unpackaged?: UnpackagedBytes[]
  /** Package databases not read, or read in part, and why. */
  packageNotes?: string[]
}

export interface FindingReport extends Vulnerability {
  /** The layer that brought the package, with its Dockerfile instruction when known. */
  layer?: Source
}

/** The scan: Trivy's version and what was suppressed, for the reader of the report. */
export interface BaselineSummary {
  source: 'cache' | 'file' | 'image' | 'build'
  /** With `build`, the commit built. */
  reference: string
  /** With `build`, the digest of the image built from it (not pushed, not loaded). */
  digest?: string
  createdAt?: string
  /** Figures the baseline cannot give (a registry image gives no file bytes, waste or vulnerabilities). */
  unavailable: string[]
}

export interface ScanSummary {
  /** `trivy <version>`, or the path of the report given with trivy-report. */
  source: string
  severities: Severity[]
  ignoreUnfixed: boolean
  /** Findings suppressed by live ignore rules, per platform summed. */
  ignored: number
  /** Ignore rules whose date has passed: they suppress nothing any more. */
  expiredIgnores: string[]
  /** Why there are no vulnerability counts, when the scan could not run and scan-failure is warning. */
  error?: string
}

function sourceOf(measurement: PlatformMeasurement, origins: Array<LayerOrigin | undefined> | undefined, layerIndex: number): Source {
  const origin = origins?.[layerIndex]
  return {
    layer: measurement.layers[layerIndex].digest,
    ...(origin?.instruction ? { instruction: origin.instruction.text, line: origin.instruction.line } : {}),
    ...(origin ? { stage: origin.stage } : {})
  }
}

/** Packages kept in a platform's report, largest first: far above any image's, and a bound on the report. */
export const MAX_REPORTED_PACKAGES = 20_000

/** A platform's entry of the report; `origins` (from the Dockerfile) adds instructions, lines and stages. */
export function platformReport(measurement: PlatformMeasurement, origins?: Array<LayerOrigin | undefined>): PlatformReport {
  const known = origins !== undefined && origins.every(origin => origin !== undefined)
  const layers: LayerReport[] = measurement.layers.map((layer, index) => {
    const origin = origins?.[index]
    return {
      digest: layer.digest,
      ...(layer.diffId ? { diffId: layer.diffId } : {}),
      size: layer.size,
      compressedSize: layer.compressedSize,
      createdBy: layer.createdBy,
      ...(origin?.instruction ? { instruction: origin.instruction.text, line: origin.instruction.line } : {}),
      ...(origin ? { stage: origin.stage } : {})
    }
  })
  const report: PlatformReport = {
    platform: measurement.platform,
    digest: measurement.digest,
    size: measurement.size,
    compressedSize: measurement.compressedSize,
    layerCount: measurement.layerCount,
    layers,
    wastedBytes: measurement.wastedBytes,
    efficiency: measurement.efficiency,
    topFiles: measurement.topFiles.map(file => ({ path: `/${file.path}`, size: file.size, ...sourceOf(measurement, origins, file.layer) })),
    topDirectories: measurement.topDirectories.map(directory => ({
      path: `/${directory.path}`,
      size: directory.size,
      files: directory.files,
      ...sourceOf(measurement, origins, directory.layer)
    })),
    topWaste: measurement.topWaste.map(waste => ({
      path: `/${waste.path}`,
      size: waste.size,
      writtenBy: sourceOf(measurement, origins, waste.writtenBy),
      hiddenBy: sourceOf(measurement, origins, waste.hiddenBy)
    })),
    packages: measurement.packages.slice(0, MAX_REPORTED_PACKAGES).map(item => ({
      ecosystem: item.ecosystem,
      name: item.name,
      version: item.version,
      bytes: item.bytes,
      files: item.files,
      ...(item.dev !== undefined ? { dev: item.dev } : {}),
      ...(item.path !== undefined ? { path: `/${item.path}` } : {}),
      ...sourceOf(measurement, origins, item.layer)
    })),
    unpackaged: measurement.unpackaged.map(group => ({ ...group, directory: group.directory === '/' ? '/' : `/${group.directory}` })),
    ...(measurement.packageNotes.length > 0 ? { packageNotes: measurement.packageNotes } : {})
  }
  if (known) {
    const stages = new Map<string, StageBytes>()
    const copies: CopyBytes[] = []
    measurement.layers.forEach((layer, index) => {
      const origin = origins[index]!
      const stage = stages.get(origin.stage) ?? { stage: origin.stage, bytes: 0, layers: 0 }
      stage.bytes += layer.size
      stage.layers++
      stages.set(origin.stage, stage)
      if (origin.copiedFrom && origin.instruction) {
        copies.push({ from: origin.copiedFrom, bytes: layer.size, instruction: origin.instruction.text, line: origin.instruction.line })
      }
    })
    report.baseSize = stages.get(BASE_IMAGE)?.bytes ?? 0
    report.stages = [...stages.values()]
    report.copies = copies
  }
  return report
}

export function emptyReport(name: string): Report {
  return { schemaVersion: REPORT_SCHEMA_VERSION, name, verdict: 'pass', platforms: [], budgets: [], smells: [] }
}

/** The platform with the most bytes: the `size` and `compressed-size` outputs speak of it. */
export function largestPlatform(report: Pick<Report, 'platforms'>): PlatformReport | undefined {
  return report.platforms.reduce<PlatformReport | undefined>(
    (best, platform) => (best === undefined || platform.size > best.size ? platform : best),
    undefined
  )
}

export interface ChangedPart {
  /** A stage, or a Dockerfile instruction. */
  name: string
  line?: number
  bytes: number
}

/** The change of one platform against the baseline; null where the baseline cannot say. */
export interface PlatformDelta {
  size: number | null
  sizeRatio: number | null
  compressedSize: number
  compressedSizeRatio: number | null
  layerCount: number
  wastedBytes: number | null
  vulnerabilities: SeverityCounts | null
  /** Bytes per stage that grew or shrank, largest change first. */
  stages: ChangedPart[]
  /** Dockerfile instructions whose layers grew or shrank most. */
  instructions: ChangedPart[]
  /** Packages added, removed, or whose bytes changed most; absent when the baseline has no packages. */
  packages?: PackageChange[]
}

export interface PackageChange {
  ecosystem: Ecosystem
  name: string
  /** The change of its bytes. */
  bytes: number
  change: 'added' | 'removed' | 'changed'
  version?: string
  baseVersion?: string
}
