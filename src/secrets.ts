// Programs the step runs (buildx, Trivy) may print what they were given, and what they print ends
// up in errors, the report, the pull-request comment and SARIF. Every secret the step knows of is
// replaced there, as written and in the forms text takes on its way: JSON-escaped and URL-encoded.

/** Shorter values are left alone: they would mangle everything and protect nothing. */
const MIN_SECRET_LENGTH = 4
const MASK = '***'

export type Scrub = (text: string) => string

/** What names secrets: the inputs' fields, read structurally (`secret-envs` exists on some versions only). */
export interface SecretSources {
  secrets: readonly string[]
  'github-token': string
  'secret-envs'?: readonly string[]
}

/** Runner tokens a step can see: no report may carry them. */
const TOKEN_VARIABLES = ['GITHUB_TOKEN', 'ACTIONS_RUNTIME_TOKEN', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'] as const

/**
 * The values to scrub: those of `secrets` (id=value), those of the variables `secret-envs` names
 * (id=VARIABLE, or VARIABLE), the github token and the runner's tokens.
 */
export function secretValues(inputs: SecretSources, env: NodeJS.ProcessEnv): string[] {
  const afterEquals = (item: string): string => {
    const separator = item.indexOf('=')
    return separator < 0 ? item : item.slice(separator + 1)
  }
  const values = [
    ...inputs.secrets.map(afterEquals),
    ...(inputs['secret-envs'] ?? []).map(item => env[afterEquals(item).trim()] ?? ''),
    inputs['github-token'],
    ...TOKEN_VARIABLES.map(name => env[name] ?? '')
  ]
  return values.filter(value => value.length >= MIN_SECRET_LENGTH)
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Every form a value may take in text: as is, JSON-escaped, URL-encoded, and each line of a multi-line one. */
function formsOf(value: string): string[] {
  const lines = value.includes('\n') ? value.split(/\r?\n/).map(line => line.trim()) : []
  return [value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value), ...lines].filter(form => form.length >= MIN_SECRET_LENGTH)
}

/** One pass over the text whatever the number of secrets; the longest form first, so none is cut in half. */
export function createScrubber(values: Iterable<string>): Scrub {
  const forms = [...new Set([...values].filter(value => value.length >= MIN_SECRET_LENGTH).flatMap(formsOf))].sort((a, b) => b.length - a.length)
  if (forms.length === 0) return text => text
  const pattern = new RegExp(forms.map(escapeRegExp).join('|'), 'g')
  return text => text.replace(pattern, MASK)
}

/** Scrubs every string of a JSON-like value, in place (keys too), and returns it. */
export function scrubDeep<T>(value: T, scrub: Scrub): T {
  const visit = (item: unknown): unknown => {
    if (typeof item === 'string') return scrub(item)
    if (Array.isArray(item)) {
      for (let index = 0; index < item.length; index++) item[index] = visit(item[index])
      return item
    }
    if (item !== null && typeof item === 'object') {
      const record = item as Record<string, unknown>
      for (const key of Object.keys(record)) {
        const clean = scrub(key)
        const inner = visit(record[key])
        if (clean !== key) delete record[key]
        record[clean] = inner
      }
    }
    return item
  }
  return visit(value) as T
}
