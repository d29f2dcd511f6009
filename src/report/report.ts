import { REPORT_SCHEMA_VERSION } from '../constants.js'
import type { BudgetResult, Verdict } from '../budget/evaluate.js'
import type { PlatformMeasurement } from '../image/measure.js'

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
  /** Why the run stopped early; what was measured before that is still here. */
  error?: string
}

export interface BuildSummary {
  seconds: number
  steps: number
  cachedSteps: number
}

export interface LayerReport {
  digest: string
  size: number
  compressedSize: number
  createdBy: string
}

export interface PlatformReport {
  platform: string
  digest: string
  size: number
  compressedSize: number
  layerCount: number
  layers: LayerReport[]
}

export function platformReport(measurement: PlatformMeasurement): PlatformReport {
  return {
    platform: measurement.platform,
    digest: measurement.digest,
    size: measurement.size,
    compressedSize: measurement.compressedSize,
    layerCount: measurement.layerCount,
    layers: measurement.layers.map(layer => ({
      digest: layer.digest,
      size: layer.size,
      compressedSize: layer.compressedSize,
      createdBy: layer.createdBy
    }))
  }
}

export function emptyReport(name: string): Report {
  return { schemaVersion: REPORT_SCHEMA_VERSION, name, verdict: 'pass', platforms: [], budgets: [] }
}

/** The platform with the most bytes: the `size` and `compressed-size` outputs speak of it. */
export function largestPlatform(report: Report): PlatformReport | undefined {
  return report.platforms.reduce<PlatformReport | undefined>(
    (best, platform) => (best === undefined || platform.size > best.size ? platform : best),
    undefined
  )
}
