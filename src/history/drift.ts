// `max-drift`: growth since a pinned reference, which catches creep that no per-PR limit sees (many
// pull requests each under max-size-increase). The reference is a commit of the history, a day of
// it, or a size written down. A reference the history does not have is said, and fails the budget.
import { formatSize, parseSize, SizeError } from '../config/size.js'
import type { History, HistoryPoint, PlatformDrift } from './types.js'

export type DriftFrom =
  | { kind: 'commit'; text: string; prefix: string }
  | { kind: 'date'; text: string; /** The end of that day, UTC, in ms. */ until: number }
  | { kind: 'size'; text: string; bytes: number }

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const COMMIT = /^[0-9a-f]{7,64}$/i
const DAY_MS = 24 * 3600 * 1000

/**
 * Reads a reference: `YYYY-MM-DD` (the image as the last point made on or before that day, UTC,
 * left it), a commit (7 to 64 hexadecimal digits: the point of that commit), or a size with its
 * unit (`140MB`, `157286400B`). Throws a SizeError saying what it takes.
 */
export function parseDriftFrom(value: string | number): DriftFrom {
  const text = String(value).trim()
  const date = DATE.exec(text)
  if (date) {
    const start = Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]))
    if (new Date(start).toISOString().slice(0, 10) !== text) throw new SizeError(`"${text}" is not a day of the calendar (YYYY-MM-DD)`)
    return { kind: 'date', text, until: start + DAY_MS - 1 }
  }
  if (COMMIT.test(text)) return { kind: 'commit', text, prefix: text.toLowerCase() }
  if (/^\d+(\.\d+)?$/.test(text)) throw new SizeError(`"${text}" is neither a commit (7 hexadecimal digits or more), a day (YYYY-MM-DD) nor a size with its unit (140MB, 157286400B)`)
  try {
    return { kind: 'size', text, bytes: parseSize(text) }
  } catch {
    throw new SizeError(`"${text}" is neither a commit (7 hexadecimal digits or more), a day (YYYY-MM-DD) nor a size (140MB, 157286400B)`)
  }
}

/** Whether only the history can say what the reference was. */
export const needsHistory = (from: DriftFrom): boolean => from.kind !== 'size'

const span = (history: History): string => {
  const [first] = history.points
  const last = history.points.at(-1)
  return first && last ? `its ${history.points.length} points go from ${first.commit.slice(0, 12)} (${first.date.slice(0, 10)}) to ${last.commit.slice(0, 12)} (${last.date.slice(0, 10)})` : 'it has no point yet'
}

/** The point a commit or date reference names; a reason when there is none. `now` tells a day gone by from a day to come. */
export function referencePoint(from: DriftFrom, history: History | undefined, problem?: string, now = Date.now()): { point: HistoryPoint } | { unresolved: string } {
  if (from.kind === 'size') throw new Error('a size reference names no point')
  // Until a day has begun, its last point is whichever push came last: the reference would move with each.
  if (from.kind === 'date' && from.until + 1 - DAY_MS > now) {
    return { unresolved: `${from.text} is a day to come (it is ${new Date(now).toISOString().slice(0, 10)} UTC): until it has passed, the reference would move with every push; pin a day gone by, a commit or a size` }
  }
  if (!history) return { unresolved: `the history could not be read${problem ? ` (${problem})` : ''}, so ${from.text} is not known` }
  if (from.kind === 'commit') {
    const matches = history.points.filter(point => point.commit.startsWith(from.prefix))
    const commits = new Set(matches.map(point => point.commit))
    if (commits.size > 1) return { unresolved: `${from.text} is the start of ${commits.size} commits of the history: give more digits` }
    if (matches.length === 0) return { unresolved: `the history has no point of commit ${from.text} (${span(history)}): pin a size instead (drift-from: 140MB)` }
    return { point: matches[0] }
  }
  // By date, not by place in the file: jobs that finish out of order write their points out of order.
  const latest = history.points.reduce<HistoryPoint | undefined>((best, point) => {
    const date = Date.parse(point.date)
    return date <= from.until && (best === undefined || date >= Date.parse(best.date)) ? point : best
  }, undefined)
  if (!latest) return { unresolved: `the history has no point on or before ${from.text} (${span(history)}): pin a later day, a commit or a size` }
  return { point: latest }
}

/** Each platform's drift since the reference. */
export function platformDrifts(platforms: ReadonlyArray<{ platform: string; size: number }>, from: DriftFrom, history: History | undefined, problem?: string, now = Date.now()): PlatformDrift[] {
  const growth = (size: number, reference: number) => ({ referenceSize: reference, size: size - reference, sizeRatio: reference === 0 ? null : (size - reference) / reference })
  if (from.kind === 'size') return platforms.map(platform => ({ from: from.text, ...growth(platform.size, from.bytes) }))
  const found = referencePoint(from, history, problem, now)
  return platforms.map(platform => {
    if ('unresolved' in found) return { from: from.text, unresolved: found.unresolved }
    const base = found.point.platforms.find(candidate => candidate.platform === platform.platform)
    const at = { commit: found.point.commit, date: found.point.date }
    if (!base) return { from: from.text, ...at, unresolved: `the point of ${from.text} (${found.point.commit.slice(0, 12)}) has no ${platform.platform}` }
    return { from: from.text, ...at, ...growth(platform.size, base.size) }
  })
}

/** `+12.0 MB since 2026-03-01 (abc123def456, 140 MB)`, for tables and messages. */
export function describeDrift(drift: PlatformDrift): string {
  if (drift.unresolved) return `no reference: ${drift.unresolved}`
  const where = drift.commit ? ` (${drift.commit.slice(0, 12)}, ${formatSize(drift.referenceSize ?? 0)})` : ''
  const sign = (drift.size ?? 0) >= 0 ? '+' : '-'
  return `${sign}${formatSize(Math.abs(drift.size ?? 0))} since ${drift.from}${where}`
}
