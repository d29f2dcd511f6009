import { describe, expect, it } from '@jest/globals'
import { formatSize, parseCount, parseSize, SizeError } from '../src/config/size.js'

describe('parseSize', () => {
  it.each([
    ['150MB', 150_000_000],
    ['150 MB', 150_000_000],
    ['150MiB', 150 * 2 ** 20],
    ['1.5GiB', 1.5 * 2 ** 30],
    ['2GB', 2_000_000_000],
    ['10kB', 10_000],
    ['10KB', 10_000],
    ['10KiB', 10_240],
    ['1TiB', 2 ** 40],
    ['512B', 512],
    ['157286400', 157_286_400],
    [' 42 ', 42],
    [0, 0],
    [1234, 1234]
  ])('reads %p as %p bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes)
  })

  it.each([
    ['150mb', /unknown unit "mb"/],
    ['150 megabytes', /unknown unit "megabytes"/],
    ['150M', /unknown unit "M"/],
    ['150Mi', /unknown unit "Mi"/],
    ['-5MB', /is not a size/],
    ['MB', /is not a size/],
    ['', /is not a size/],
    ['1.5', /fraction of a byte/],
    ['12 MB 3', /is not a size/]
  ])('refuses %p', (text, message) => {
    expect(() => parseSize(text)).toThrow(SizeError)
    expect(() => parseSize(text)).toThrow(message)
  })

  it('refuses negative and fractional numbers given as numbers', () => {
    expect(() => parseSize(-1)).toThrow(SizeError)
    expect(() => parseSize(1.5)).toThrow(SizeError)
  })
})

describe('parseCount', () => {
  it('reads whole numbers and refuses anything else', () => {
    expect(parseCount('12')).toBe(12)
    expect(parseCount(7)).toBe(7)
    expect(() => parseCount('12 layers')).toThrow(/not a whole, non-negative number/)
    expect(() => parseCount('1.5')).toThrow(SizeError)
    expect(() => parseCount(-3)).toThrow(SizeError)
  })
})

describe('formatSize', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1.00 kB'],
    [2_082_261, '2.08 MB'],
    [150_000_000, '150 MB'],
    [15_500_000, '15.5 MB'],
    [-2_500_000, '-2.50 MB'],
    [3_200_000_000_000, '3.20 TB']
  ])('formats %p as %p', (bytes, text) => {
    expect(formatSize(bytes)).toBe(text)
  })
})
