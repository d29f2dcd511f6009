// An image's history: one point per run on the default branch (per platform its size, compressed
// size, layers and vulnerabilities, with the commit and the date), the last MAX_HISTORY_POINTS of
// them. It is read back from a branch anyone with push access can write to: every field is
// checked, counts and lengths are capped, and whatever does not fit is refused with where it is.
import { MAX_HISTORY_PLATFORMS, MAX_HISTORY_POINTS } from '../constants.js'
import { slugOf } from '../names.js'
import type { Report } from '../report/report.js'
import { SEVERITIES, type SeverityCounts } from '../scan/trivy-report.js'
import { shownValue } from '../shown.js'
import { HISTORY_SCHEMA_VERSION, type History, type HistoryPlatform, type HistoryPoint } from './types.js'

export { HISTORY_SCHEMA_VERSION, type History, type HistoryPlatform, type HistoryPoint } from './types.js'

/** The most bytes a history file may have: 100 points of 32 platforms fit with room to spare. */
export const MAX_HISTORY_BYTES = 4 * 1024 * 1024
const MAX_NAME_LENGTH = 256
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/
const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/
/** As a report's createdAt is written: a day, a time and its zone (Date.parse alone takes "2026" or "March 1"). */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/

export class HistoryFormatError extends Error {}

/** The file of an image's history on the history branch: one per image, at the branch's root. */
export function historyFile(name: string): string {
  return `${slugOf(name)}.json`
}

export function emptyHistory(name: string): History {
  return { schemaVersion: HISTORY_SCHEMA_VERSION, name, points: [] }
}

/** The point a run's report makes; undefined when it measured nothing or knows no commit. */
export function pointOf(report: Pick<Report, 'platforms' | 'commit' | 'createdAt'>): HistoryPoint | undefined {
  // A point its readers would refuse would make the whole file unreadable, and so never written again.
  if (report.platforms.length === 0 || report.platforms.length > MAX_HISTORY_PLATFORMS) return undefined
  if (!report.commit || !SHA.test(report.commit) || !report.createdAt || !ISO_DATE.test(report.createdAt)) return undefined
  return {
    commit: report.commit,
    date: report.createdAt,
    platforms: report.platforms.map(platform => ({
      platform: platform.platform,
      size: platform.size,
      compressedSize: platform.compressedSize,
      layers: platform.layerCount,
      ...(platform.vulnerabilities ? { vulnerabilities: { ...platform.vulnerabilities } } : {})
    }))
  }
}

/**
 * The history with the point last; the oldest go past the cap. A run again for a commit already
 * there replaces its figures in place and keeps its date: the date says when the commit was
 * measured on the branch, and a day reference pinned to it must still name it.
 */
export function appendPoint(history: History, point: HistoryPoint, cap = MAX_HISTORY_POINTS): History {
  const index = history.points.findIndex(existing => existing.commit === point.commit)
  if (index >= 0) return { ...history, points: history.points.map((existing, at) => (at === index ? { ...point, date: existing.date } : existing)) }
  const points = [...history.points, point]
  return { ...history, points: points.slice(Math.max(0, points.length - cap)) }
}

/**
 * One point a line: compact, so that 100 points of many platforms stay under the 1 MB the contents
 * API sends in its answer, and each run's commit on the branch is a one-line diff.
 */
export function serializeHistory(history: History): string {
  const points = history.points.map(point => JSON.stringify(point)).join(',\n')
  return `{"schemaVersion":${history.schemaVersion},"name":${JSON.stringify(history.name)},"points":[${points === '' ? '' : `\n${points}\n`}]}\n`
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

function refuse(what: string, at: string, value: unknown, expected: string): never {
  throw new HistoryFormatError(`${what}: ${at} is ${shownValue(value)}, not ${expected}`)
}

/**
 * Reads a history file's text, as `what` (for messages). Points beyond the cap are dropped, oldest
 * first; anything else that is not as written here is refused.
 */
export function parseHistory(text: string, what: string): History {
  if (text.length > MAX_HISTORY_BYTES || Buffer.byteLength(text) > MAX_HISTORY_BYTES) {
    throw new HistoryFormatError(`${what} is larger than ${MAX_HISTORY_BYTES} bytes, the most a history may have`)
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new HistoryFormatError(`${what} is not JSON (${(error as Error).message})`)
  }
  if (!isRecord(value)) return refuse(what, 'the history', value, 'an object')
  if (value.schemaVersion !== HISTORY_SCHEMA_VERSION) refuse(what, 'schemaVersion', value.schemaVersion, String(HISTORY_SCHEMA_VERSION))
  const name = checkName(value.name, 'name', what)
  if (!Array.isArray(value.points)) return refuse(what, 'points', value.points, 'a list')
  // A list far longer than any writer makes is not walked at all.
  if (value.points.length > MAX_HISTORY_POINTS * 10) refuse(what, 'points', `${value.points.length} entries`, `at most ${MAX_HISTORY_POINTS * 10} (the last ${MAX_HISTORY_POINTS} of them are kept)`)
  const kept = value.points.slice(Math.max(0, value.points.length - MAX_HISTORY_POINTS))
  const offset = value.points.length - kept.length
  const points = kept.map((point, index) => checkPoint(point, `points[${index + offset}]`, what))
  // A writer keeps one point per commit: a second one (planted, or of an older writer) would make "the point of a commit" ambiguous.
  const seen = new Set<string>()
  points.forEach((point, index) => {
    if (seen.has(point.commit)) refuse(what, `points[${index + offset}].commit`, point.commit, 'a commit no other point has')
    seen.add(point.commit)
  })
  return { schemaVersion: HISTORY_SCHEMA_VERSION, name, points }
}

function checkName(value: unknown, at: string, what: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_NAME_LENGTH || CONTROL.test(value)) {
    return refuse(what, at, value, `a name (1 to ${MAX_NAME_LENGTH} characters, no control characters)`)
  }
  return value
}

function count(value: unknown, at: string, what: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) return refuse(what, at, value, 'a whole, non-negative number')
  return value as number
}

function checkPoint(value: unknown, at: string, what: string): HistoryPoint {
  if (!isRecord(value)) return refuse(what, at, value, 'an object')
  if (typeof value.commit !== 'string' || !SHA.test(value.commit)) refuse(what, `${at}.commit`, value.commit, 'a commit SHA')
  if (typeof value.date !== 'string' || !ISO_DATE.test(value.date) || Number.isNaN(Date.parse(value.date))) refuse(what, `${at}.date`, value.date, 'an ISO 8601 date')
  if (!Array.isArray(value.platforms)) return refuse(what, `${at}.platforms`, value.platforms, 'a list')
  if (value.platforms.length === 0 || value.platforms.length > MAX_HISTORY_PLATFORMS) {
    refuse(what, `${at}.platforms`, `${value.platforms.length} entries`, `1 to ${MAX_HISTORY_PLATFORMS} platforms`)
  }
  const names = new Set<string>()
  const platforms = value.platforms.map((item: unknown, index: number): HistoryPlatform => {
    const where = `${at}.platforms[${index}]`
    if (!isRecord(item)) return refuse(what, where, item, 'an object')
    const name = checkName(item.platform, `${where}.platform`, what)
    if (names.has(name)) refuse(what, `${where}.platform`, name, 'a platform no other of the point has')
    names.add(name)
    const platform: HistoryPlatform = {
      platform: name,
      size: count(item.size, `${where}.size`, what),
      compressedSize: count(item.compressedSize, `${where}.compressedSize`, what),
      layers: count(item.layers, `${where}.layers`, what)
    }
    if (item.vulnerabilities !== undefined) {
      const counts = item.vulnerabilities
      if (!isRecord(counts)) return refuse(what, `${where}.vulnerabilities`, counts, 'counts by severity')
      platform.vulnerabilities = Object.fromEntries(SEVERITIES.map(severity => [severity, count(counts[severity], `${where}.vulnerabilities.${severity}`, what)])) as SeverityCounts
    }
    return platform
  })
  return { commit: value.commit as string, date: new Date(value.date as string).toISOString(), platforms }
}

/** The platform of a point that speaks for the image: the one named, else the largest. */
export function platformOf(point: HistoryPoint, platform?: string): HistoryPlatform | undefined {
  if (platform !== undefined) return point.platforms.find(candidate => candidate.platform === platform)
  return point.platforms.reduce<HistoryPlatform | undefined>((best, candidate) => (best === undefined || candidate.size > best.size ? candidate : best), undefined)
}
