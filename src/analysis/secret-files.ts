// Files in an image that hand out credentials. Names pick the candidates; the content of a few
// small candidates is read while the layer streams (see TarScanner's content capture).

export interface SecretFinding {
  path: string
  /** What was found, for the message. */
  what: string
}

const KEY_FILE = /(^|\/)(id_(rsa|dsa|ecdsa|ed25519)|[^/]+\.(pem|key))$/
const ENV_FILE = /(^|\/)\.env(\.[^/]+)?$/
const ENV_EXAMPLE = /\.(example|sample|template|dist|defaults)$/
const NPMRC = /(^|\/)\.npmrc$/
const PRIVATE_KEY = /-----BEGIN ((RSA|EC|DSA|OPENSSH|ENCRYPTED) )?PRIVATE KEY-----/
const NPM_TOKEN = /(_authToken|_auth|_password)\s*=\s*\S+/

/** Whether the scanner should hand out this file's content for a look. */
export function isSecretCandidate(path: string): boolean {
  // Asked of every file of every layer: a look at the basename's first characters and the
  // ending rules out nearly all of them before any regular expression runs.
  const base = path.lastIndexOf('/') + 1
  if (path.charCodeAt(base) !== 0x2e && !path.startsWith('id_', base) && !path.endsWith('.pem') && !path.endsWith('.key')) return false
  return NPMRC.test(path) || KEY_FILE.test(path) || (ENV_FILE.test(path) && !ENV_EXAMPLE.test(path))
}

export function inspectSecretCandidate(path: string, content: Buffer): SecretFinding | undefined {
  const text = content.toString('utf8')
  if (NPMRC.test(path)) return NPM_TOKEN.test(text) ? { path, what: 'an npm auth token' } : undefined
  if (PRIVATE_KEY.test(text)) return { path, what: 'a private key' }
  if (ENV_FILE.test(path) && /^\s*[A-Za-z_][A-Za-z0-9_]*\s*=\s*\S/m.test(text)) return { path, what: 'an environment file with values' }
  return undefined
}
