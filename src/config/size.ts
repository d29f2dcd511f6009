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
  const bytes = Math.round(Number(amount) * multiplier)
  if (!Number.isSafeInteger(bytes)) throw new SizeError(`"${text}" is too large`)
  return bytes
}

/** Parses a whole, non-negative count such as a number of layers. */
export function parseCount(text: string | number): number {
  const value = typeof text === 'number' ? text : /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new SizeError(`"${text}" is not a whole, non-negative number`)
  }
  return value
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
