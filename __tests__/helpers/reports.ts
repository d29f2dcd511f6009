import { emptyReport, type PlatformReport, type Report } from '../../src/report/report.js'

/** The commit of run `n` (below 65,536): distinct in its first 4 digits, as a pinned prefix needs. */
export const commitOf = (n: number): string => n.toString(16).padStart(4, '0').repeat(10)

/** A measured platform of `size` bytes (a third of it compressed, three layers), with any other fields. */
export function platformOf(size: number, extra: Partial<PlatformReport> & Record<string, unknown> = {}): PlatformReport {
  return { platform: 'linux/amd64', digest: 'sha256:x', size, compressedSize: Math.round(size / 3), layerCount: 3, layers: [], wastedBytes: 0, efficiency: 1, topFiles: [], topDirectories: [], topWaste: [], ...extra }
}

/** The report of run `n` on the default branch: commit `commitOf(n)`, made on 2026-03-n (UTC). */
export function reportOfRun(n: number, size: number, options: { name?: string; platforms?: PlatformReport[]; extra?: Partial<PlatformReport> & Record<string, unknown> } = {}): Report {
  const report = emptyReport(options.name ?? 'shop')
  report.commit = commitOf(n)
  report.createdAt = new Date(Date.UTC(2026, 2, n)).toISOString()
  report.platforms.push(...(options.platforms ?? [platformOf(size, options.extra)]))
  return report
}
