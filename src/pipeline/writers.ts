// What a run leaves behind, as a list of writers with one failure policy: each writer runs, one that
// fails is named and the others still run, and the failures are raised together at the end. A
// writer that only makes sense after a clean run says so in `when`.
import type { BudgetResult } from '../budget/evaluate.js'
import { Output, VULNERABILITY_RULE } from '../constants.js'
import { budgetRule } from '../config/rules.js'
import { saveBaseline } from '../baseline/step.js'
import { keepHistory } from '../history/step.js'
import { writeFileSafely, writeRoots } from '../files/safe-write.js'
import { commentMarker, fitComment } from '../github/comment.js'
import { upsertComment } from '../github/comment.js'
import { publish, wantsComment } from '../github/publish.js'
import type { Host } from '../host.js'
import { largestPlatform, type Report } from '../report/report.js'
import { formatLimit, markdownSummary, textSummary, VOLATILE_LINE } from '../report/summary.js'
import { combine, type Combined } from '../combine/combine.js'
import { combinedMarkdown, combinedText, imagesOutput } from '../combine/render.js'
import { combinedReport } from '../combine/run.js'
import { worstCounts } from '../scan/scan-step.js'
import { createScrubber, scrubDeep, secretValues } from '../secrets.js'
import type { RunDeps } from './deps.js'
import type { ImageRun } from './run-image.js'
import { baselineDepsOf } from './stages.js'

export interface WriterContext {
  host: Host
  deps: RunDeps
  /** The writers that failed before this one. */
  failures: readonly string[]
}

export interface Writer {
  what: string
  when?: (run: ImageRun, context: WriterContext) => boolean
  write: (run: ImageRun, context: WriterContext) => Promise<void> | void
}

/** `report.json` → `report.comment.md`. */
export function commentPath(reportPath: string): string {
  return `${reportPath.replace(/\.json$/, '')}.comment.md`
}

export function describeBudget(result: BudgetResult): string {
  if (result.unresolved !== undefined) return `${result.rule} on ${result.platform}: no reference to measure from, ${result.unresolved}`
  const side = result.rule !== VULNERABILITY_RULE && budgetRule(result.rule).direction === 'min' ? 'under' : 'over'
  return `${result.rule} on ${result.platform}: ${formatLimit(result.unit, result.actual)} is ${side} the limit of ${formatLimit(result.unit, result.limit)}`
}

export function budgetFailureMessage(report: Report): string {
  if (report.call) return `Dockerfile checks failed: ${report.call.checks.map(check => `${check.rule}${check.line ? ` (line ${check.line})` : ''}`).join('; ')}`
  const broken = report.budgets.filter(result => result.status !== 'pass').map(describeBudget)
  const smells = report.smells.map(smell => `${smell.rule}: ${smell.message}`)
  return `Image budget exceeded: ${[...broken, ...smells].join('; ')}`
}

/** Line of the Dockerfile that a budget result points at: the layer that broke a per-layer budget. */
function budgetLine(report: Report, result: BudgetResult): number | undefined {
  if (!result.layer) return undefined
  return report.platforms.find(platform => platform.platform === result.platform)?.layers.find(layer => layer.digest === result.layer)?.line
}

/** Annotations on the Dockerfile's lines: every broken budget, every smell, every check finding. */
function annotate({ report, dockerfile }: ImageRun, { host }: WriterContext): void {
  for (const notice of report.notices ?? []) host.notice(notice, { title: 'image-budget' })
  const at = (line: number | undefined) => (dockerfile && line ? { file: dockerfile.path, startLine: line } : {})
  for (const result of report.budgets) {
    if (result.status === 'pass') continue
    const properties = { title: `image-budget: ${result.rule}`, ...at(budgetLine(report, result)) }
    if (result.status === 'fail') host.error(describeBudget(result), properties)
    else host.warning(describeBudget(result), properties)
  }
  for (const smell of report.smells) {
    const properties = { title: `image-budget: ${smell.rule}`, ...(smell.file && smell.line ? { file: smell.file, startLine: smell.line } : {}) }
    if (smell.level === 'error') host.error(smell.message, properties)
    else host.warning(smell.message, properties)
  }
  for (const check of report.call?.checks ?? []) {
    host.warning(`${check.detail || check.description} (${check.url})`, { title: `image-budget: check ${check.rule}`, ...at(check.line) })
  }
}

/**
 * Outputs as docker/build-push-action defines them: `digest` is what was pushed (the registry's
 * digest of the tag), else buildx's metadata; `imageid` from the iidfile; for an existing image,
 * its digest and ID.
 */
function setOutputs(run: ImageRun, { host }: WriterContext): void {
  const { report, build } = run
  const largest = largestPlatform(report)
  const metadata = build?.metadata ?? {}
  const metadataDigest = metadata['containerimage.digest']
  const metadataConfig = metadata['containerimage.config.digest']
  const digest = build?.pushedDigest ?? (typeof metadataDigest === 'string' ? metadataDigest : (report.digest ?? ''))
  const imageId = build?.imageId ?? (typeof metadataConfig === 'string' ? metadataConfig : (run.engineImageId ?? run.configDigest ?? digest))
  const sizeDelta = largest?.delta?.size
  host.setOutput(Output.Verdict, report.verdict)
  host.setOutput(Output.Report, run.spec.reportPath)
  host.setOutput(Output.Size, largest ? String(largest.size) : '')
  host.setOutput(Output.CompressedSize, largest ? String(largest.compressedSize) : '')
  host.setOutput(Output.Digest, build?.call ? '' : digest)
  host.setOutput(Output.ImageId, build?.call ? '' : imageId)
  host.setOutput(Output.Metadata, build && !build.call ? JSON.stringify(build.metadata) : '')
  host.setOutput(Output.Vulnerabilities, report.scan && !report.scan.error ? JSON.stringify(worstCounts(report.platforms)) : '')
  host.setOutput(Output.Sarif, run.sarifPath ?? '')
  host.setOutput(Output.SizeDelta, sizeDelta === undefined || sizeDelta === null ? '' : String(sizeDelta))
}

const writeFile = (file: string, what: string, text: string, { deps }: WriterContext): Promise<void> =>
  writeFileSafely(file, text, { roots: writeRoots(deps), what })

/** The writers of one image's run, in the order they run. */
export const WRITERS: readonly Writer[] = [
  { what: 'the annotations', write: annotate },
  { what: 'the report', write: (run, context) => writeFile(run.spec.reportPath, 'the report', `${JSON.stringify(run.report, null, 2)}\n`, context) },
  {
    // The comment as Markdown beside the report, for commenting from a workflow_run (fork pull requests).
    what: 'the comment',
    write: (run, context) =>
      writeFile(commentPath(run.spec.reportPath), 'the comment', fitComment(markdownSummary(run.report, { runUrl: context.deps.github?.context.runUrl }), commentMarker(run.report.name)), context)
  },
  { what: 'the step outputs', write: setOutputs },
  { what: 'the job summary', write: (run, { host }) => host.present(markdownSummary(run.report, { chart: true }), textSummary(run.report)) },
  {
    what: 'the baseline',
    // Only a complete, written report is worth comparing with later.
    when: (run, context) => run.failure === undefined && context.failures.length === 0 && !run.build?.call,
    write: async (run, { host, deps }) => {
      await saveBaseline(run.spec.inputs, run.report.name, run.spec.reportPath, baselineDepsOf(run.spec, { ...deps, host }))
    }
  },
  {
    what: 'the history',
    // As the baseline: only a complete run on the default branch becomes a point (keepHistory checks the event).
    when: (run, context) => run.failure === undefined && context.failures.length === 0 && !run.build?.call,
    write: async (run, { host, deps }) => {
      await keepHistory(run.spec.inputs, run.report, { host, github: deps.github })
    }
  },
  {
    what: 'the pull request comment and status',
    write: async (run, { host, deps }) => {
      await publish(run.report, run.spec.inputs, deps.github?.context, deps.github?.api, host)
    }
  }
]

/**
 * The writers of one image among several (a bake run): the run as a whole has the step outputs,
 * the job summary and the one pull request comment; each image keeps its report and its status.
 */
export const IMAGE_OF_MANY_WRITERS: readonly Writer[] = [
  ...WRITERS.filter(writer => !['the comment', 'the step outputs', 'the job summary', 'the pull request comment and status'].includes(writer.what)),
  {
    what: 'the commit status',
    write: async (run, { host, deps }) => {
      await publish(run.report, { ...run.spec.inputs, comment: 'never' }, deps.github?.context, deps.github?.api, host)
    }
  }
]

export interface ManyRun {
  name: string
  reportPath: string
  inputs: ImageRun['spec']['inputs']
  runs: ImageRun[]
}

/** The images of a run of several, as one combined set (what combine mode makes of separate jobs' reports). */
export function combinedOf(run: ManyRun): Combined {
  return combine(run.runs.map(image => ({ file: image.spec.reportPath, report: image.report })), [], [])
}

/** The writers of a run of several images, after each image's own. */
export const RUN_WRITERS: ReadonlyArray<{ what: string; write: (run: ManyRun, context: WriterContext) => Promise<void> | void }> = [
  {
    what: 'the run report',
    write: (run, context) => writeFile(run.reportPath, 'the run report', combinedReport(combinedOf(run), run.runs[0]?.report.createdAt ?? ''), context)
  },
  {
    what: 'the comment',
    write: (run, context) =>
      writeFile(commentPath(run.reportPath), 'the comment', fitComment(combinedMarkdown(combinedOf(run), { runUrl: context.deps.github?.context.runUrl }), commentMarker(run.name)), context)
  },
  {
    what: 'the step outputs',
    write: (run, { host }) => {
      const combined = combinedOf(run)
      host.setOutput(Output.Verdict, combined.verdict)
      host.setOutput(Output.Report, run.reportPath)
      host.setOutput(Output.Images, JSON.stringify(imagesOutput(combined)))
    }
  },
  { what: 'the job summary', write: (run, { host }) => host.present(combinedMarkdown(combinedOf(run)), combinedText(combinedOf(run))) },
  {
    what: 'the pull request comment',
    write: async (run, { host, deps }) => {
      const github = deps.github
      const combined = combinedOf(run)
      if (!github?.api || !wantsComment(run.inputs, { ...run.runs[0].report, verdict: combined.verdict }, github.context)) return
      const body = combinedMarkdown(combined, { runUrl: github.context.runUrl })
      host.info(`Pull request comment: ${await upsertComment(github.api, github.context.pullRequest!.number, run.name, body, host, VOLATILE_LINE)}`)
    }
  }
]

export async function writeManyRun(run: ManyRun, host: Host, deps: RunDeps): Promise<string[]> {
  const failures: string[] = []
  for (const image of run.runs) failures.push(...(await writeRun(image, host, deps, IMAGE_OF_MANY_WRITERS)))
  for (const writer of RUN_WRITERS) {
    try {
      await writer.write(run, { host, deps, failures })
    } catch (error) {
      failures.push(`${writer.what} could not be written: ${(error as Error).message}`)
    }
  }
  return failures
}

/** Runs every writer; returns the failures, each naming its writer. */
export async function writeRun(run: ImageRun, host: Host, deps: RunDeps, writers: readonly Writer[] = WRITERS): Promise<string[]> {
  // Whatever path filled the report (a stage, a failed bake, a signal), nothing leaves with a secret in it.
  scrubDeep(run.report, createScrubber(secretValues(run.spec.inputs, deps.env)))
  const failures: string[] = []
  for (const writer of writers) {
    const context = { host, deps, failures }
    if (writer.when && !writer.when(run, context)) continue
    try {
      await writer.write(run, context)
    } catch (error) {
      failures.push((error as Error).message.startsWith('Cannot write') ? (error as Error).message : `${writer.what} could not be written: ${(error as Error).message}`)
    }
  }
  return failures
}
