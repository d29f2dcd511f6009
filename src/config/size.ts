// Sizes are parsed here rather than with a generic package: `MB` and `MiB` must both be explicit and
// exact, and anything unrecognised must be an error instead of a silently different number.

const UNIT_BYTES: Record<string, number> = {
  B: 1,
  kB: 1e3,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KiB: 2 ** 10,
  MiB: 2 ** 20,
  GiB: 2 ** 30,
  TiB: 2 ** 40
}

const SIZE_PATTERN = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/
/** More digits than any size needs: refused before any arithmetic on them. */
const MAX_DIGITS = 40

export class SizeError extends Error {}

/** Parses `150MB` (SI), `150MiB` (IEC) or a bare number of bytes into bytes. */
export function parseSize(text: string | number): number {
  if (typeof text === 'number') {
    if (Number.isSafeInteger(text) && text >= 0) return text
    throw new SizeError(`${text} is not a whole, non-negative number of bytes`)
  }
  const match = SIZE_PATTERN.exec(text.trim())
  if (!match) throw new SizeError(`"${text}" is not a size (examples: 150MB, 150MiB, 157286400)`)
  const [, amount, unit] = match
  const multiplier = unit === '' ? 1 : UNIT_BYTES[unit]
  if (multiplier === undefined) {
    throw new SizeError(
      `"${text}" has an unknown unit "${unit}" (use B, kB, MB, GB, TB or KiB, MiB, GiB, TiB)`
    )
  }
  if (unit === '' && amount.includes('.')) {
    throw new SizeError(`"${text}" is a fraction of a byte`)
  }
  // Exact decimal arithmetic: 1.1MB is 1100000 bytes, not 1100000.0000000002, and 0.5B is refused, not rounded.
  if (amount.length > MAX_DIGITS) throw new SizeError(`"${text}" has too many digits to be a size`)
  const [whole, fraction = ''] = amount.split('.')
  const scale = 10n ** BigInt(fraction.length)
  const scaled = BigInt(whole + fraction) * BigInt(multiplier)
  if (scaled % scale !== 0n) throw new SizeError(`"${text}" comes to a fraction of a byte: sizes are whole bytes`)
  const bytes = scaled / scale
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) throw new SizeError(`"${text}" is too large (at most ${Number.MAX_SAFE_INTEGER} bytes)`)
  return Number(bytes)
}

/** Parses a whole, non-negative count such as a number of layers. */
export function parseCount(text: string | number): number {
  const value = typeof text === 'number' ? text : /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new SizeError(`"${text}" is not a whole, non-negative number`)
  }
  return value
}

const DURATION_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 }
/** The longest deadline: a day, far beyond a job's 6 hours, far below what timers hold. */
const MAX_DURATION_MS = 24 * 3_600_000

/** Parses `20m`, `90s` or `1h` into milliseconds: more than none, at most a day. */
export function parseDuration(text: string): number {
  const match = /^(\d{1,9})\s*(s|m|h)$/.exec(text.trim())
  const milliseconds = match ? Number(match[1]) * DURATION_UNITS[match[2]] : NaN
  if (!(milliseconds > 0) || milliseconds > MAX_DURATION_MS) {
    throw new SizeError(`"${text}" is not a duration from 1s to 24h (examples: 20m, 90s, 1h)`)
  }
  return milliseconds
}

/** Formats a duration given in milliseconds as parseDuration reads it. */
export function formatDuration(milliseconds: number): string {
  for (const [unit, size] of Object.entries(DURATION_UNITS).reverse()) {
    if (milliseconds % size === 0) return `${milliseconds / size}${unit}`
  }
  return `${milliseconds} ms`
}

/** Formats bytes with SI units, as `docker images` does: 1 decimal below 100 of a unit. */
export function formatSize(bytes: number): string {
  const sign = bytes < 0 ? '-' : ''
  let value = Math.abs(bytes)
  if (value < 1000) return `${sign}${value} B`
  const units = ['kB', 'MB', 'GB', 'TB']
  let unit = -1
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2
  return `${sign}${value.toFixed(digits)} ${units[unit]}`
}

/** A percentage (`10%`) or a fraction (`0.9`) as a ratio. */
export function parseRatio(value: string | number, { allowFraction }: { allowFraction: boolean }): number {
  const text = String(value).trim()
  const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(text)
  const ratio = percent ? Number(percent[1]) / 100 : allowFraction && /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    throw new SizeError(`"${value}" is not ${allowFraction ? 'a percentage or a fraction from 0 to 1 (90% or 0.9)' : 'a percentage from 0% to 100%'}`)
  }
  return ratio
}
