// The history's shapes, shared by the report (which carries the points it was judged with) and the
// history's readers and writers: a leaf, importing nothing of the pipeline.
import type { SeverityCounts } from '../scan/trivy-report.js'

export interface HistoryPlatform {
  platform: string
  size: number
  compressedSize: number
  layers: number
  /** Absent when the run was not scanned. */
  vulnerabilities?: SeverityCounts
}

export interface HistoryPoint {
  commit: string
  /** When the run's report was made (ISO 8601). */
  date: string
  platforms: HistoryPlatform[]
}

export const HISTORY_SCHEMA_VERSION = 1

/** The file kept per image on the history branch. */
export interface History {
  schemaVersion: typeof HISTORY_SCHEMA_VERSION
  name: string
  /** Oldest first. */
  points: HistoryPoint[]
}

/** What the report says of the history it was read with. */
export interface HistorySummary {
  /** The branch the history is kept on. */
  branch: string
  /** The points read, oldest first (this run is not among them). */
  points: HistoryPoint[]
  /** Why the history could not be read, when it could not. */
  error?: string
}

/** A platform's growth since the reference `max-drift` is pinned to. */
export interface PlatformDrift {
  /** The reference as written: a commit, a date or a size. */
  from: string
  /** The reference's size, and the point of the history it comes from (none for a size). */
  referenceSize?: number
  commit?: string
  date?: string
  /** Growth since the reference, in bytes and as a share of it. */
  size?: number
  sizeRatio?: number | null
  /** Why there is no reference: the budget then fails (warns at level warning) rather than passing unchecked. */
  unresolved?: string
}
