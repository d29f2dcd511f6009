import type { Dockerfile, Instruction, Stage } from '../dockerfile/dockerfile.js'
import { finalStage, stageChain } from '../dockerfile/dockerfile.js'

/** Every smell rule with its default level; the budget file can change a level or turn a rule off. */
export const SMELL_RULES = {
  'root-user': 'warning',
  'base-image-tag': 'warning',
  'base-image-digest': 'off',
  'secret-arg-env': 'error',
  'secret-file': 'error',
  'copy-all-before-install': 'warning',
  'copy-build-directory': 'warning',
  'package-cache': 'warning',
  'build-toolchain': 'warning',
  'git-directory': 'warning',
  'no-dockerignore': 'warning',
  'dev-dependencies': 'warning',
  'hidden-versions': 'warning'
} as const satisfies Record<string, SmellLevel>

export type SmellRule = keyof typeof SMELL_RULES
export type SmellLevel = 'error' | 'warning' | 'off'
export const SMELL_RULE_NAMES = Object.keys(SMELL_RULES) as SmellRule[]

export interface Smell {
  rule: SmellRule
  level: 'error' | 'warning'
  message: string
  /** The Dockerfile (or the context, for no-dockerignore). */
  file?: string
  line?: number
  /** The platforms whose final filesystem showed it, for filesystem smells. */
  platforms?: string[]
  /** For smells about size: the bytes the fix removes from the image, counted from this image. */
  savings?: number
}

/** A smell before levels are applied. */
export type Finding = Omit<Smell, 'level'>

export interface SmellSettings {
  levels: Partial<Record<SmellRule, SmellLevel>>
  /** Globs of image paths that filesystem smells pass over. */
  ignore: string[]
}

const SECRET_NAME = /(^|_)(TOKEN|PASSWORD|PASSWD|PASS|SECRET|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|KEY|CREDENTIALS?)(_|$)/i
const SECRET_VALUE = /(^|[^A-Za-z0-9])(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|AKIA[0-9A-Z]{16}|xox[abprs]-[A-Za-z0-9-]{10,}|sk_live_[A-Za-z0-9]{10,}|npm_[A-Za-z0-9]{36}|glpat-[A-Za-z0-9_-]{20}|-----BEGIN [A-Z ]*PRIVATE KEY)/
const INSTALL_COMMAND =
  /\b(npm (ci|install|i)\b|yarn( install)?\b|pnpm (install|i)\b|pip3? install\b|poetry install\b|bundle install\b|go mod download\b|go build\b|cargo (build|fetch)\b|composer install\b|mvn\b|gradle\b|dotnet restore\b)/
const WHOLE_CONTEXT = new Set(['.', './', '/', '*'])

function isExternalImage(stage: Stage): boolean {
  return stage.baseStage === undefined && stage.base.toLowerCase() !== 'scratch' && !stage.base.includes('$')
}

/** Splits `ENV A=1 B="x y"` or `ENV A 1` into names and values. */
function variables(instruction: Instruction): Array<{ name: string; value: string }> {
  if (instruction.keyword === 'ENV' && instruction.args.length >= 2 && !instruction.args[0].includes('=')) {
    return [{ name: instruction.args[0], value: instruction.args.slice(1).join(' ') }]
  }
  return instruction.args.map(arg => {
    const equals = arg.indexOf('=')
    return equals < 0 ? { name: arg, value: '' } : { name: arg.slice(0, equals), value: arg.slice(equals + 1) }
  })
}

function lastWorkdir(dockerfile: Dockerfile, stage: Stage): string | undefined {
  let workdir: string | undefined
  for (const chainStage of stageChain(dockerfile, stage)) {
    for (const instruction of chainStage.instructions) {
      if (instruction.keyword !== 'WORKDIR') continue
      const target = instruction.args[0] ?? ''
      workdir = target.startsWith('/') || workdir === undefined ? target : `${workdir}/${target}`
    }
  }
  return workdir?.replace(/\/+$/, '')
}

/** Smells read from the Dockerfile alone. */
export function dockerfileFindings(dockerfile: Dockerfile, target: string, imageUser: string | undefined): Finding[] {
  const findings: Finding[] = []
  const file = dockerfile.path
  const final = finalStage(dockerfile, target)
  const chain = stageChain(dockerfile, final)

  const users = chain.flatMap(stage => stage.instructions.filter(instruction => instruction.keyword === 'USER'))
  const lastUser = users[users.length - 1]
  const user = imageUser ?? lastUser?.args[0] ?? ''
  if (/^(|root|0)(:.*)?$/.test(user)) {
    findings.push({
      rule: 'root-user',
      message: lastUser ? `the final stage runs as ${user || 'root'} (USER ${lastUser.args.join(' ')})` : 'the final stage runs as root: it has no USER',
      file,
      line: lastUser && /^(root|0)(:.*)?$/.test(lastUser.args[0] ?? '') ? lastUser.line : final.line
    })
  }

  for (const stage of dockerfile.stages) {
    if (isExternalImage(stage)) {
      const reference = stage.base
      const hasDigest = reference.includes('@')
      const tag = /:([^/@]+)(@|$)/.exec(reference)?.[1]
      if (!hasDigest && tag === undefined) {
        findings.push({ rule: 'base-image-tag', message: `FROM ${reference} has no tag: the base changes under you (pin a version)`, file, line: stage.line })
      } else if (tag === 'latest') {
        findings.push({ rule: 'base-image-tag', message: `FROM ${reference} uses the latest tag: the base changes under you (pin a version)`, file, line: stage.line })
      }
      if (!hasDigest) {
        findings.push({ rule: 'base-image-digest', message: `FROM ${reference} is not pinned by digest (@sha256:...)`, file, line: stage.line })
      }
    }

    let wholeContextCopy: Instruction | undefined
    for (const instruction of stage.instructions) {
      if (instruction.keyword === 'ARG' || instruction.keyword === 'ENV') {
        for (const { name, value } of variables(instruction)) {
          if (SECRET_NAME.test(name) || SECRET_VALUE.test(value)) {
            findings.push({
              rule: 'secret-arg-env',
              message: `${instruction.keyword} ${name} looks like a secret: ${instruction.keyword === 'ARG' ? 'build arguments' : 'environment variables'} are kept in the image's history and config (use a build secret, RUN --mount=type=secret)`,
              file,
              line: instruction.line
            })
          }
        }
      }
      if ((instruction.keyword === 'COPY' || instruction.keyword === 'ADD') && instruction.flags.from === undefined) {
        const sources = instruction.args.slice(0, -1)
        if (sources.some(source => WHOLE_CONTEXT.has(source))) wholeContextCopy ??= instruction
      }
      if (instruction.keyword === 'RUN' && wholeContextCopy && INSTALL_COMMAND.test(instruction.text)) {
        findings.push({
          rule: 'copy-all-before-install',
          message: `${wholeContextCopy.text} comes before the dependency install on line ${instruction.line}: any change to the context reruns the install (copy the dependency manifests first)`,
          file,
          line: wholeContextCopy.line
        })
        wholeContextCopy = undefined
      }
      if (instruction.keyword === 'COPY' && instruction.flags.from !== undefined) {
        const source = dockerfile.stages.find(
          candidate => candidate.name === instruction.flags.from.toLowerCase() || String(candidate.index) === instruction.flags.from
        )
        if (source) {
          const workdir = lastWorkdir(dockerfile, source)
          const whole = instruction.args.slice(0, -1).find(arg => {
            const normalized = arg.replace(/\/+$/, '') || '/'
            return WHOLE_CONTEXT.has(arg) || normalized === '/' || (workdir !== undefined && normalized === workdir)
          })
          if (whole !== undefined) {
            findings.push({
              rule: 'copy-build-directory',
              message: `${instruction.text} copies the whole build directory of stage ${instruction.flags.from}: sources, dependencies and build files come along (copy only the build output)`,
              file,
              line: instruction.line
            })
          }
        }
      }
    }
  }
  return findings
}

const PACKAGE_CACHES: Array<{ prefix: string; name: string; skip?: RegExp }> = [
  { prefix: 'var/lib/apt/lists/', name: 'apt package lists', skip: /^var\/lib\/apt\/lists\/(lock|partial\/.*)$/ },
  { prefix: 'var/cache/apt/', name: 'apt cache' },
  { prefix: 'var/cache/apk/', name: 'apk cache' },
  { prefix: 'root/.npm/', name: 'npm cache' },
  { prefix: 'root/.cache/pip/', name: 'pip cache' },
  { prefix: 'root/.cache/go-build/', name: 'Go build cache' },
  { prefix: 'root/.cache/yarn/', name: 'yarn cache' },
  { prefix: 'usr/local/share/.cache/yarn/', name: 'yarn cache' }
]
const TOOLCHAIN = /^(usr\/(local\/)?bin\/(gcc|g\+\+|cc|c\+\+|clang|clang\+\+|make|rustc|cargo|javac|go)(-[\d.]+)?|usr\/local\/go\/bin\/go|root\/\.cargo\/bin\/(rustc|cargo)|usr\/lib\/jvm\/[^/]+\/bin\/javac)$/

/** A glob of image paths: `**` crosses folders, `*` and `?` stay within one; a leading `/` is optional. */
export function globToRegExp(glob: string): RegExp {
  const pattern = glob
    .replace(/^\/+/, '')
    .split(/(\*\*\/|\*\*|\*|\?)/)
    .map(part => {
      if (part === '**/') return '(?:.*/)?'
      if (part === '**') return '.*'
      if (part === '*') return '[^/]*'
      if (part === '?') return '[^/]'
      return part.replace(/[.+^${}()|[\]\\]/g, '\\$&')
    })
    .join('')
  return new RegExp(`^${pattern}$`)
}

/**
 * Looks at the final filesystem for caches, toolchains and Git folders. `visit` is called with every
 * visible path; `finish` returns the findings with the layer that wrote the most of each.
 */
export class FilesystemSmells {
  private readonly ignore: RegExp[]
  private readonly caches = new Map<string, { bytes: number; byLayer: Map<number, number> }>()
  private readonly tools = new Map<string, { layer: number; size: number; owner: number }>()
  private readonly gitDirectories = new Map<string, number>()

  constructor(ignore: string[]) {
    this.ignore = ignore.map(globToRegExp)
  }

  visit(path: string, size: number, layer: number, owner = -1): void {
    if (this.ignore.length > 0 && this.ignore.some(pattern => pattern.test(path.replace(/\/$/, '')))) return
    for (const cache of PACKAGE_CACHES) {
      if (!path.startsWith(cache.prefix) || path.endsWith('/') || cache.skip?.test(path)) continue
      const entry = this.caches.get(cache.name) ?? { bytes: 0, byLayer: new Map<number, number>() }
      entry.bytes += size
      entry.byLayer.set(layer, (entry.byLayer.get(layer) ?? 0) + size)
      this.caches.set(cache.name, entry)
    }
    if (TOOLCHAIN.test(path) && !this.tools.has(path)) this.tools.set(path, { layer, size, owner })
    const git = path.indexOf('.git/')
    if (git >= 0 && (git === 0 || path[git - 1] === '/')) {
      const root = path.slice(0, git + 4)
      if (!this.gitDirectories.has(root)) this.gitDirectories.set(root, layer)
    }
  }

  /** Whether a path is passed over by the ignore globs (secret files use it too). */
  ignores(path: string): boolean {
    return this.ignore.some(pattern => pattern.test(path))
  }

  /**
   * `ownerOf` names the package that owns a file (by the owner the walk saw): a toolchain's
   * savings are its package's bytes, not the one binary's. Bytes of layers `fromBase` says came
   * with the base image are no savings: no line of this Dockerfile can remove them.
   */
  finish(
    describe: (bytes: number) => string,
    ownerOf: (owner: number) => { name: string; bytes: number } | undefined = () => undefined,
    fromBase: (layer: number) => boolean = () => false
  ): Array<Finding & { layer: number }> {
    const findings: Array<Finding & { layer: number }> = []
    for (const [name, { bytes, byLayer }] of this.caches) {
      if (bytes === 0) continue
      const layer = [...byLayer.entries()].sort((a, b) => b[1] - a[1])[0][0]
      const savings = [...byLayer].reduce((sum, [written, size]) => sum + (fromBase(written) ? 0 : size), 0)
      findings.push({ rule: 'package-cache', message: `the ${name} is left in the image (${describe(bytes)}): clean it in the same RUN that fills it`, layer, savings })
    }
    const packages = new Set<string>()
    for (const [path, { layer, size, owner }] of this.tools) {
      const item = ownerOf(owner)
      // Several tools of one package (gcc, gcc-12) are one finding: the package is what goes.
      if (item !== undefined) {
        if (packages.has(item.name)) continue
        packages.add(item.name)
      }
      const what = item ? ` (package ${item.name}, ${describe(item.bytes)})` : ''
      findings.push({ rule: 'build-toolchain', message: `/${path} is in the final image${what}: build tools belong in a builder stage`, layer, savings: item?.bytes ?? size })
    }
    for (const [path, layer] of this.gitDirectories) {
      findings.push({ rule: 'git-directory', message: `/${path} is in the image: add .git to .dockerignore`, layer })
    }
    return findings
  }
}

/** Applies levels: drops rules turned off, and merges the same finding seen on several platforms. */
export function applyLevels(findings: Array<Finding & { platform?: string }>, settings: SmellSettings): Smell[] {
  const smells = new Map<string, Smell>()
  for (const { platform, ...finding } of findings) {
    const level = settings.levels[finding.rule] ?? SMELL_RULES[finding.rule]
    if (level === 'off') continue
    const key = `${finding.rule}\u0000${finding.message}\u0000${finding.line ?? ''}`
    const existing = smells.get(key)
    if (existing) {
      if (platform && existing.platforms && !existing.platforms.includes(platform)) existing.platforms.push(platform)
      continue
    }
    smells.set(key, { ...finding, level, ...(platform ? { platforms: [platform] } : {}) })
  }
  return [...smells.values()]
}

const MODULES = 'node_modules/'

/**
 * devDependencies in the final image: per application (the folder whose node_modules holds them),
 * their bytes, placed on the layer that holds most of them. The fix (`npm ci --omit=dev`, or
 * `npm prune --omit=dev` in the same RUN) removes exactly those packages.
 */
export function devDependencyFindings(
  packages: ReadonlyArray<{ ecosystem: string; bytes: number; dev?: boolean; layer: number; path?: string }>,
  describe: (bytes: number) => string
): Array<Finding & { layer: number }> {
  const byApplication = new Map<string, { bytes: number; count: number; byLayer: Map<number, number> }>()
  for (const item of packages) {
    if (item.ecosystem !== 'npm' || item.dev !== true || item.path === undefined) continue
    const at = item.path.startsWith(MODULES) ? 0 : item.path.indexOf(`/${MODULES}`) + 1
    const application = `/${item.path.slice(0, Math.max(0, at - 1))}`
    const entry = byApplication.get(application) ?? { bytes: 0, count: 0, byLayer: new Map<number, number>() }
    entry.bytes += item.bytes
    entry.count++
    entry.byLayer.set(item.layer, (entry.byLayer.get(item.layer) ?? 0) + item.bytes)
    byApplication.set(application, entry)
  }
  return [...byApplication].map(([application, { bytes, count, byLayer }]) => ({
    rule: 'dev-dependencies' as const,
    message: `${count} ${count === 1 ? 'package' : 'packages'} that only the devDependencies of ${application} need ${count === 1 ? 'is' : 'are'} in the final image (${describe(bytes)}): install with npm ci --omit=dev`,
    layer: [...byLayer.entries()].sort((a, b) => b[1] - a[1])[0][0],
    savings: bytes
  }))
}

/** Bytes a line writes and a later line hides that are worth a finding; less is noise. */
export const HIDDEN_VERSIONS_MIN_BYTES = 1_000_000

/**
 * Bytes a Dockerfile line writes that a later line deletes or replaces: they stay in the first
 * line's layer. Removing them in the line that writes them (or not writing them) saves them all.
 * Bytes of the base image's layers are not counted: no line of this Dockerfile can avoid them.
 */
export function hiddenVersionFindings(
  waste: ReadonlyArray<{ writtenBy: number; hiddenBy: number; bytes: number }>,
  lineOf: (layer: number) => number | undefined,
  fromBase: (layer: number) => boolean,
  describe: (bytes: number) => string
): Array<Finding & { layer: number }> {
  const byPair = new Map<string, { writtenBy: number; written: number; hidden: number; bytes: number }>()
  for (const item of waste) {
    const written = lineOf(item.writtenBy)
    const hidden = lineOf(item.hiddenBy)
    if (written === undefined || hidden === undefined || fromBase(item.writtenBy)) continue
    const key = `${written}:${hidden}`
    const entry = byPair.get(key) ?? { writtenBy: item.writtenBy, written, hidden, bytes: 0 }
    entry.bytes += item.bytes
    byPair.set(key, entry)
  }
  return [...byPair.values()]
    .filter(entry => entry.bytes >= HIDDEN_VERSIONS_MIN_BYTES)
    .map(entry => ({
      rule: 'hidden-versions' as const,
      message: `line ${entry.written} writes ${describe(entry.bytes)} that line ${entry.hidden} deletes or replaces: the bytes stay in the image (remove them in the RUN that writes them)`,
      layer: entry.writtenBy,
      savings: entry.bytes
    }))
}
