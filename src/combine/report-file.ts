// A report file another job wrote reaches combine mode as an artifact: anything may be in it. It
// is decoded field by field into a fresh Report holding only the fields image-budget knows, each
// checked for its type, so that nothing later (tables, Markdown, scrubbing) meets a value it cannot
// handle, and so that unknown fields (of a newer version, or planted) go no further.
import type { SmellRule } from '../analysis/smells.js'
import type { BudgetResult } from '../budget/evaluate.js'
import { COMBINED_REPORT_SCHEMA_VERSION, MAX_HISTORY_PLATFORMS, MAX_HISTORY_POINTS, REPORT_SCHEMA_VERSION } from '../constants.js'
import type { Report } from '../report/report.js'
import { SEVERITIES } from '../scan/trivy-report.js'
import { shownValue } from '../shown.js'

/** A field of a report file that is not what the schema says: `at` is its path, `platforms[0].size`. */
export class ReportFieldError extends Error {
  constructor(
    readonly at: string,
    message: string
  ) {
    super(message)
    this.name = 'ReportFieldError'
  }
}

type Decoder<T> = (value: unknown, at: string) => T
type Shape = Record<string, Decoder<unknown>>
type Decoded<S extends Shape> = { [K in keyof S]: ReturnType<S[K]> }

const refuse = (at: string, value: unknown, expected: string): never => {
  throw new ReportFieldError(at, `${at} is ${shownValue(value)}, not ${expected}`)
}

const checked =
  <T>(expected: string, test: (value: unknown) => boolean): Decoder<T> =>
  (value, at) =>
    test(value) ? (value as T) : refuse(at, value, expected)

/** Names (of images, platforms) go into tables, headings and status descriptions: one short line. */
const MAX_NAME_LENGTH = 256
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/

const text = checked<string>('a string', value => typeof value === 'string')
const name = checked<string>(`a name (1 to ${MAX_NAME_LENGTH} characters, no control characters)`, value => typeof value === 'string' && value.length > 0 && value.length <= MAX_NAME_LENGTH && !CONTROL.test(value))
const bytes = checked<number>('a whole, non-negative number', value => Number.isSafeInteger(value) && (value as number) >= 0)
const signedBytes = checked<number>('a whole number', value => Number.isSafeInteger(value))
const lineNumber = checked<number>('a line number', value => Number.isSafeInteger(value) && (value as number) > 0)
const finite = checked<number>('a finite number', value => typeof value === 'number' && Number.isFinite(value))
const flag = checked<boolean>('true or false', value => typeof value === 'boolean')
const commitSha = checked<string>('a commit SHA (40 or 64 hexadecimal digits)', value => typeof value === 'string' && /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(value))

/** Rule names are shown as they are: a rule of a newer release is no reason to refuse its report. */
const ruleName = <T extends string>(): Decoder<T> => text as Decoder<T>

const oneOf =
  <T extends string>(values: readonly T[]): Decoder<T> =>
  (value, at) =>
    (values as readonly unknown[]).includes(value) ? (value as T) : refuse(at, value, `one of ${values.join(', ')}`)

const nullable =
  <T>(decode: Decoder<T>): Decoder<T | null> =>
  (value, at) =>
    value === null ? null : decode(value, at)

const list =
  <T>(decode: Decoder<T>): Decoder<T[]> =>
  (value, at) =>
    Array.isArray(value) ? value.map((item, index) => decode(item, `${at}[${index}]`)) : refuse(at, value, 'a list')

/** A list of at most `most` items: a report's history is never longer than the history kept. */
const capped =
  <T>(most: number, decode: Decoder<T>): Decoder<T[]> =>
  (value, at) =>
    Array.isArray(value) && value.length > most ? refuse(at, `${value.length} entries`, `at most ${most}`) : list(decode)(value, at)

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)
const field = (record: Record<string, unknown>, key: string): unknown => (Object.hasOwn(record, key) ? record[key] : undefined)
const join = (at: string, key: string): string => (at === '' ? key : `${at}.${key}`)

/** An object of the `required` fields and those `optional` ones it has; nothing else is kept. */
function object<R extends Shape, O extends Shape = Record<never, never>>(required: R, optional?: O): Decoder<Decoded<R> & Partial<Decoded<O>>> {
  return (value, at) => {
    if (!isRecord(value)) return refuse(at || 'the report', value, 'an object')
    const result: Record<string, unknown> = {}
    for (const [key, decode] of Object.entries(required)) result[key] = decode(field(value, key), join(at, key))
    for (const [key, decode] of Object.entries(optional ?? {})) {
      const item = field(value, key)
      if (item !== undefined) result[key] = decode(item, join(at, key))
    }
    return result as Decoded<R> & Partial<Decoded<O>>
  }
}

const severityCounts = (decode: Decoder<number>) => object(Object.fromEntries(SEVERITIES.map(severity => [severity, decode])) as Record<(typeof SEVERITIES)[number], Decoder<number>>)
const severity = oneOf(SEVERITIES)
const level = oneOf(['error', 'warning'] as const)
const status = oneOf(['pass', 'warn', 'fail'] as const)

const source = object({ layer: text }, { instruction: text, line: lineNumber, stage: text })
const ecosystem = oneOf(['deb', 'apk', 'npm', 'python', 'go'] as const)
const changedPart = object({ name: text, bytes: signedBytes }, { line: lineNumber })

const historyPoint = object({
  commit: commitSha,
  date: text,
  platforms: capped(MAX_HISTORY_PLATFORMS, object({ platform: name, size: bytes, compressedSize: bytes, layers: bytes }, { vulnerabilities: severityCounts(bytes) }))
})

const platform = object(
  {
    platform: name,
    digest: text,
    size: bytes,
    compressedSize: bytes,
    layerCount: bytes,
    layers: list(object({ digest: text, size: bytes, compressedSize: bytes, createdBy: text }, { diffId: text, instruction: text, line: lineNumber, stage: text })),
    wastedBytes: bytes,
    efficiency: finite,
    topFiles: list(object({ path: text, size: bytes, layer: text }, { instruction: text, line: lineNumber, stage: text })),
    topDirectories: list(object({ path: text, size: bytes, files: bytes, layer: text }, { instruction: text, line: lineNumber, stage: text })),
    topWaste: list(object({ path: text, size: bytes, writtenBy: source, hiddenBy: source }))
  },
  {
    baseSize: bytes,
    stages: list(object({ stage: text, bytes, layers: bytes })),
    copies: list(object({ from: text, bytes, instruction: text, line: lineNumber })),
    vulnerabilities: severityCounts(bytes),
    fixable: severityCounts(bytes),
    findings: list(object({ id: text, package: text, installed: text, severity }, { fixed: text, link: text, title: text, layer: source })),
    delta: object({
      size: nullable(signedBytes),
      sizeRatio: nullable(finite),
      compressedSize: signedBytes,
      compressedSizeRatio: nullable(finite),
      layerCount: signedBytes,
      wastedBytes: nullable(signedBytes),
      vulnerabilities: nullable(severityCounts(signedBytes)),
      stages: list(changedPart),
      instructions: list(changedPart)
    }, {
      packages: list(object({ ecosystem, name: text, bytes: signedBytes, change: oneOf(['added', 'removed', 'changed'] as const) }, { version: text, baseVersion: text }))
    }),
    drift: object({ from: text }, { referenceSize: bytes, commit: commitSha, date: text, size: signedBytes, sizeRatio: nullable(finite), unresolved: text }),
    packages: list(object({ ecosystem, name: text, version: text, bytes, files: bytes, layer: text }, { dev: flag, path: text, instruction: text, line: lineNumber, stage: text })),
    unpackaged: list(object({ directory: text, bytes, files: bytes })),
    packageNotes: list(text)
  }
)

/** One image's report: the fields of schema version 1 (`schemaVersion` itself may be left out inside a version 2 file). */
const imageReport = object(
  {
    name,
    verdict: status,
    platforms: list(platform),
    budgets: list(
      object(
        { rule: ruleName<BudgetResult['rule']>(), platform: name, limit: finite, actual: finite, unit: oneOf(['bytes', 'count', 'ratio'] as const), level, status },
        { severity, fixableOnly: flag, layer: text, unresolved: text }
      )
    ),
    smells: list(object({ rule: ruleName<SmellRule>(), level, message: text }, { file: text, line: lineNumber, platforms: list(text), savings: bytes }))
  },
  {
    digest: text,
    build: object({ seconds: finite, steps: bytes, cachedSteps: bytes }, { actionsCache: object({ used: flag }, { reason: text }) }),
    scan: object({ source: text, severities: list(severity), ignoreUnfixed: flag, ignored: bytes, expiredIgnores: list(text) }, { error: text }),
    createdAt: text,
    commit: text,
    baseline: object({ source: oneOf(['cache', 'file', 'image'] as const), reference: text, unavailable: list(text) }, { createdAt: text }),
    pullRequest: object({ number: lineNumber, head: commitSha }),
    history: object({ branch: text, points: capped(MAX_HISTORY_POINTS, historyPoint) }, { error: text }),
    call: object({ method: text, checks: list(object({ rule: text, description: text, detail: text, url: text }, { line: lineNumber })) }),
    error: text
  }
)

function decodeImage(value: unknown, at: string): Report {
  const version = isRecord(value) ? field(value, 'schemaVersion') : undefined
  if (at !== '' && version !== undefined && version !== REPORT_SCHEMA_VERSION) refuse(join(at, 'schemaVersion'), version, `${REPORT_SCHEMA_VERSION}`)
  const decoded: Omit<Report, 'schemaVersion'> = imageReport(value, at)
  return { schemaVersion: REPORT_SCHEMA_VERSION, ...decoded }
}

/** Most images in one file: far above any repository's, far below what a table can show. */
export const MAX_IMAGES_PER_FILE = 500

/** What a report file holds: the reports of its images, and what a combined file says is wrong. */
export interface ReportFile {
  reports: Report[]
  /** A combined file's own findings (an expected image it did not have, an unreadable report). */
  missing: string[]
  problems: string[]
}

/**
 * Decodes a report file's text: schema version 1 (one image) or 2 (`{ schemaVersion: 2, images }`).
 * Throws a ReportFieldError naming the first field that is wrong.
 */
export function parseReportFile(json: string): ReportFile {
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch (error) {
    throw new ReportFieldError('', `not JSON (${(error as Error).message})`)
  }
  if (!isRecord(value)) return refuse('the report', value, 'an object')
  const version = field(value, 'schemaVersion')
  if (version === REPORT_SCHEMA_VERSION) return { reports: [decodeImage(value, '')], missing: [], problems: [] }
  if (version !== COMBINED_REPORT_SCHEMA_VERSION) return refuse('schemaVersion', version, `${REPORT_SCHEMA_VERSION} or ${COMBINED_REPORT_SCHEMA_VERSION}`)
  const images = field(value, 'images')
  if (Array.isArray(images) && images.length > MAX_IMAGES_PER_FILE) refuse('images', `${images.length} entries`, `at most ${MAX_IMAGES_PER_FILE} images`)
  const combined = object({ images: list(decodeImage) }, { missing: list(name), problems: list(text) })(value, '')
  return { reports: combined.images, missing: combined.missing ?? [], problems: combined.problems ?? [] }
}
