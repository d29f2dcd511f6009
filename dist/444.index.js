export const id = 444;
export const ids = [444];
export const modules = {

/***/ 9444:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  run: () => (/* binding */ run)
});

// UNUSED EXPORTS: ACTION_VERSION, BudgetExceededError, bakeRunName, commentPath, defaultReportPath, execute, handleSignals, nodeDeps, onCancel

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __webpack_require__(1421);
;// CONCATENATED MODULE: ./src/constants.ts
// Names that appear in action.yml, the CLI, the budget file and the report are declared once, here.
const Input = {
    Files: 'files',
    Targets: 'targets',
    Set: 'set',
    Source: 'source',
    Vars: 'vars',
    AddHosts: 'add-hosts',
    Allow: 'allow',
    Annotations: 'annotations',
    Attests: 'attests',
    BuildContexts: 'build-contexts',
    Call: 'call',
    CgroupParent: 'cgroup-parent',
    Network: 'network',
    NoCacheFilters: 'no-cache-filters',
    Outputs: 'outputs',
    ExportMode: 'export-mode',
    Provenance: 'provenance',
    Sbom: 'sbom',
    SecretEnvs: 'secret-envs',
    ShmSize: 'shm-size',
    Ssh: 'ssh',
    Ulimit: 'ulimit',
    Context: 'context',
    File: 'file',
    Target: 'target',
    Platforms: 'platforms',
    BuildArgs: 'build-args',
    Secrets: 'secrets',
    SecretFiles: 'secret-files',
    Tags: 'tags',
    Labels: 'labels',
    Push: 'push',
    Load: 'load',
    Builder: 'builder',
    CacheFrom: 'cache-from',
    CacheTo: 'cache-to',
    NoCache: 'no-cache',
    Pull: 'pull',
    Image: 'image',
    Name: 'name',
    BudgetFile: 'budget-file',
    MaxSize: 'max-size',
    MaxCompressedSize: 'max-compressed-size',
    MaxLayers: 'max-layers',
    MaxLayerSize: 'max-layer-size',
    MaxWasted: 'max-wasted',
    MinEfficiency: 'min-efficiency',
    FailOn: 'fail-on',
    Summary: 'summary',
    Report: 'report',
    Scan: 'scan',
    Severity: 'severity',
    IgnoreUnfixed: 'ignore-unfixed',
    Trivyignores: 'trivyignores',
    MaxVulnerabilities: 'max-vulnerabilities',
    TrivyReport: 'trivy-report',
    Sarif: 'sarif',
    TrivyVersion: 'trivy-version',
    TrivyDbRepository: 'trivy-db-repository',
    ScanFailure: 'scan-failure',
    ScanTimeout: 'scan-timeout',
    Baseline: 'baseline',
    BaselineRef: 'baseline-ref',
    MaxSizeIncrease: 'max-size-increase',
    MaxDrift: 'max-drift',
    DriftFrom: 'drift-from',
    History: 'history',
    HistoryBranch: 'history-branch',
    Comment: 'comment',
    GithubToken: 'github-token',
    Status: 'status',
    Reports: 'reports',
    Expect: 'expect',
    StatusContext: 'status-context'
};
const Output = {
    Verdict: 'verdict',
    Report: 'report',
    Size: 'size',
    CompressedSize: 'compressed-size',
    Digest: 'digest',
    ImageId: 'imageid',
    Metadata: 'metadata',
    Vulnerabilities: 'vulnerabilities',
    Sarif: 'sarif',
    SizeDelta: 'size-delta',
    Images: 'images'
};
/** Budget rules, keyed as in the budget file and the report. */
const Rule = {
    MaxSize: 'max-size',
    MaxCompressedSize: 'max-compressed-size',
    MaxLayers: 'max-layers',
    MaxLayerSize: 'max-layer-size',
    MaxWasted: 'max-wasted',
    MinEfficiency: 'min-efficiency',
    MaxSizeIncrease: 'max-size-increase',
    MaxDrift: 'max-drift'
};
const RULE_NAMES = Object.values(Rule);
/** The vulnerability budget: limits per severity rather than one limit. */
const VULNERABILITY_RULE = 'max-vulnerabilities';
/** The Trivy release scanned with unless `trivy-version` names another. */
const DEFAULT_TRIVY_VERSION = '0.68.0';
/** Trivy's severities, most severe first, as the report and the inputs name them. */
const SEVERITIES = ['critical', 'high', 'medium', 'low', 'unknown'];
const DEFAULT_BUDGET_FILE = '.github/image-budget.yml';
const REPORT_SCHEMA_VERSION = 1;
/** Reports of several images in one file: `{ schemaVersion: 2, images: Report[] }`, as combine mode writes it. */
const COMBINED_REPORT_SCHEMA_VERSION = 2;
/** The word of `expect` that stands for the image keys of the budget file. */
const EXPECT_BUDGET_FILE = 'budget-file';
/** The first buildx release that speaks the GitHub Actions cache service v2. */
const MIN_BUILDX_FOR_GHA_CACHE = '0.21.0';
/** The first BuildKit release that speaks the GitHub Actions cache service v2. */
const MIN_BUILDKIT_FOR_GHA_CACHE = '0.20.0';
/** The branch `history: branch` keeps each image's history on, unless `history-branch` names another. */
const DEFAULT_HISTORY_BRANCH = 'image-budget-history';
/** Points of history kept per image: the oldest goes when a new one comes. */
const MAX_HISTORY_POINTS = 100;
/** Platforms a point of history may have: far above any image's, and 100 points of them fit in the 1 MB the contents API sends. */
const MAX_HISTORY_PLATFORMS = 32;

;// CONCATENATED MODULE: ./src/config/errors.ts
/** Bad input from the user: the CLI exits 2 and the message names the input and its value. */
class InputError extends Error {
    constructor(message) {
        super(message);
        this.name = 'InputError';
    }
}

;// CONCATENATED MODULE: ./src/config/size.ts
// Sizes are parsed here rather than with a generic package: `MB` and `MiB` must both be explicit and
// exact, and anything unrecognised must be an error instead of a silently different number.
const UNIT_BYTES = {
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
};
const SIZE_PATTERN = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/;
/** More digits than any size needs: refused before any arithmetic on them. */
const MAX_DIGITS = 40;
class SizeError extends Error {
}
/** Parses `150MB` (SI), `150MiB` (IEC) or a bare number of bytes into bytes. */
function parseSize(text) {
    if (typeof text === 'number') {
        if (Number.isSafeInteger(text) && text >= 0)
            return text;
        throw new SizeError(`${text} is not a whole, non-negative number of bytes`);
    }
    const match = SIZE_PATTERN.exec(text.trim());
    if (!match)
        throw new SizeError(`"${text}" is not a size (examples: 150MB, 150MiB, 157286400)`);
    const [, amount, unit] = match;
    const multiplier = unit === '' ? 1 : UNIT_BYTES[unit];
    if (multiplier === undefined) {
        throw new SizeError(`"${text}" has an unknown unit "${unit}" (use B, kB, MB, GB, TB or KiB, MiB, GiB, TiB)`);
    }
    if (unit === '' && amount.includes('.')) {
        throw new SizeError(`"${text}" is a fraction of a byte`);
    }
    // Exact decimal arithmetic: 1.1MB is 1100000 bytes, not 1100000.0000000002, and 0.5B is refused, not rounded.
    if (amount.length > MAX_DIGITS)
        throw new SizeError(`"${text}" has too many digits to be a size`);
    const [whole, fraction = ''] = amount.split('.');
    const scale = 10n ** BigInt(fraction.length);
    const scaled = BigInt(whole + fraction) * BigInt(multiplier);
    if (scaled % scale !== 0n)
        throw new SizeError(`"${text}" comes to a fraction of a byte: sizes are whole bytes`);
    const bytes = scaled / scale;
    if (bytes > BigInt(Number.MAX_SAFE_INTEGER))
        throw new SizeError(`"${text}" is too large (at most ${Number.MAX_SAFE_INTEGER} bytes)`);
    return Number(bytes);
}
/** Parses a whole, non-negative count such as a number of layers. */
function parseCount(text) {
    const value = typeof text === 'number' ? text : /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
    if (!Number.isSafeInteger(value) || value < 0) {
        throw new SizeError(`"${text}" is not a whole, non-negative number`);
    }
    return value;
}
const DURATION_UNITS = { s: 1000, m: 60_000, h: 3_600_000 };
/** The longest deadline: a day, far beyond a job's 6 hours, far below what timers hold. */
const MAX_DURATION_MS = 24 * 3_600_000;
/** Parses `20m`, `90s` or `1h` into milliseconds: more than none, at most a day. */
function parseDuration(text) {
    const match = /^(\d{1,9})\s*(s|m|h)$/.exec(text.trim());
    const milliseconds = match ? Number(match[1]) * DURATION_UNITS[match[2]] : NaN;
    if (!(milliseconds > 0) || milliseconds > MAX_DURATION_MS) {
        throw new SizeError(`"${text}" is not a duration from 1s to 24h (examples: 20m, 90s, 1h)`);
    }
    return milliseconds;
}
/** Formats a duration given in milliseconds as parseDuration reads it. */
function formatDuration(milliseconds) {
    for (const [unit, size] of Object.entries(DURATION_UNITS).reverse()) {
        if (milliseconds % size === 0)
            return `${milliseconds / size}${unit}`;
    }
    return `${milliseconds} ms`;
}
/** Formats bytes with SI units, as `docker images` does: 1 decimal below 100 of a unit. */
function size_formatSize(bytes) {
    const sign = bytes < 0 ? '-' : '';
    let value = Math.abs(bytes);
    if (value < 1000)
        return `${sign}${value} B`;
    const units = ['kB', 'MB', 'GB', 'TB'];
    let unit = -1;
    while (value >= 1000 && unit < units.length - 1) {
        value /= 1000;
        unit++;
    }
    const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
    return `${sign}${value.toFixed(digits)} ${units[unit]}`;
}
/** A percentage (`10%`) or a fraction (`0.9`) as a ratio. */
function parseRatio(value, { allowFraction }) {
    const text = String(value).trim();
    const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(text);
    const ratio = percent ? Number(percent[1]) / 100 : allowFraction && /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
    if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
        throw new SizeError(`"${value}" is not ${allowFraction ? 'a percentage or a fraction from 0 to 1 (90% or 0.9)' : 'a percentage from 0% to 100%'}`);
    }
    return ratio;
}

;// CONCATENATED MODULE: ./src/files/safe-read.ts
// Files an input names are the user's, but their path may lead anywhere: to a FIFO that never
// ends, to /dev/zero, to a directory or to a file of gigabytes. Each is checked before it is opened,
// opened so that a FIFO cannot block, checked again through the opened descriptor (the path may
// have changed in between), and read no further than the cap of its kind.





const MiB = 2 ** 20;
/** The most bytes read of each kind of file: far above any real one, far below what hurts a runner. */
const FILE_LIMITS = {
    [Input.BudgetFile]: MiB,
    [Input.File]: 4 * MiB,
    [Input.Baseline]: 32 * MiB,
    [Input.Reports]: 32 * MiB,
    [Input.TrivyReport]: 64 * MiB,
    [Input.Trivyignores]: MiB
};
/** Why a file was not read, in the user's terms; `code` is the system's (ENOENT...) when it gave one. */
class UnreadableFileError extends Error {
    code;
    constructor(message, code) {
        super(message);
        this.code = code;
        this.name = 'UnreadableFileError';
    }
}
const READ_FLAGS = external_node_fs_.constants.O_RDONLY | (external_node_fs_.constants.O_NONBLOCK ?? 0) | (external_node_fs_.constants.O_NOCTTY ?? 0);
const CHUNK = 1 << 20;
const formatLimit = (bytes) => (bytes % MiB === 0 ? `${bytes / MiB} MiB` : size_formatSize(bytes));
function kindOf(stats) {
    if (stats.isSymbolicLink())
        return 'a symbolic link (links are not followed)';
    if (stats.isDirectory())
        return 'a directory';
    if (stats.isFIFO())
        return 'a named pipe (FIFO)';
    if (stats.isSocket())
        return 'a socket';
    if (stats.isCharacterDevice())
        return 'a character device';
    if (stats.isBlockDevice())
        return 'a block device';
    return 'not a regular file';
}
function checkRegular(stats, limit) {
    if (!stats.isFile())
        throw new UnreadableFileError(`${kindOf(stats)}, not a regular file`);
    if (limit !== undefined && stats.size > limit) {
        throw new UnreadableFileError(`${size_formatSize(stats.size)}, more than the ${formatLimit(limit)} such a file may hold`);
    }
}
const asUnreadable = (error) => {
    if (error instanceof UnreadableFileError)
        return error;
    const code = error.code;
    return new UnreadableFileError(code ?? error.message, code);
};
/** Reads at most `limit` bytes; a file that grew past it since it was checked is refused too. */
async function readAtMost(handle, limit, expected) {
    const chunks = [];
    let total = 0;
    for (;;) {
        const room = limit + 1 - total;
        const chunk = Buffer.allocUnsafe(Math.min(room, Math.max(expected - total + 1, CHUNK)));
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
        if (bytesRead === 0)
            break;
        chunks.push(chunk.subarray(0, bytesRead));
        total += bytesRead;
        if (total > limit)
            throw new UnreadableFileError(`grew past the ${formatLimit(limit)} such a file may hold while it was read`);
    }
    return Buffer.concat(chunks, total);
}
/** The text of a regular file of at most `limit` bytes; anything else is an UnreadableFileError. */
async function readRegularFile(file, limit) {
    try {
        checkRegular(await (0,promises_.stat)(file), limit);
        const handle = await (0,promises_.open)(file, READ_FLAGS);
        try {
            const opened = await handle.stat();
            checkRegular(opened, limit);
            return (await readAtMost(handle, limit, opened.size)).toString('utf8');
        }
        finally {
            await handle.close();
        }
    }
    catch (error) {
        throw asUnreadable(error);
    }
}
/** Reads the file an input names, with that input's cap; refusals name the input and its value. */
async function readInputFile(input, shown, file) {
    try {
        return await readRegularFile(file, FILE_LIMITS[input]);
    }
    catch (error) {
        throw new InputError(`Input "${input}": cannot read "${shown}" (${error.message})`);
    }
}
/** For files another program reads (buildx reads `secret-files`): they only have to be regular files. */
async function requireRegularFile(input, shown, file) {
    try {
        checkRegular(await (0,promises_.stat)(file));
    }
    catch (error) {
        throw new InputError(`Input "${input}": cannot use "${shown}" (${asUnreadable(error).message})`);
    }
}

;// CONCATENATED MODULE: ./src/shown.ts
/** A value as messages quote it: JSON, cut short (a hostile file's value may be megabytes long). */
function shownValue(value, length = 60) {
    if (value === undefined)
        return 'missing';
    const text = JSON.stringify(value) ?? String(value);
    return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

;// CONCATENATED MODULE: ./src/report/instruction.ts
// How a layer's history text is read, on both sides of a comparison: imports nothing, so that the
// report, the summary and the baseline agree on one reading.
/**
 * The instruction a history entry records, in one canonical form whoever wrote it: BuildKit's
 * `RUN |2 A=1 B=2 /bin/sh -c cmd # buildkit`, the classic builder's `/bin/sh -c #(nop) COPY ...`
 * and `/bin/sh -c cmd` all become `RUN cmd` or `COPY ...`. Layers of two images are paired by it:
 * a run reads its own Dockerfile's text, a registry baseline only the history, and the two must meet.
 */
function instructionKey(createdBy) {
    let text = createdBy.replace(/\s*# buildkit$/, '').trim();
    text = text.replace(/^\/bin\/sh -c #\(nop\)\s*/, '');
    text = text.replace(/^\/bin\/sh -c /, 'RUN ');
    text = text.replace(/^RUN \|\d+(?: \S+=\S*)* /, 'RUN ');
    text = text.replace(/^RUN \/bin\/sh -c /, 'RUN ');
    return text.replace(/\s+/g, ' ');
}

// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: external "node:stream"
var external_node_stream_ = __webpack_require__(7075);
// EXTERNAL MODULE: external "node:stream/promises"
var external_node_stream_promises_ = __webpack_require__(6466);
;// CONCATENATED MODULE: ./src/analysis/secret-files.ts
// Files in an image that hand out credentials. Names pick the candidates; the content of a few
// small candidates is read while the layer streams (see TarScanner's content capture).
const KEY_FILE = /(^|\/)(id_(rsa|dsa|ecdsa|ed25519)|[^/]+\.(pem|key))$/;
const ENV_FILE = /(^|\/)\.env(\.[^/]+)?$/;
const ENV_EXAMPLE = /\.(example|sample|template|dist|defaults)$/;
const NPMRC = /(^|\/)\.npmrc$/;
const PRIVATE_KEY = /-----BEGIN ((RSA|EC|DSA|OPENSSH|ENCRYPTED) )?PRIVATE KEY-----/;
const NPM_TOKEN = /(_authToken|_auth|_password)\s*=\s*\S+/;
/** Whether the scanner should hand out this file's content for a look. */
function isSecretCandidate(path) {
    // Asked of every file of every layer: a look at the basename's first characters and the
    // ending rules out nearly all of them before any regular expression runs.
    const base = path.lastIndexOf('/') + 1;
    if (path.charCodeAt(base) !== 0x2e && !path.startsWith('id_', base) && !path.endsWith('.pem') && !path.endsWith('.key'))
        return false;
    return NPMRC.test(path) || KEY_FILE.test(path) || (ENV_FILE.test(path) && !ENV_EXAMPLE.test(path));
}
function inspectSecretCandidate(path, content) {
    const text = content.toString('utf8');
    if (NPMRC.test(path))
        return NPM_TOKEN.test(text) ? { path, what: 'an npm auth token' } : undefined;
    if (PRIVATE_KEY.test(text))
        return { path, what: 'a private key' };
    if (ENV_FILE.test(path) && /^\s*[A-Za-z_][A-Za-z0-9_]*\s*=\s*\S/m.test(text))
        return { path, what: 'an environment file with values' };
    return undefined;
}

;// CONCATENATED MODULE: ./src/image/types.ts
// The parts of the OCI image spec (and Docker's v2 schema 2) that measuring reads.
const MediaType = {
    OciIndex: 'application/vnd.oci.image.index.v1+json',
    OciManifest: 'application/vnd.oci.image.manifest.v1+json',
    DockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
    DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json'
};
const INDEX_TYPES = [MediaType.OciIndex, MediaType.DockerList];
const MANIFEST_TYPES = [MediaType.OciManifest, MediaType.DockerManifest];
const DIGEST_PATTERN = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
/** Digests name files and URLs: anything else is refused before it is used as either. */
function checkDigest(digest) {
    if (!DIGEST_PATTERN.test(digest))
        throw new Error(`"${digest}" is not a valid content digest`);
    return digest;
}
function platformName(platform) {
    return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

;// CONCATENATED MODULE: ./src/image/image-kinds.ts
// What a manifest is: a platform's container image, an attestation stored beside one, or an OCI
// artifact that is no container image at all (a Helm chart, a signature, an SBOM).

/** Config media types of runnable container images. */
const IMAGE_CONFIG_TYPES = [
    'application/vnd.oci.image.config.v1+json',
    'application/vnd.docker.container.image.v1+json'
];
/** BuildKit 0.32 and later store attestations as OCI artifacts of this type, with a `subject`. */
const ATTESTATION_ARTIFACT_TYPE = 'application/vnd.docker.attestation.manifest.v1+json';
const IN_TOTO_LAYER = 'application/vnd.in-toto+json';
/**
 * An attestation as an index names it: BuildKit's `vnd.docker.reference.type` annotation, the
 * `unknown/unknown` platform of older BuildKit, or the artifact type of newer BuildKit.
 */
function isAttestationDescriptor(descriptor) {
    return (descriptor.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' ||
        descriptor.artifactType === ATTESTATION_ARTIFACT_TYPE ||
        (descriptor.platform?.os === 'unknown' && descriptor.platform.architecture === 'unknown'));
}
/** An attestation known by its manifest alone (when no index describes it). */
function isAttestationManifest(manifest) {
    if (manifest.artifactType === ATTESTATION_ARTIFACT_TYPE)
        return true;
    // Read before the manifest's fields are checked: anything not of the expected shape is no attestation.
    const layers = manifest.layers;
    return Array.isArray(layers) && layers.length > 0 && layers.every(layer => layer?.mediaType === IN_TOTO_LAYER);
}
/**
 * Why a manifest is not a container image, or undefined when it is one: its config (or artifact)
 * type says what it holds instead.
 */
function notAnImage(manifest) {
    const configType = typeof manifest.config?.mediaType === 'string' ? manifest.config.mediaType : '';
    if (IMAGE_CONFIG_TYPES.includes(configType) && (manifest.artifactType === undefined || manifest.artifactType === ''))
        return undefined;
    const kind = manifest.artifactType || configType || 'no config';
    const known = /helm/i.test(kind) ? ' (a Helm chart)' : '';
    return `an OCI artifact of type ${kind}${known}, not a container image`;
}
/** Classifies a JSON document by its media type, or by its shape when it names none (Docker's older writers). */
function manifestKind(document) {
    const mediaType = typeof document.mediaType === 'string' ? document.mediaType : '';
    if (INDEX_TYPES.includes(mediaType) || (mediaType === '' && Array.isArray(document.manifests)))
        return 'index';
    if (MANIFEST_TYPES.includes(mediaType) || (mediaType === '' && typeof document.config === 'object' && Array.isArray(document.layers))) {
        return 'manifest';
    }
    return 'other';
}

// EXTERNAL MODULE: external "node:zlib"
var external_node_zlib_ = __webpack_require__(8522);
// EXTERNAL MODULE: ./node_modules/fzstd/esm/index.mjs
var esm = __webpack_require__(8339);
;// CONCATENATED MODULE: ./src/image/decompress.ts




class UnsupportedLayerError extends Error {
}
/** A layer blob that does not decompress: corrupt, truncated, or asking for too much memory. */
class LayerDecompressError extends Error {
}
/** A layer's compression, from its media type (OCI `+gzip`/`+zstd`, Docker `.tar.gzip`, plain `tar`). */
function compressionOf(mediaType) {
    if (/(\+|\.)gzip$/.test(mediaType))
        return 'gzip';
    if (/(\+|\.)zstd$/.test(mediaType))
        return 'zstd';
    if (/(\.|\/)tar$|\.tar$|\.v1\.tar$/.test(mediaType) || mediaType.endsWith('.diff.tar'))
        return 'none';
    throw new UnsupportedLayerError(`unsupported layer media type "${mediaType}"`);
}
// One thread-pool round trip per output buffer: a large one halves the hand-offs of a layer that
// compresses well, and the tar scanner takes any size.
const ZLIB_CHUNK = 1024 * 1024;
/** The largest zstd window a layer may ask for: the default limit of zstd's own decoder (2^27). */
const MAX_ZSTD_WINDOW_LOG = 27;
const MAX_ZSTD_WINDOW = 2 ** MAX_ZSTD_WINDOW_LOG;
const ZSTD_MAX_BLOCK = 128 * 1024;
const ZSTD_MAGIC = 0xfd2fb528;
const decompress_MiB = 2 ** 20;
const mebibytes = (bytes) => (bytes >= 1024 * decompress_MiB ? `${+(bytes / 1024 / decompress_MiB).toFixed(1)} GiB` : `${+(bytes / decompress_MiB).toFixed(1)} MiB`);
var FrameState;
(function (FrameState) {
    FrameState[FrameState["Magic"] = 0] = "Magic";
    FrameState[FrameState["SkippableSize"] = 1] = "SkippableSize";
    FrameState[FrameState["Descriptor"] = 2] = "Descriptor";
    FrameState[FrameState["Header"] = 3] = "Header";
    FrameState[FrameState["BlockHeader"] = 4] = "BlockHeader";
    FrameState[FrameState["Skip"] = 5] = "Skip";
})(FrameState || (FrameState = {}));
/**
 * Walks the frames of a zstd stream by their headers, without decoding: it refuses a window
 * beyond MAX_ZSTD_WINDOW before a decoder allocates it, a dictionary a layer cannot come with, and
 * bytes that are not a frame (after the last one too). The work is per block, not per byte.
 */
class ZstdFrameCheck {
    state = FrameState.Magic;
    field = Buffer.alloc(16);
    fieldFill = 0;
    fieldSize = 4;
    skipBytes = 0;
    afterSkip = FrameState.Magic;
    descriptor = 0;
    frameStart = 0;
    /** Compressed bytes seen. */
    bytes = 0;
    check(chunk) {
        let pos = 0;
        while (pos < chunk.length) {
            if (this.state === FrameState.Skip) {
                const step = Math.min(this.skipBytes, chunk.length - pos);
                this.skipBytes -= step;
                pos += step;
                if (this.skipBytes === 0)
                    this.state = this.afterSkip;
                continue;
            }
            const step = Math.min(this.fieldSize - this.fieldFill, chunk.length - pos);
            this.field.set(chunk.subarray(pos, pos + step), this.fieldFill);
            this.fieldFill += step;
            pos += step;
            if (this.fieldFill === this.fieldSize) {
                this.fieldFill = 0;
                this.takeField(this.bytes + pos - this.fieldSize);
            }
        }
        this.bytes += chunk.length;
    }
    /** Checks that the stream stopped between frames. */
    end() {
        if (this.state !== FrameState.Magic || this.fieldFill > 0) {
            throw new LayerDecompressError(`the zstd stream ends inside the frame that starts at byte ${this.frameStart}: the layer blob is truncated`);
        }
    }
    expect(state, size) {
        this.state = state;
        this.fieldSize = size;
    }
    skip(bytes, then) {
        this.afterSkip = then;
        if (bytes === 0) {
            this.expect(then, then === FrameState.Magic ? 4 : 3);
            return;
        }
        this.state = FrameState.Skip;
        this.skipBytes = bytes;
        this.fieldSize = then === FrameState.Magic ? 4 : 3;
    }
    takeField(position) {
        const field = this.field;
        switch (this.state) {
            case FrameState.Magic: {
                this.frameStart = position;
                const magic = field.readUInt32LE(0);
                if (magic === ZSTD_MAGIC)
                    this.expect(FrameState.Descriptor, 1);
                else if ((magic & 0xfffffff0) >>> 0 === 0x184d2a50)
                    this.expect(FrameState.SkippableSize, 4);
                else
                    throw new LayerDecompressError(`the bytes at ${position} of the zstd stream are not a zstd frame`);
                return;
            }
            case FrameState.SkippableSize:
                this.skip(field.readUInt32LE(0), FrameState.Magic);
                return;
            case FrameState.Descriptor: {
                const descriptor = field[0];
                if (descriptor & 0x08)
                    throw new LayerDecompressError(`the zstd frame at byte ${this.frameStart} sets a reserved bit: the data is corrupt`);
                this.descriptor = descriptor;
                const singleSegment = (descriptor >> 5) & 1;
                const contentSizeFlag = descriptor >> 6;
                const size = (singleSegment ? 0 : 1) + [0, 1, 2, 4][descriptor & 3] + (contentSizeFlag ? 1 << contentSizeFlag : singleSegment);
                this.expect(FrameState.Header, size);
                return;
            }
            case FrameState.Header:
                this.checkFrameHeader();
                this.expect(FrameState.BlockHeader, 3);
                return;
            case FrameState.BlockHeader: {
                const header = field[0] | (field[1] << 8) | (field[2] << 16);
                const last = header & 1;
                const type = (header >> 1) & 3;
                const size = header >>> 3;
                if (type === 3 || size > ZSTD_MAX_BLOCK) {
                    throw new LayerDecompressError(`the zstd block at byte ${position} is invalid (type ${type}, ${size} bytes): the data is corrupt`);
                }
                const checksum = (this.descriptor >> 2) & 1;
                this.skip(type === 1 ? 1 : size, last ? FrameState.Magic : FrameState.BlockHeader);
                if (last && checksum)
                    this.skipChecksum();
                return;
            }
        }
    }
    /** A checksum of 4 bytes follows the last block: skipped once the block content is. */
    skipChecksum() {
        if (this.state === FrameState.Skip)
            this.skipBytes += 4;
        else
            this.skip(4, FrameState.Magic);
    }
    checkFrameHeader() {
        const descriptor = this.descriptor;
        const field = this.field;
        const singleSegment = (descriptor >> 5) & 1;
        let at = 0;
        let window = 0;
        if (!singleSegment) {
            const exponent = field[0] >> 3;
            const base = 2 ** (10 + exponent);
            window = base + (base / 8) * (field[0] & 7);
            at = 1;
        }
        const dictionaryBytes = [0, 1, 2, 4][descriptor & 3];
        let dictionary = 0;
        for (let i = dictionaryBytes - 1; i >= 0; i--)
            dictionary = dictionary * 256 + field[at + i];
        at += dictionaryBytes;
        if (dictionary !== 0) {
            throw new LayerDecompressError(`the zstd frame at byte ${this.frameStart} needs dictionary ${dictionary}, which a layer cannot come with`);
        }
        const contentSizeFlag = descriptor >> 6;
        const contentBytes = contentSizeFlag ? 1 << contentSizeFlag : singleSegment;
        let contentSize = 0;
        for (let i = contentBytes - 1; i >= 0; i--)
            contentSize = contentSize * 256 + field[at + i];
        if (contentSizeFlag === 1)
            contentSize += 256;
        // A single-segment frame is decoded in one buffer of its whole content.
        if (singleSegment)
            window = contentSize;
        if (window > MAX_ZSTD_WINDOW) {
            throw new LayerDecompressError(`the zstd frame at byte ${this.frameStart} needs a ${mebibytes(window)} window, beyond the ${mebibytes(MAX_ZSTD_WINDOW)} a decoder allows (zstd's default limit)`);
        }
    }
}
const FZSTD_MESSAGES = { 5: 'the zstd stream ends early: the layer blob is truncated' };
/** zstd through pure JS where Node's zlib lacks it (Node 20); fzstd decodes frame by frame. */
class PortableZstdDecompress extends external_node_stream_.Transform {
    frames = new ZstdFrameCheck();
    decoder = new esm/* Decompress */.YM((data) => {
        // fzstd may reuse its output window: copy what leaves it.
        this.push(Buffer.from(data));
    });
    _transform(chunk, _encoding, done) {
        try {
            this.frames.check(chunk);
            this.decoder.push(chunk);
            done();
        }
        catch (error) {
            done(this.describe(error));
        }
    }
    _flush(done) {
        try {
            this.frames.end();
            this.decoder.push(new Uint8Array(0), true);
            done();
        }
        catch (error) {
            done(this.describe(error));
        }
    }
    describe(error) {
        if (error instanceof LayerDecompressError)
            return error;
        const code = error.code;
        const known = typeof code === 'number' ? FZSTD_MESSAGES[code] : undefined;
        return new LayerDecompressError(known ?? `the zstd data is corrupt near compressed byte ${this.frames.bytes} (${error.message})`);
    }
}
/** Runs the frame check on the compressed bytes before they reach Node's own zstd decoder. */
class ZstdFrameGate extends external_node_stream_.Transform {
    frames = new ZstdFrameCheck();
    _transform(chunk, _encoding, done) {
        try {
            this.frames.check(chunk);
            done(null, chunk);
        }
        catch (error) {
            done(error);
        }
    }
    _flush(done) {
        try {
            this.frames.end();
            done();
        }
        catch (error) {
            done(error);
        }
    }
}
/** Gives zlib's errors (gzip, native zstd) a message that says what is wrong with the layer blob. */
function withClearErrors(decoder, format) {
    const destroy = decoder._destroy.bind(decoder);
    decoder._destroy = (error, callback) => {
        destroy(error, final => callback(final ? describeZlibError(final, format) : final));
    };
    return decoder;
}
function describeZlibError(error, format) {
    if (error instanceof LayerDecompressError)
        return error;
    const code = error.code;
    if (code === 'Z_BUF_ERROR')
        return new LayerDecompressError(`the ${format} stream ends early (${error.message}): the layer blob is truncated`);
    if (code === undefined || !/^(Z_|ZSTD_)/.test(code))
        return error;
    const what = error.message === 'incorrect header check'
        ? `the layer blob is not ${format} data, or has bytes after its end that are not`
        : `the ${format} data of the layer blob is corrupt`;
    return new LayerDecompressError(`${what} (${error.message})`);
}
// In Node since 16.9, missing from the types of Node 20.
const compose = external_node_stream_.compose;
const nativeZstd = external_node_zlib_.createZstdDecompress;
const windowLogMax = external_node_zlib_.constants.ZSTD_d_windowLogMax;
/** The transform that turns a layer blob into its tar stream, or undefined for an uncompressed layer. */
function decompressor(compression) {
    switch (compression) {
        case 'gzip':
            return withClearErrors(external_node_zlib_.createGunzip({ chunkSize: ZLIB_CHUNK }), 'gzip');
        case 'zstd': {
            if (!nativeZstd)
                return new PortableZstdDecompress();
            const params = windowLogMax === undefined ? undefined : { [windowLogMax]: MAX_ZSTD_WINDOW_LOG };
            return compose(new ZstdFrameGate(), withClearErrors(nativeZstd({ chunkSize: ZLIB_CHUNK, params }), 'zstd'));
        }
        case 'none':
            return undefined;
    }
}

;// CONCATENATED MODULE: ./src/image/utf8.ts
// Short names written as UTF-8 bytes, in the loops that write a million of them.
/**
 * Writes text into `buffer` at `at` as UTF-8 and returns where it ends. The buffer must have room
 * for 3 bytes a UTF-16 unit of the text.
 */
function writeUtf8(buffer, at, text) {
    const length = text.length;
    // Names are nearly always short and ASCII: a loop is quicker than a call to the encoder for them.
    if (length > 64)
        return at + buffer.write(text, at, 'utf8');
    for (let index = 0; index < length; index++) {
        const code = text.charCodeAt(index);
        if (code >= 0x80)
            return at + index + buffer.write(text.slice(index), at + index, 'utf8');
        buffer[at + index] = code;
    }
    return at + length;
}

;// CONCATENATED MODULE: ./src/image/tree-store.ts
// The nodes of a filesystem tree, kept compact enough for a million files in a few tens of MB.
//
// A Map per directory costs about 80 bytes an entry in V8 (the Map's slots and the name as a
// string of its own). Here a node is an integer id into columns of typed arrays; names are UTF-8
// bytes packed into one buffer; and one open-addressing hash table, shared by all directories,
// finds a child by its parent and name. The children of a directory form a list in the order they
// were added, as a Map iterates. About 31 bytes a node remain, plus its name and its table slots.

/** No node: the end of a list, an empty slot. */
const NONE = -1;
/** The root directory's id. */
const ROOT = 0;
const DIRECTORY = 1;
/** Taken out of its directory: no longer found by name, and skipped (then unlinked) by walks. */
const DETACHED = 2;
const SLASH = 0x2f;
const INITIAL_NODES = 1024;
const INITIAL_NAME_BYTES = 64 * 1024;
/** The table grows past half full, so that probes stay short. */
const MAX_LOAD = 0.5;
class TreeStore {
    /** A file's size; a directory has none of its own and keeps its last child here instead. */
    sizes = new Float64Array(INITIAL_NODES);
    layerOf = new Uint16Array(INITIAL_NODES);
    flags = new Uint8Array(INITIAL_NODES);
    parents = new Int32Array(INITIAL_NODES);
    /** Where the node's name starts in `names`: a length (7 bits a byte, lowest first), then the bytes. */
    nameStarts = new Uint32Array(INITIAL_NODES);
    /** The next sibling in the directory's list. */
    nexts = new Int32Array(INITIAL_NODES);
    /** A directory's first child; a file's owner plus one (0: none). */
    heads = new Int32Array(INITIAL_NODES);
    /** The hash of the node's parent and name: the table grows and moves entries without reading names again. */
    hashes = new Uint32Array(INITIAL_NODES);
    count = 0;
    names = Buffer.allocUnsafe(INITIAL_NAME_BYTES);
    namesUsed = 0;
    /** The length of the name `nameAt` read last. */
    nameLength = 0;
    /** The hash `slotOf` computed last. */
    lastHash = 0;
    /** The empty slot where the name `child` last missed would go, while the table has not changed since; else NONE. */
    missSlot = NONE;
    missParent = NONE;
    missStart = 0;
    missEnd = 0;
    /** Counts directories taken out or replaced: a directory id held since the count last changed still stands. */
    directoriesChanged = 0;
    slots = new Int32Array(INITIAL_NODES * 2).fill(NONE);
    slotsUsed = 0;
    /** Seeds the hash per tree, so that names cannot be chosen ahead to collide. */
    seed = (Math.random() * 0x100000000) >>> 0;
    /** The bytes being looked up: a path or a name, encoded once as UTF-8. */
    key = Buffer.allocUnsafe(4096);
    constructor() {
        this.newNode(0, true, this.storeName(0, 0));
        this.parents[ROOT] = NONE;
    }
    // --- columns --------------------------------------------------------------------------------
    isDirectory(id) {
        return (this.flags[id] & DIRECTORY) !== 0;
    }
    isDetached(id) {
        return (this.flags[id] & DETACHED) !== 0;
    }
    size(id) {
        return this.sizes[id];
    }
    setSize(id, size) {
        this.sizes[id] = size;
    }
    layer(id) {
        return this.layerOf[id];
    }
    setLayer(id, layer) {
        this.layerOf[id] = layer;
    }
    /** A file's owner (see OverlayFilesystem.setOwner), -1 for none. */
    owner(id) {
        return this.heads[id] - 1;
    }
    setOwner(id, owner) {
        this.heads[id] = owner + 1;
    }
    // --- keys -----------------------------------------------------------------------------------
    /** Puts a string into `key` as UTF-8 and returns its length in bytes. */
    encode(text) {
        const length = text.length;
        if (length * 3 > this.key.length)
            this.key = Buffer.allocUnsafe(length * 3);
        return writeUtf8(this.key, 0, text);
    }
    /** Where the next `/` of the key is from `start`, or `end`. */
    nextSlash(start, end) {
        const slash = this.key.indexOf(SLASH, start);
        return slash < 0 || slash > end ? end : slash;
    }
    // --- names ----------------------------------------------------------------------------------
    /** Where a node's name bytes start; `nameLength` is set to how many there are. */
    nameAt(id) {
        let at = this.nameStarts[id];
        let byte = this.names[at++];
        let length = byte & 0x7f;
        for (let scale = 0x80; byte >= 0x80; scale *= 0x80) {
            byte = this.names[at++];
            length += (byte & 0x7f) * scale;
        }
        this.nameLength = length;
        return at;
    }
    nameOf(id) {
        const start = this.nameAt(id);
        // Buffer#toString checks its arguments and makes a view before it decodes: a walk of a
        // million names feels that, so it decodes at once.
        return this.names.utf8Slice(start, start + this.nameLength);
    }
    /** The path of a node from the root, joined as walks join it: an empty name at the top adds no slash. */
    pathOf(id) {
        const names = [];
        for (let node = id; node !== ROOT; node = this.parents[node])
            names.push(this.nameOf(node));
        let path = '';
        for (let index = names.length - 1; index >= 0; index--)
            path = path === '' ? names[index] : `${path}/${names[index]}`;
        return path;
    }
    storeName(start, end) {
        const needed = this.namesUsed + (end - start) + 5;
        if (needed > this.names.length) {
            const grown = Buffer.allocUnsafe(Math.max(needed, this.names.length * 2));
            // TypedArray#set copies at memory speed; Buffer#copy does not for large buffers.
            grown.set(this.names.subarray(0, this.namesUsed));
            this.names = grown;
        }
        const at = this.namesUsed;
        let cursor = at;
        let length = end - start;
        while (length >= 0x80) {
            this.names[cursor++] = (length & 0x7f) | 0x80;
            length = Math.floor(length / 0x80);
        }
        this.names[cursor++] = length;
        // Buffer#copy costs more than a loop over a name's few bytes.
        const names = this.names;
        const key = this.key;
        for (let index = start; index < end; index++)
            names[cursor++] = key[index];
        this.namesUsed = cursor;
        return at;
    }
    // --- the table of children ------------------------------------------------------------------
    hash(parent, bytes, start, end) {
        let hash = Math.imul(this.seed ^ parent, 0x9e3779b1);
        let index = start;
        // Four bytes a step: each step waits on the one before, so fewer steps is what makes it quick.
        for (; index + 4 <= end; index += 4) {
            hash = Math.imul(hash ^ (bytes[index] | (bytes[index + 1] << 8) | (bytes[index + 2] << 16) | (bytes[index + 3] << 24)), 0x01000193);
            hash ^= hash >>> 15;
        }
        for (; index < end; index++) {
            hash = Math.imul(hash ^ bytes[index], 0x01000193);
            hash ^= hash >>> 15;
        }
        hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
        return (hash ^ (hash >>> 13)) >>> 0;
    }
    nameIs(id, start, end) {
        let at = this.nameAt(id);
        if (this.nameLength !== end - start)
            return false;
        const names = this.names;
        const key = this.key;
        for (let index = start; index < end; index++)
            if (names[at++] !== key[index])
                return false;
        return true;
    }
    /** The slot that holds the child of `parent` named by key bytes `start`..`end`, or the empty slot where it would go. */
    slotOf(parent, start, end) {
        const mask = this.slots.length - 1;
        const hash = this.hash(parent, this.key, start, end);
        this.lastHash = hash;
        let slot = hash & mask;
        for (;;) {
            const id = this.slots[slot];
            if (id === NONE || (this.hashes[id] === hash && this.parents[id] === parent && this.nameIs(id, start, end)))
                return slot;
            slot = (slot + 1) & mask;
        }
    }
    /** The slot of an attached node. */
    slotHolding(id) {
        const mask = this.slots.length - 1;
        let slot = this.hashes[id] & mask;
        while (this.slots[slot] !== id)
            slot = (slot + 1) & mask;
        return slot;
    }
    /** The child of `parent` that key bytes `start`..`end` name, or NONE. */
    child(parent, start, end) {
        const slot = this.slotOf(parent, start, end);
        const id = this.slots[slot];
        if (id === NONE) {
            // Nearly every miss is followed by adding that name: the probe need not be made twice.
            this.missSlot = slot;
            this.missParent = parent;
            this.missStart = start;
            this.missEnd = end;
        }
        return id;
    }
    /** The child of `parent` named `name`, or NONE. */
    childNamed(parent, name) {
        return this.child(parent, 0, this.encode(name));
    }
    growSlots() {
        const old = this.slots;
        this.missSlot = NONE;
        this.slots = new Int32Array(old.length * 2).fill(NONE);
        const mask = this.slots.length - 1;
        for (const id of old) {
            if (id === NONE)
                continue;
            let slot = this.hashes[id] & mask;
            while (this.slots[slot] !== NONE)
                slot = (slot + 1) & mask;
            this.slots[slot] = id;
        }
    }
    /** Empties a slot, moving later entries of its probe run back so that every entry stays reachable. */
    clearSlot(slot) {
        const mask = this.slots.length - 1;
        let hole = slot;
        let next = (slot + 1) & mask;
        while (this.slots[next] !== NONE) {
            const home = this.hashes[this.slots[next]] & mask;
            // An entry may fill the hole unless its home lies after the hole, up to where it sits.
            if (((next - home) & mask) >= ((next - hole) & mask)) {
                this.slots[hole] = this.slots[next];
                hole = next;
            }
            next = (next + 1) & mask;
        }
        this.slots[hole] = NONE;
        this.slotsUsed--;
        this.missSlot = NONE;
    }
    // --- nodes ----------------------------------------------------------------------------------
    newNode(layer, directory, nameStart) {
        if (this.count === this.sizes.length)
            this.growNodes();
        const id = this.count++;
        this.sizes[id] = directory ? NONE : 0;
        this.layerOf[id] = layer;
        this.flags[id] = directory ? DIRECTORY : 0;
        this.nameStarts[id] = nameStart;
        this.nexts[id] = NONE;
        this.heads[id] = directory ? NONE : 0;
        return id;
    }
    growNodes() {
        const length = this.sizes.length * 2;
        const grow = (column, make) => {
            const grown = make(length);
            grown.set(column);
            return grown;
        };
        this.sizes = grow(this.sizes, n => new Float64Array(n));
        this.layerOf = grow(this.layerOf, n => new Uint16Array(n));
        this.flags = grow(this.flags, n => new Uint8Array(n));
        this.parents = grow(this.parents, n => new Int32Array(n));
        this.nameStarts = grow(this.nameStarts, n => new Uint32Array(n));
        this.nexts = grow(this.nexts, n => new Int32Array(n));
        this.heads = grow(this.heads, n => new Int32Array(n));
        this.hashes = grow(this.hashes, n => new Uint32Array(n));
    }
    /** Adds a child named by key bytes `start`..`end`, last in its parent's list; there must be none of that name. */
    add(parent, start, end, layer, directory) {
        const missed = this.missSlot >= 0 && this.missParent === parent && this.missStart === start && this.missEnd === end;
        const slot = missed ? this.missSlot : this.slotOf(parent, start, end);
        this.missSlot = NONE;
        const id = this.newNode(layer, directory, this.storeName(start, end));
        this.parents[id] = parent;
        this.hashes[id] = this.lastHash;
        this.slots[slot] = id;
        this.slotsUsed++;
        const last = this.sizes[parent];
        if (last === NONE)
            this.heads[parent] = id;
        else
            this.nexts[last] = id;
        this.sizes[parent] = id;
        if (this.slotsUsed > this.slots.length * MAX_LOAD)
            this.growSlots();
        return id;
    }
    /** Puts a new node in the place of an attached one, under its name and at its place in the list; detaches the old one. */
    replace(old, layer, directory) {
        const parent = this.parents[old];
        const slot = this.slotHolding(old);
        const id = this.newNode(layer, directory, this.nameStarts[old]);
        this.parents[id] = parent;
        this.hashes[id] = this.hashes[old];
        this.slots[slot] = id;
        this.nexts[id] = this.nexts[old];
        this.nexts[old] = id;
        if (this.sizes[parent] === old)
            this.sizes[parent] = id;
        if (this.isDirectory(old))
            this.directoriesChanged++;
        this.flags[old] |= DETACHED;
        return id;
    }
    /** Takes a node out of its directory: it is no longer found, and walks pass it by. */
    detach(id) {
        this.clearSlot(this.slotHolding(id));
        if (this.isDirectory(id))
            this.directoriesChanged++;
        this.flags[id] |= DETACHED;
    }
    // --- walks ----------------------------------------------------------------------------------
    /** A directory's first attached child, or NONE; detached ones before it leave the list on the way. */
    firstChild(directory) {
        let id = this.heads[directory];
        while (id !== NONE && this.isDetached(id))
            id = this.nexts[id];
        this.heads[directory] = id;
        if (id === NONE)
            this.sizes[directory] = NONE;
        return id;
    }
    /** The attached sibling after an attached child, or NONE; detached ones between leave the list on the way. */
    nextChild(directory, child) {
        let id = this.nexts[child];
        while (id !== NONE && this.isDetached(id))
            id = this.nexts[id];
        this.nexts[child] = id;
        if (id === NONE)
            this.sizes[directory] = child;
        return id;
    }
}

;// CONCATENATED MODULE: ./src/image/filesystem.ts
// The final filesystem of an image, built layer by layer from tar entries as overlayfs would:
// a later version of a path hides the earlier one, `.wh.<name>` removes a path of lower layers and
// `.wh..wh..opq` empties a directory of what lower layers put there. Every hidden version of a
// regular file is counted once as waste; the visible version never is.
//
// Memory matters (an image may hold a million files): the tree is kept in a TreeStore, where a
// path is an integer id into typed arrays and names are packed bytes.

const WHITEOUT_PREFIX = '.wh.';
/** Layer indexes are kept in 16 bits; Docker itself stops at 127 layers. */
const MAX_LAYERS = 0xffff;
const OPAQUE_MARKER = '.wh..wh..opq';
/** What a layer says about one path: the kinds a tar entry can be, plus the two whiteout kinds. */
var EntryKind;
(function (EntryKind) {
    EntryKind[EntryKind["File"] = 0] = "File";
    EntryKind[EntryKind["Hardlink"] = 1] = "Hardlink";
    EntryKind[EntryKind["Symlink"] = 2] = "Symlink";
    EntryKind[EntryKind["Directory"] = 3] = "Directory";
    EntryKind[EntryKind["Other"] = 4] = "Other";
    EntryKind[EntryKind["Whiteout"] = 5] = "Whiteout";
    EntryKind[EntryKind["Opaque"] = 6] = "Opaque";
})(EntryKind || (EntryKind = {}));
function entryKind(type, path) {
    // Called for every entry of every layer: the basename is looked at in place, not sliced out.
    const base = path.lastIndexOf('/') + 1;
    if (path.startsWith(WHITEOUT_PREFIX, base)) {
        return path.length - base === OPAQUE_MARKER.length && path.endsWith(OPAQUE_MARKER) ? EntryKind.Opaque : EntryKind.Whiteout;
    }
    switch (type) {
        case 'file':
            return EntryKind.File;
        case 'hardlink':
            return EntryKind.Hardlink;
        case 'symlink':
            return EntryKind.Symlink;
        case 'directory':
            return EntryKind.Directory;
        default:
            return EntryKind.Other;
    }
}
/** Keeps the largest items seen, up to a limit, without keeping the others. */
class TopList {
    limit;
    weight;
    items = [];
    constructor(limit, weight) {
        this.limit = limit;
        this.weight = weight;
    }
    /** Whether an item of this weight would be kept: lets callers skip building the item. */
    wants(weight) {
        if (this.items.length < this.limit)
            return true;
        return this.items.length > 0 && weight > this.weight(this.items[this.items.length - 1]);
    }
    add(item) {
        const weight = this.weight(item);
        if (!this.wants(weight))
            return;
        let index = this.items.length;
        while (index > 0 && this.weight(this.items[index - 1]) < weight)
            index--;
        this.items.splice(index, 0, item);
        if (this.items.length > this.limit)
            this.items.pop();
    }
}
function normalizeLink(linkName) {
    return linkName.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
}
class OverlayFilesystem {
    tree = new TreeStore();
    walked = { bytes: Buffer.allocUnsafe(256), length: 0, directories: [], ends: [], changes: -1 };
    /**
     * Targets of symbolic links near the root (`bin -> usr/bin`, `lib64 -> usr/lib64`): package
     * databases name paths through them. Deeper links are not kept, so that memory stays bounded.
     */
    shallowLinks = new Map();
    /** Hard links by the file whose content they share (links are rare: a Map is enough). */
    linksTo = new Map();
    /** Bytes of file versions that no longer show in the filesystem. */
    wastedBytes = 0;
    /** Those bytes by the layer that wrote them and the layer that hid them (`writtenBy * 65536 + hiddenBy`). */
    wasteByLayers = new Map();
    topWaste;
    constructor(topCount = 10) {
        this.topWaste = new TopList(topCount, item => item.size);
    }
    /** Counts a file version as hidden by layer `hiddenBy`; the caller takes it out of the tree. */
    hide(id, hiddenBy) {
        const tree = this.tree;
        const size = tree.size(id);
        if (size === 0)
            return;
        // Content that a visible hard link still reaches is not wasted: the link takes it over.
        const links = this.linksTo.get(id);
        if (links !== undefined) {
            this.linksTo.delete(id);
            const heir = links.findIndex(link => link !== id && !tree.isDetached(link));
            if (heir >= 0) {
                const [heirId] = links.splice(heir, 1);
                tree.setSize(heirId, size);
                if (links.length > 0)
                    this.linksTo.set(heirId, links);
                return;
            }
        }
        this.wastedBytes += size;
        const writtenBy = tree.layer(id);
        const pair = writtenBy * 0x10000 + hiddenBy;
        this.wasteByLayers.set(pair, (this.wasteByLayers.get(pair) ?? 0) + size);
        if (this.topWaste.wants(size))
            this.topWaste.add({ path: tree.pathOf(id), size, writtenBy, hiddenBy });
    }
    /**
     * Hides everything below a directory that lower layers put there; returns whether it is now empty.
     * The walk keeps its own stack: a layer may nest directories deeper than the call stack goes.
     */
    hideLower(directory, layer) {
        const tree = this.tree;
        const directories = [directory];
        // The child each directory of the stack visits next, found before the one before it is taken out.
        const nexts = [tree.firstChild(directory)];
        while (directories.length > 0) {
            const top = directories.length - 1;
            const current = directories[top];
            const child = nexts[top];
            if (child === NONE) {
                directories.pop();
                nexts.pop();
                if (top > 0 && tree.firstChild(current) === NONE && tree.layer(current) < layer)
                    tree.detach(current);
                continue;
            }
            nexts[top] = tree.nextChild(current, child);
            if (tree.isDirectory(child)) {
                directories.push(child);
                nexts.push(tree.firstChild(child));
            }
            else
                this.hideFile(child, layer);
        }
        return tree.firstChild(directory) === NONE;
    }
    hideFile(id, layer) {
        if (this.tree.layer(id) < layer) {
            this.hide(id, layer);
            this.tree.detach(id);
        }
    }
    /**
     * The directory that holds the path in `tree.key` bytes 0..`end`, made as needed; `nameStart` is
     * where the last name starts. A missing parent is implied by its child; a file in the way is
     * replaced by the directory.
     */
    parentOf(end, layer) {
        const tree = this.tree;
        const key = tree.key;
        let directory = ROOT;
        let start = 0;
        let depth = 0;
        let shared = 0;
        // A tar lists a folder's entries together: the directories of the last path are found again
        // without a lookup, as far as the two paths share names and no directory has gone since.
        if (this.walked.changes === tree.directoriesChanged) {
            const walked = this.walked;
            const limit = Math.min(end, walked.length);
            while (shared < limit && key[shared] === walked.bytes[shared])
                shared++;
            while (depth < walked.ends.length && walked.ends[depth] < shared) {
                directory = walked.directories[depth];
                start = walked.ends[depth] + 1;
                depth++;
            }
        }
        const walked = this.walked;
        walked.directories.length = depth;
        walked.ends.length = depth;
        for (;;) {
            const slash = tree.nextSlash(start, end);
            if (slash === end)
                break;
            let child = tree.child(directory, start, slash);
            if (child === NONE)
                child = tree.add(directory, start, slash, layer, true);
            else if (!tree.isDirectory(child)) {
                this.hide(child, layer);
                child = tree.replace(child, layer, true);
            }
            walked.directories.push(child);
            walked.ends.push(slash);
            directory = child;
            start = slash + 1;
        }
        if (walked.bytes.length < start) {
            const grown = Buffer.allocUnsafe(Math.max(start, walked.bytes.length * 2));
            walked.bytes.copy(grown, 0, 0, walked.length);
            walked.bytes = grown;
        }
        // The bytes the two paths share are there already; a loop beats Buffer#copy for the few others.
        const bytes = walked.bytes;
        for (let index = shared; index < start; index++)
            bytes[index] = key[index];
        walked.length = start;
        walked.changes = tree.directoriesChanged;
        return { parent: directory, nameStart: start };
    }
    /** The node a path names, or NONE. */
    lookup(path) {
        const names = path.split('/');
        const { node, used } = this.find(names);
        return used === names.length ? node : NONE;
    }
    /** Follows names from the root as far as directories go: the node reached, and how many names that took. */
    find(names) {
        let node = ROOT;
        let used = 0;
        for (; used < names.length; used++) {
            if (!this.tree.isDirectory(node))
                break;
            node = this.tree.childNamed(node, names[used]);
            if (node === NONE)
                break;
        }
        return { node, used };
    }
    /**
     * The file a path names, following the links kept near the root as the kernel would (a link's
     * target is relative to its folder); undefined when the path shows no file.
     */
    resolveFile(path) {
        let names = path.split('/');
        for (let hops = 0; hops < 16; hops++) {
            const { node, used } = this.find(names);
            if (node === NONE)
                return undefined;
            // A link near the root named last stands for a folder (`/bin` on a merged /usr): no package owns it.
            if (used === names.length)
                return !this.tree.isDirectory(node) && !this.shallowLinks.has(node) ? node : undefined;
            const target = this.shallowLinks.get(node);
            if (target === undefined)
                return undefined;
            const folder = names.slice(0, used - 1);
            const joined = target.startsWith('/') ? target.split('/') : [...folder, ...target.split('/')];
            const resolved = [];
            for (const name of [...joined, ...names.slice(used)]) {
                if (name === '' || name === '.')
                    continue;
                if (name === '..')
                    resolved.pop();
                else
                    resolved.push(name);
            }
            names = resolved;
        }
        return undefined;
    }
    /**
     * Makes `owner` the owner of the visible file at `path` (through links near the root), unless
     * it has one already: the first database to claim a file keeps it. Returns whether it did.
     */
    setOwner(path, owner) {
        const id = this.resolveFile(path);
        if (id === undefined || this.tree.owner(id) >= 0)
            return false;
        this.tree.setOwner(id, owner);
        return true;
    }
    /** The layer whose version of a file is visible, or undefined when the path shows no file. */
    visibleLayer(path) {
        const node = this.lookup(path);
        return node !== NONE && !this.tree.isDirectory(node) ? this.tree.layer(node) : undefined;
    }
    /**
     * Applies one entry of layer `layer` (layers are applied in order, lowest first). `linkName` is
     * the target of a hard link, as the tar records it.
     */
    apply(path, kind, size, layer, linkName = '') {
        if (path === '')
            return;
        if (layer >= MAX_LAYERS)
            throw new RangeError(`an image of more than ${MAX_LAYERS} layers cannot be measured (layer ${layer + 1})`);
        const tree = this.tree;
        const end = tree.encode(path);
        const { parent, nameStart } = this.parentOf(end, layer);
        if (kind === EntryKind.Opaque) {
            this.hideLower(parent, layer);
            return;
        }
        if (kind === EntryKind.Whiteout) {
            const target = tree.child(parent, nameStart + WHITEOUT_PREFIX.length, end);
            if (target === NONE)
                return;
            if (!tree.isDirectory(target))
                this.hideFile(target, layer);
            else if (this.hideLower(target, layer) && tree.layer(target) < layer)
                tree.detach(target);
            return;
        }
        const existing = tree.child(parent, nameStart, end);
        if (kind === EntryKind.Directory) {
            if (existing === NONE)
                tree.add(parent, nameStart, end, layer, true);
            else if (!tree.isDirectory(existing)) {
                this.hide(existing, layer);
                tree.replace(existing, layer, true);
            }
            else
                tree.setLayer(existing, layer);
            return;
        }
        let id;
        if (existing === NONE)
            id = tree.add(parent, nameStart, end, layer, false);
        else {
            if (!tree.isDirectory(existing))
                this.hide(existing, layer);
            else
                this.hideLower(existing, layer + 1);
            id = tree.replace(existing, layer, false);
        }
        if (kind === EntryKind.File)
            tree.setSize(id, size);
        if (kind === EntryKind.Symlink && linkName !== '' && path.indexOf('/', path.indexOf('/') + 1) < 0)
            this.shallowLinks.set(id, linkName);
        if (kind === EntryKind.Hardlink) {
            const target = this.lookup(normalizeLink(linkName));
            if (target !== NONE && !tree.isDirectory(target)) {
                const links = this.linksTo.get(target);
                if (links)
                    links.push(id);
                else
                    this.linksTo.set(target, [id]);
            }
        }
    }
    /**
     * The visible files and directories with the most bytes, and the visible total, in one walk of
     * the tree. `visit`, when given, sees every visible path on the way (folders end with `/`): the
     * smells need every path, the lists only a few, so paths are built only when someone needs them.
     */
    largest(count = 10, visit) {
        const tree = this.tree;
        const files = new TopList(count, item => item.size);
        const directories = new TopList(count, item => item.size);
        // Sizes add up from the leaves: each frame collects its children's, then hands its total up.
        const root = { path: '', directory: ROOT, next: tree.firstChild(ROOT), size: 0, files: 0 };
        const stack = [root];
        while (stack.length > 0) {
            const frame = stack[stack.length - 1];
            const child = frame.next;
            if (child === NONE) {
                stack.pop();
                const parent = stack[stack.length - 1];
                if (parent === undefined)
                    continue;
                parent.size += frame.size;
                parent.files += frame.files;
                if (directories.wants(frame.size))
                    directories.add({ path: frame.path, size: frame.size, files: frame.files, node: frame.directory });
                continue;
            }
            frame.next = tree.nextChild(frame.directory, child);
            if (!tree.isDirectory(child)) {
                const childSize = tree.size(child);
                frame.size += childSize;
                frame.files++;
                const wanted = childSize > 0 && files.wants(childSize);
                if (!wanted && visit === undefined)
                    continue;
                const childPath = frame.path === '' ? tree.nameOf(child) : `${frame.path}/${tree.nameOf(child)}`;
                visit?.(childPath, childSize, tree.layer(child), tree.owner(child));
                if (wanted)
                    files.add({ path: childPath, size: childSize, layer: tree.layer(child) });
            }
            else {
                const childPath = frame.path === '' ? tree.nameOf(child) : `${frame.path}/${tree.nameOf(child)}`;
                visit?.(`${childPath}/`, 0, tree.layer(child), -1);
                stack.push({ path: childPath, directory: child, next: tree.firstChild(child), size: 0, files: 0 });
            }
        }
        return {
            files: files.items,
            directories: directories.items.map(item => ({
                path: item.path,
                size: item.size,
                files: item.files,
                layer: this.mainLayer(item.node)
            })),
            visibleBytes: root.size,
            visibleFiles: root.files
        };
    }
    mainLayer(directory) {
        const tree = this.tree;
        const bytes = new Map();
        const directories = [directory];
        const nexts = [tree.firstChild(directory)];
        while (directories.length > 0) {
            const top = directories.length - 1;
            const child = nexts[top];
            if (child === NONE) {
                directories.pop();
                nexts.pop();
                continue;
            }
            nexts[top] = tree.nextChild(directories[top], child);
            if (tree.isDirectory(child)) {
                directories.push(child);
                nexts.push(tree.firstChild(child));
            }
            else
                bytes.set(tree.layer(child), (bytes.get(tree.layer(child)) ?? 0) + tree.size(child));
        }
        let best = tree.layer(directory);
        let most = -1;
        for (const [layer, size] of bytes) {
            if (size > most) {
                best = layer;
                most = size;
            }
        }
        return best;
    }
    /** Visits every visible path with its size and layer (folders end with `/`). */
    forEachFile(visit) {
        this.largest(0, visit);
    }
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: external "node:string_decoder"
var external_node_string_decoder_ = __webpack_require__(6193);
// EXTERNAL MODULE: external "node:events"
var external_node_events_ = __webpack_require__(8474);
;// CONCATENATED MODULE: ./src/image/packages.ts
// Package databases read while a layer streams: what each layer says was installed, and which
// files each package owns. Read from the layer's tar in the same pass that measures it, each file
// within its own bound, and kept in the layer store beside the entries (see layer-store.ts).
//
// - dpkg: `var/lib/dpkg/status` (installed packages, versions) and `var/lib/dpkg/info/*.list`
//   (the paths of each package);
// - apk: `lib/apk/db/installed` (packages with their files);
// - npm: `package.json` files, those of packages (`node_modules/<name>/package.json`) and those of
//   applications (every other one), for names, versions and which dependencies are dev only;
// - Python: `*.dist-info/RECORD` (the files of a distribution) and the head of `METADATA`;
// - Go: the build information Go links into executables (the main module and its version).
// rpm databases (SQLite or Berkeley DB) are not read: that needs a native library.


const DPKG_STATUS = 'var/lib/dpkg/status';
const DPKG_INFO = 'var/lib/dpkg/info/';
const APK_INSTALLED = 'lib/apk/db/installed';
const DIST_INFO_FILE = /^(.*\/(?:site|dist)-packages\/[^/]+\.dist-info)\/(RECORD|METADATA)$/;
/** Bounds of what one layer's databases may hold: beyond them a file is passed over, and said so. */
const PACKAGE_LIMITS = {
    /** Bytes of one database file read line by line (a dpkg status of thousands of packages is a few MB). */
    databaseBytes: 64 << 20,
    /** Bytes of one package.json. */
    manifestBytes: 1 << 20,
    /** Bytes read of a METADATA file: its headers come first. */
    metadataBytes: 64 << 10,
    /** Paths of all databases of one layer together. */
    paths: 2_000_000,
    /** package.json files of one layer. */
    manifests: 50_000,
    /** Executables of one layer searched for Go build information, and the smallest searched. */
    executables: 5_000,
    executableMinBytes: 256 << 10
};
const MAX_LINE = 1 << 20;
/** Reads a file's lines as it streams, up to a byte bound; `done` learns whether it was all read. */
class LineSink {
    limit;
    onLine;
    done;
    decoder = new external_node_string_decoder_.StringDecoder('utf8');
    rest = '';
    bytes = 0;
    over = false;
    constructor(limit, onLine, done) {
        this.limit = limit;
        this.onLine = onLine;
        this.done = done;
    }
    write(chunk) {
        if (this.over)
            return;
        this.bytes += chunk.length;
        if (this.bytes > this.limit) {
            this.over = true;
            return;
        }
        const text = this.rest + this.decoder.write(chunk);
        let start = 0;
        for (let end = text.indexOf('\n', start); end >= 0; end = text.indexOf('\n', start)) {
            this.onLine(text.slice(start, end));
            start = end + 1;
        }
        this.rest = text.slice(start);
        // A line without end would be copied again with every chunk: no database has lines this long.
        if (this.rest.length > MAX_LINE)
            this.over = true;
    }
    end() {
        if (!this.over) {
            const last = this.rest + this.decoder.end();
            if (last !== '')
                this.onLine(last);
        }
        this.done(!this.over);
    }
}
/** Keeps a file's first `limit` bytes (or, with `whole`, the file only when it fits). */
class HeadSink {
    limit;
    whole;
    done;
    chunks = [];
    bytes = 0;
    over = false;
    constructor(limit, whole, done) {
        this.limit = limit;
        this.whole = whole;
        this.done = done;
    }
    write(chunk) {
        if (this.over)
            return;
        const take = Math.min(chunk.length, this.limit - this.bytes);
        if (take < chunk.length)
            this.over = true;
        if (take > 0)
            this.chunks.push(Buffer.from(chunk.subarray(0, take)));
        this.bytes += take;
    }
    end() {
        this.done(this.over && this.whole ? undefined : Buffer.concat(this.chunks));
    }
}
const GO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
/** Bytes kept after the marker: the header and the two strings that follow it in Go 1.18 and later. */
const GO_INFO_BYTES = 64 << 10;
const ELF_MAGIC = 0x7f454c46;
/**
 * Looks for Go's build information in an executable as it streams: the marker may fall across
 * chunks, so the last bytes of each chunk are kept; once found, the bytes after it are kept up to a
 * bound and parsed at the end. Nothing else of the file is held.
 */
class GoBuildInfoSink {
    done;
    tail = Buffer.alloc(0);
    found;
    foundBytes = 0;
    first = true;
    notElf = false;
    constructor(done) {
        this.done = done;
    }
    write(chunk) {
        if (this.notElf)
            return;
        if (this.first) {
            this.first = false;
            if (chunk.length < 4 || chunk.readUInt32BE(0) !== ELF_MAGIC) {
                this.notElf = true;
                return;
            }
        }
        if (this.found !== undefined) {
            this.keep(chunk);
            return;
        }
        const window = this.tail.length > 0 ? Buffer.concat([this.tail, chunk.subarray(0, Math.min(chunk.length, GO_MAGIC.length))]) : undefined;
        const inWindow = window?.indexOf(GO_MAGIC) ?? -1;
        if (inWindow >= 0) {
            this.found = [];
            this.keep(window.subarray(inWindow));
            this.keep(chunk.subarray(Math.min(chunk.length, GO_MAGIC.length)));
            return;
        }
        const at = chunk.indexOf(GO_MAGIC);
        if (at >= 0) {
            this.found = [];
            this.keep(chunk.subarray(at));
            return;
        }
        const keep = GO_MAGIC.length - 1;
        this.tail = chunk.length >= keep ? Buffer.from(chunk.subarray(chunk.length - keep)) : Buffer.concat([this.tail, chunk]).subarray(-keep);
    }
    keep(bytes) {
        const take = Math.min(bytes.length, GO_INFO_BYTES - this.foundBytes);
        if (take <= 0)
            return;
        this.found.push(Buffer.from(bytes.subarray(0, take)));
        this.foundBytes += take;
    }
    end() {
        this.done(this.found === undefined ? undefined : parseGoBuildInfo(Buffer.concat(this.found)));
    }
}
/** Reads an unsigned varint at `at`; undefined when it runs past the buffer or beyond 2^32. */
function varint(data, at) {
    let value = 0;
    let shift = 0;
    for (let index = at; index < data.length && shift < 35; index++, shift += 7) {
        const byte = data[index];
        value += (byte & 0x7f) * 2 ** shift;
        if ((byte & 0x80) === 0)
            return value > 0xffffffff ? undefined : { value, next: index + 1 };
    }
    return undefined;
}
/**
 * The main module of Go build information (Go 1.18 and later store the strings inline, after a
 * 32-byte header whose flags byte has bit 2 set). Older binaries point into their data instead:
 * those are not read.
 */
function parseGoBuildInfo(data) {
    if (data.length < 32 || data.indexOf(GO_MAGIC) !== 0 || (data[15] & 0x2) === 0)
        return undefined;
    const goVersion = varint(data, 32);
    if (goVersion === undefined || goVersion.next + goVersion.value > data.length)
        return undefined;
    const modinfo = varint(data, goVersion.next + goVersion.value);
    if (modinfo === undefined || modinfo.next + modinfo.value > data.length)
        return undefined;
    const text = data.toString('utf8', modinfo.next, modinfo.next + modinfo.value);
    const main = /(?:^|\n)mod\t([^\t\n]+)\t([^\t\n]*)/.exec(text);
    const path = /(?:^|\n)path\t([^\t\n]+)/.exec(text);
    const module = main?.[1] ?? path?.[1];
    if (module === undefined)
        return undefined;
    return { module, version: main?.[2] || '(devel)', goVersion: data.toString('utf8', goVersion.next, goVersion.next + goVersion.value) };
}
/** Splits a RECORD line (CSV: path, hash, size; the path quoted when it holds a comma or quote). */
function recordPath(line) {
    if (line.startsWith('"')) {
        let path = '';
        for (let index = 1; index < line.length; index++) {
            if (line[index] === '"') {
                if (line[index + 1] === '"') {
                    path += '"';
                    index++;
                }
                else
                    return path;
            }
            else
                path += line[index];
        }
        return undefined;
    }
    const comma = line.indexOf(',');
    return comma < 0 ? line : line.slice(0, comma);
}
/** A path relative to a folder of the image, or undefined when it leaves the image's root. */
function imagePath(base, relative) {
    const joined = external_node_path_.posix.normalize(relative.startsWith('/') ? relative : `${base}/${relative}`).replace(/^\/+/, '');
    if (joined === '' || joined === '.' || joined.startsWith('../') || joined === '..')
        return undefined;
    return joined.replace(/\/+$/, '');
}
const isRecord = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
const keysOf = (value) => (isRecord(value) ? Object.keys(value).filter(key => key.length > 0 && key.length <= 214) : []);
const textOf = (value) => (typeof value === 'string' ? value.slice(0, 256) : '');
/** The fields of a package.json that attribution needs, or undefined when it is not a JSON object. */
function parseManifest(path, content) {
    let value;
    try {
        value = JSON.parse(content.toString('utf8'));
    }
    catch {
        return undefined;
    }
    if (!isRecord(value))
        return undefined;
    const dependencies = [...new Set([...keysOf(value.dependencies), ...keysOf(value.optionalDependencies), ...keysOf(value.peerDependencies)])];
    return { path, name: textOf(value.name), version: textOf(value.version), dependencies, devDependencies: keysOf(value.devDependencies) };
}
/** Name and version of a METADATA file's headers (they end at the first empty line). */
function parseMetadata(content) {
    const head = content.toString('utf8').split(/\r?\n\r?\n/, 1)[0];
    return { name: /^Name:[ \t]*(\S.*?)\s*$/m.exec(head)?.[1], version: /^Version:[ \t]*(\S.*?)\s*$/m.exec(head)?.[1] };
}
/** `requests-2.31.0.dist-info` as name and version. */
function distInfoName(folder) {
    const base = folder.slice(folder.lastIndexOf('/') + 1).replace(/\.dist-info$/, '');
    const dash = base.indexOf('-');
    return dash < 0 ? { name: base, version: '' } : { name: base.slice(0, dash), version: base.slice(dash + 1) };
}
/** Whether a package.json is one attribution reads: a package's own, at `node_modules/<name>/`, or an application's. */
function isManifestPath(path) {
    if (!path.endsWith('package.json') || (path.length > 12 && path[path.length - 13] !== '/'))
        return false;
    const modules = path.lastIndexOf('node_modules/');
    if (modules < 0)
        return true;
    if (modules > 0 && path[modules - 1] !== '/')
        return false;
    const rest = path.slice(modules + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? rest.length === 3 : rest.length === 2;
}
/**
 * Collects what one layer's package databases say, from the tar entries of the layer: `wants` is
 * asked of every regular file and returns a sink for those it reads.
 */
class PackageCapture {
    result = {};
    paths = 0;
    executables = 0;
    distInfo = new Map();
    skip(what) {
        const skipped = (this.result.skipped ??= []);
        if (skipped.length < 20)
            skipped.push(what);
    }
    addPaths(count, path) {
        if (this.paths + count > PACKAGE_LIMITS.paths) {
            this.skip(`/${path}: more than ${PACKAGE_LIMITS.paths} package paths in one layer`);
            return false;
        }
        this.paths += count;
        return true;
    }
    lines(path, onLine, done) {
        return new LineSink(PACKAGE_LIMITS.databaseBytes, onLine, complete => {
            if (complete)
                done();
            else
                this.skip(`/${path}: beyond ${PACKAGE_LIMITS.databaseBytes} bytes`);
        });
    }
    wants(entry) {
        const path = entry.path;
        if (path === DPKG_STATUS)
            return this.dpkgStatus(path);
        if (path.startsWith(DPKG_INFO) && path.endsWith('.list') && path.indexOf('/', DPKG_INFO.length) < 0)
            return this.dpkgList(path);
        if (path === APK_INSTALLED)
            return this.apkInstalled(path);
        if (path.endsWith('package.json') && isManifestPath(path))
            return this.manifest(path);
        if (path.endsWith('RECORD') || path.endsWith('METADATA')) {
            const match = DIST_INFO_FILE.exec(path);
            if (match)
                return this.distInfoFile(match[1], match[2], path);
        }
        if ((entry.mode & 0o111) !== 0 && entry.size >= PACKAGE_LIMITS.executableMinBytes && this.executables < PACKAGE_LIMITS.executables) {
            this.executables++;
            return new GoBuildInfoSink(info => {
                if (info)
                    (this.result.go ??= []).push({ path, ...info });
            });
        }
        return undefined;
    }
    dpkgStatus(path) {
        const packages = [];
        let fields = {};
        const finish = () => {
            if (fields.Package && /\sinstalled$/.test(fields.Status ?? ''))
                packages.push({ name: fields.Package, arch: fields.Architecture ?? '', version: fields.Version ?? '' });
            fields = {};
        };
        return this.lines(path, line => {
            if (line.trim() === '')
                return finish();
            const colon = line.indexOf(':');
            if (colon > 0 && line[0] !== ' ' && line[0] !== '\t') {
                const key = line.slice(0, colon);
                if (key === 'Package' || key === 'Status' || key === 'Architecture' || key === 'Version')
                    fields[key] = line.slice(colon + 1).trim();
            }
        }, () => {
            finish();
            this.result.dpkgStatus = packages;
        });
    }
    dpkgList(path) {
        const paths = [];
        return this.lines(path, line => {
            const owned = imagePath('', line);
            if (owned !== undefined)
                paths.push(owned);
        }, () => {
            if (this.addPaths(paths.length, path))
                (this.result.dpkgLists ??= []).push({ name: path.slice(DPKG_INFO.length, -'.list'.length), version: '', paths });
        });
    }
    apkInstalled(path) {
        const packages = [];
        let current;
        let folder = '';
        let total = 0;
        return this.lines(path, line => {
            if (line === '') {
                if (current?.name)
                    packages.push(current);
                current = undefined;
                return;
            }
            current ??= { name: '', version: '', paths: [] };
            const value = line.slice(2);
            if (line.startsWith('P:'))
                current.name = value;
            else if (line.startsWith('V:'))
                current.version = value;
            else if (line.startsWith('F:'))
                folder = value;
            else if (line.startsWith('R:')) {
                const owned = imagePath(folder, value);
                if (owned !== undefined && ++total <= PACKAGE_LIMITS.paths)
                    current.paths.push(owned);
            }
        }, () => {
            if (current?.name)
                packages.push(current);
            if (this.addPaths(total, path))
                this.result.apk = packages;
        });
    }
    manifest(path) {
        if ((this.result.manifests?.length ?? 0) >= PACKAGE_LIMITS.manifests) {
            this.skip(`package.json files beyond the first ${PACKAGE_LIMITS.manifests} of one layer`);
            return undefined;
        }
        return new HeadSink(PACKAGE_LIMITS.manifestBytes, true, content => {
            if (content === undefined)
                return this.skip(`/${path}: beyond ${PACKAGE_LIMITS.manifestBytes} bytes`);
            const manifest = parseManifest(path, content);
            if (manifest)
                (this.result.manifests ??= []).push(manifest);
        });
    }
    distInfoFile(folder, file, path) {
        const info = this.distInfo.get(folder) ?? {};
        this.distInfo.set(folder, info);
        if (file === 'METADATA') {
            return new HeadSink(PACKAGE_LIMITS.metadataBytes, false, content => {
                if (content !== undefined)
                    Object.assign(info, parseMetadata(content));
            });
        }
        const sitePackages = folder.slice(0, folder.lastIndexOf('/'));
        const paths = [];
        return this.lines(path, line => {
            const relative = recordPath(line.replace(/\r$/, ''));
            const owned = relative ? imagePath(sitePackages, relative) : undefined;
            if (owned !== undefined)
                paths.push(owned);
        }, () => {
            if (this.addPaths(paths.length, path))
                info.record = paths;
        });
    }
    /** What the layer's databases said; undefined when the layer held none of them. */
    finish() {
        for (const [folder, info] of this.distInfo) {
            if (info.record === undefined)
                continue;
            const fromName = distInfoName(folder);
            (this.result.python ??= []).push({ distInfo: folder, name: info.name ?? fromName.name, version: info.version ?? fromName.version, paths: info.record });
        }
        this.distInfo.clear();
        return Object.keys(this.result).length === 0 ? undefined : this.result;
    }
}
// What the layer store gives back is checked field by field: a folder on disk may be altered.
const isText = (value, max = 4096) => typeof value === 'string' && value.length <= max;
const isTextList = (value) => Array.isArray(value) && value.every(item => isText(item));
const listOf = (value, check) => Array.isArray(value) && value.every(item => isRecord(item) && check(item));
const isOwned = (item) => isText(item.name) && isText(item.version) && isTextList(item.paths);
/** A layer's packages as the store kept them, or undefined when anything in them is not what this module writes. */
function checkLayerPackages(value) {
    if (value === undefined)
        return undefined;
    if (!isRecord(value))
        return 'damaged';
    const checks = {
        dpkgStatus: field => listOf(field, item => isText(item.name) && isText(item.arch) && isText(item.version)),
        dpkgLists: field => listOf(field, isOwned),
        apk: field => listOf(field, isOwned),
        manifests: field => listOf(field, item => isText(item.path) && isText(item.name) && isText(item.version) && isTextList(item.dependencies) && isTextList(item.devDependencies)),
        python: field => listOf(field, item => isOwned(item) && isText(item.distInfo)),
        go: field => listOf(field, item => isText(item.path) && isText(item.module) && isText(item.version) && isText(item.goVersion)),
        skipped: isTextList
    };
    for (const key of Object.keys(value)) {
        const check = checks[key];
        if (check === undefined || !check(value[key]))
            return 'damaged';
    }
    return value;
}

;// CONCATENATED MODULE: ./src/image/layer-store.ts
// What a layer holds, kept by digest: layers are content-addressed and immutable, so what was read
// once never needs reading again, in this run (a layer several platforms share) or a later one
// (with the folder kept by the Actions cache or on a developer's disk).
//
// Each layer is two files: `<hex>.json` (totals and findings) and `<hex>.entries`, one line per tar
// entry: `kind \t size \t path \t link`, with backslash, tab and newline escaped in names.
//
// Several runs may share the folder (parallel jobs of the CLI on one machine): each writes under a
// name of its own, then renames into place, entries first and the summary last. The summary names
// the entries' line count and byte length, and a reader holds the entries file open from the
// moment it checked that length, so it sees a complete layer or none.









/** Bump when the files' meaning changes: older folders are then ignored. */
const LAYER_STORE_VERSION = 3;
const COMPRESSIONS = ['gzip', 'zstd', 'none'];
const isCount = (value) => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const isFinding = (value) => typeof value === 'object' && value !== null && typeof value.path === 'string' && typeof value.what === 'string';
/** A summary from the folder, or undefined for one of another version, torn or altered. */
function parseSummary(text) {
    let value;
    try {
        value = JSON.parse(text);
    }
    catch {
        return undefined;
    }
    if (typeof value !== 'object' || value === null || value.version !== LAYER_STORE_VERSION)
        return undefined;
    if (![value.size, value.files, value.entries, value.entriesBytes, value.blobBytes].every(isCount))
        return undefined;
    if (!COMPRESSIONS.includes(value.compression))
        return undefined;
    if (!Array.isArray(value.secrets) || !value.secrets.every(isFinding))
        return undefined;
    const packages = checkLayerPackages(value.packages);
    if (packages === 'damaged')
        return undefined;
    return { ...value, ...(packages ? { packages } : {}) };
}
/**
 * The store could not be written (a full disk, say): every layer read is replayed from the store,
 * so the measurement cannot go on, and the error says where, not that the image is at fault.
 */
class LayerStoreError extends Error {
    constructor(file, cause) {
        super(`the layer index could not be written to ${external_node_path_.dirname(file)}: ${cause.message ?? String(cause)}`, { cause });
        this.name = 'LayerStoreError';
    }
}
const openEntriesFile = file => (0,external_node_fs_.createWriteStream)(file, { highWaterMark: 1 << 20 });
/** A name no other writer uses: this process, and random bytes for writers within it. */
const privateName = (file) => `${file}.${process.pid}-${(0,external_node_crypto_.randomBytes)(6).toString('hex')}.partial`;
const PARTIAL = /\.partial$/;
/** A partial file this old was left by a run that died: nobody will rename it. */
const ABANDONED_MS = 60 * 60 * 1000;
const ENTRY_KINDS = 7;
const TAB = 0x09;
const NEWLINE = 0x0a;
const escapeName = (name) => /[\\\t\n]/.test(name) ? name.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n') : name;
const unescapeName = (name) => name.includes('\\') ? name.replace(/\\(\\|t|n)/g, (_, c) => (c === 't' ? '\t' : c === 'n' ? '\n' : '\\')) : name;
/** Entries are written in pieces of this many bytes. */
const ENTRIES_CHUNK_BYTES = 1 << 18;
/**
 * Writes a layer's entries file as the layer is read. Lines go straight into a buffer of bytes:
 * a line kept as a string until its piece is written outlives the young generation's collections,
 * and a million of them grew V8's young generation to its limit and filled the old one.
 */
class LayerEntryWriter {
    file;
    stream;
    partial;
    chunk = Buffer.allocUnsafe(ENTRIES_CHUNK_BYTES);
    chunkUsed = 0;
    /** The first error of the file's stream: kept for close(), never left unhandled (it would end the process). */
    failure;
    entries = 0;
    bytes = 0;
    constructor(file, openFile = openEntriesFile) {
        this.file = file;
        this.partial = privateName(file);
        this.stream = openFile(this.partial);
        this.stream.on('error', error => (this.failure ??= error));
    }
    add(path, kind, size, linkName) {
        const name = escapeName(path);
        const link = linkName === '' ? '' : escapeName(linkName);
        // The kind's digit, the size's at most 22 characters, three tabs, a newline; 3 bytes a unit of the names.
        const most = 27 + 3 * (name.length + link.length);
        if (this.chunkUsed + most > this.chunk.length)
            this.flush(most);
        const chunk = this.chunk;
        let at = this.chunkUsed;
        chunk[at++] = 0x30 + kind;
        chunk[at++] = TAB;
        at += chunk.write(String(size), at, 'latin1');
        chunk[at++] = TAB;
        at = writeUtf8(chunk, at, name);
        chunk[at++] = TAB;
        at = writeUtf8(chunk, at, link);
        chunk[at++] = NEWLINE;
        this.chunkUsed = at;
        this.entries++;
    }
    /** Hands the piece written so far to the file, and starts one with room for at least `room` bytes. */
    flush(room = 0) {
        if (this.chunkUsed > 0 && this.failure === undefined) {
            this.bytes += this.chunkUsed;
            this.stream.write(this.chunk.subarray(0, this.chunkUsed));
            this.chunk = Buffer.allocUnsafe(Math.max(ENTRIES_CHUNK_BYTES, room));
        }
        else if (room > this.chunk.length) {
            this.chunk = Buffer.allocUnsafe(room);
        }
        this.chunkUsed = 0;
    }
    async close() {
        this.flush();
        if (this.failure === undefined) {
            this.stream.end();
            await (0,external_node_events_.once)(this.stream, 'finish').catch((error) => (this.failure ??= error));
        }
        if (this.failure !== undefined)
            throw new LayerStoreError(this.file, this.failure);
    }
    /** Puts the entries in place, then the summary: a summary is only ever seen beside its entries. */
    async commit(summaryFile, summary) {
        await this.close();
        await (0,promises_.rename)(this.partial, this.file).catch((error) => {
            throw new LayerStoreError(this.file, error);
        });
        const partialSummary = privateName(summaryFile);
        try {
            await (0,promises_.writeFile)(partialSummary, JSON.stringify({ ...summary, entriesBytes: this.bytes }));
            await (0,promises_.rename)(partialSummary, summaryFile);
        }
        catch (error) {
            await (0,promises_.rm)(partialSummary, { force: true });
            throw new LayerStoreError(summaryFile, error);
        }
    }
    async discard() {
        // A stream still opening its file creates it after a destroy: the file goes once the stream has closed.
        const closed = this.stream.closed ? undefined : (0,external_node_events_.once)(this.stream, 'close').catch(() => undefined);
        this.stream.destroy();
        await closed;
        await (0,promises_.rm)(this.partial, { force: true });
    }
}
class LayerStore {
    dir;
    openFile;
    /** Digests read or written in this run: what is worth keeping for the next one. */
    used = new Set();
    /** Layers read from their blobs in this run (not found in the folder). */
    written = 0;
    constructor(dir, openFile = openEntriesFile) {
        this.dir = dir;
        this.openFile = openFile;
    }
    files(digest) {
        const hex = checkDigest(digest).replace(':', '-');
        return { entries: external_node_path_.join(this.dir, `${hex}.entries`), summary: external_node_path_.join(this.dir, `${hex}.json`) };
    }
    /**
     * The stored layer of this digest, or undefined when the folder has no complete one. Its
     * entries file is held open: a later rename or prune by another run does not change what is read.
     */
    async stored(digest) {
        const files = this.files(digest);
        const summary = parseSummary(await (0,promises_.readFile)(files.summary, 'utf8').catch(() => ''));
        if (summary === undefined)
            return undefined;
        const handle = await (0,promises_.open)(files.entries, 'r').catch(() => undefined);
        if (handle === undefined)
            return undefined;
        if ((await handle.stat()).size !== summary.entriesBytes) {
            await handle.close();
            return undefined;
        }
        this.used.add(digest);
        return new StoredLayer(digest, summary, handle);
    }
    async writer(digest) {
        const files = this.files(digest);
        await (0,promises_.mkdir)(this.dir, { recursive: true }).catch((error) => {
            throw new LayerStoreError(files.entries, error);
        });
        const writer = new LayerEntryWriter(files.entries, this.openFile);
        return {
            writer,
            commit: async (summary) => {
                await writer.commit(files.summary, { version: LAYER_STORE_VERSION, entries: writer.entries, ...summary });
                this.used.add(digest);
                this.written++;
            }
        };
    }
    /** Removes what this run did not use, so that a kept folder does not grow without end. */
    async prune() {
        let removed = 0;
        for (const name of await (0,promises_.readdir)(this.dir).catch(() => [])) {
            const file = external_node_path_.join(this.dir, name);
            // Another run may be writing its own: only the leftovers of a run that died go.
            if (PARTIAL.test(name)) {
                const modified = (await (0,promises_.stat)(file).catch(() => undefined))?.mtimeMs;
                if (modified === undefined || Date.now() - modified < ABANDONED_MS)
                    continue;
            }
            else if (this.used.has(name.replace(/\.(entries|json)$/, '').replace('-', ':'))) {
                continue;
            }
            await (0,promises_.rm)(file, { force: true });
            removed++;
        }
        return removed;
    }
}
/** A complete stored layer: its summary, and its entries file held open until replayed. */
class StoredLayer {
    digest;
    summary;
    handle;
    constructor(digest, summary, handle) {
        this.digest = digest;
        this.summary = summary;
        this.handle = handle;
    }
    /**
     * Replays the entries in their tar order, then closes the file. Lines are cut out of the
     * stream's chunks directly: this is what a re-analysis spends its time on, and readline costs
     * twice as much. A line that is not one this store writes, or a count that differs from the
     * summary's, is an error rather than a different filesystem.
     */
    async replay(visit) {
        const decoder = new external_node_string_decoder_.StringDecoder('utf8');
        let rest = '';
        let lines = 0;
        const damaged = (why) => new Error(`the stored entries of layer ${this.digest} are damaged (${why}): remove the layer folder to read it again`);
        const replayLines = (text) => {
            let start = 0;
            for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
                const first = text.indexOf('\t', start);
                const second = text.indexOf('\t', first + 1);
                const third = text.indexOf('\t', second + 1);
                const kind = Number(text.slice(start, first));
                const size = Number(text.slice(first + 1, second));
                if (first < 0 || second < 0 || third < 0 || third > end || !(kind >= 0 && kind < ENTRY_KINDS && Number.isInteger(kind)) || !isCount(size)) {
                    throw damaged(`line ${lines + 1}`);
                }
                visit(unescapeName(text.slice(second + 1, third)), kind, size, unescapeName(text.slice(third + 1, end)));
                lines++;
                start = end + 1;
            }
            return text.slice(start);
        };
        try {
            for await (const chunk of this.handle.createReadStream({ start: 0, highWaterMark: 1 << 20, autoClose: false })) {
                rest = replayLines(rest + decoder.write(chunk));
            }
        }
        finally {
            await this.handle.close();
        }
        // Files are renamed into place only once complete, ending with a newline: anything left is damage.
        if (rest + decoder.end() !== '')
            throw damaged('cut short');
        if (lines !== this.summary.entries)
            throw damaged(`${lines} entries, the summary says ${this.summary.entries}`);
    }
    /** Closes the entries file without replaying it. */
    async close() {
        await this.handle.close();
    }
}

;// CONCATENATED MODULE: ./src/image/package-usage.ts
// The bytes of the final filesystem by package. Each visible file is given to the package whose
// database names it (dpkg, apk, a Python RECORD, a Go binary: see packages.ts), in that order, the
// first claim winning; what is left under `node_modules/<name>` is that npm package's; the rest is
// unpackaged, grouped by top folder. Only visible files count: a package's bytes are what a later
// layer did not delete or replace.
//
// Ownership is kept on the filesystem's own file ids (one integer per file), so that a million-file
// image needs no map of paths; the databases' path lists are read once, when claims are made.

const MODULES = 'node_modules/';
const package_usage_DPKG_INFO = 'var/lib/dpkg/info/';
const RPM_DATABASE = /^(var\/lib\/rpm|usr\/lib\/sysimage\/rpm)\//;
/** The folder of the npm package a path is in (`app/node_modules/@scope/name`), or undefined. */
function npmPackageDirectory(path) {
    const at = path.lastIndexOf(MODULES);
    if (at < 0 || (at > 0 && path[at - 1] !== '/'))
        return undefined;
    const start = at + MODULES.length;
    // `.bin`, `.package-lock.json` and `.cache` belong to node_modules itself, not to a package.
    if (path[start] === '.')
        return undefined;
    let end = path.indexOf('/', start);
    if (end >= 0 && path[start] === '@')
        end = path.indexOf('/', end + 1);
    return end < 0 ? undefined : path.slice(0, end);
}
/** The application folder whose node_modules holds a package folder: what comes before the first `node_modules/`. */
function applicationOf(directory) {
    const at = directory.startsWith(MODULES) ? 0 : directory.indexOf(`/${MODULES}`) + 1;
    return directory.slice(0, Math.max(0, at - 1));
}
const parentOf = (path) => path.slice(0, Math.max(0, path.lastIndexOf('/')));
const inFolder = (folder, name) => (folder === '' ? name : `${folder}/${name}`);
class PackageAttributor {
    filesystem;
    layers;
    owners = [];
    npmByDirectory = new Map();
    unpackaged = new Map();
    /** Visible package.json files, by path. */
    manifests = new Map();
    notes = new Set();
    constructor(filesystem, layers) {
        this.filesystem = filesystem;
        this.layers = layers;
        for (const [layer, packages] of layers.entries()) {
            for (const note of packages?.skipped ?? [])
                this.notes.add(`not read: ${note}`);
            for (const manifest of packages?.manifests ?? [])
                if (filesystem.visibleLayer(manifest.path) === layer)
                    this.manifests.set(manifest.path, { ...manifest, layer });
        }
        this.claimDpkg();
        this.claimApk();
        for (const [layer, packages] of layers.entries()) {
            for (const distribution of packages?.python ?? []) {
                if (filesystem.visibleLayer(`${distribution.distInfo}/RECORD`) !== layer)
                    continue;
                this.claim({ ecosystem: 'python', name: distribution.name, version: distribution.version, layer, path: distribution.distInfo }, distribution.paths);
            }
        }
        for (const [layer, packages] of layers.entries()) {
            for (const binary of packages?.go ?? []) {
                if (filesystem.visibleLayer(binary.path) !== layer)
                    continue;
                this.claim({ ecosystem: 'go', name: binary.module, version: binary.version, layer, path: binary.path }, [binary.path]);
            }
        }
    }
    claim(owner, paths) {
        const id = this.owners.length;
        this.owners.push({ ...owner, bytes: 0, files: 0 });
        for (const path of paths)
            this.filesystem.setOwner(path, id);
    }
    /** The first layer from which every database version up to the visible one lists the package. */
    installedSince(visible, has) {
        let since = visible;
        for (let layer = visible - 1; layer >= 0; layer--) {
            const packages = this.layers[layer];
            const listed = packages === undefined ? undefined : has(packages);
            if (listed === false)
                break;
            if (listed === true)
                since = layer;
        }
        return since;
    }
    claimDpkg() {
        const statusLayer = this.filesystem.visibleLayer(DPKG_STATUS);
        const status = statusLayer === undefined ? undefined : this.layers[statusLayer]?.dpkgStatus;
        if (statusLayer === undefined || status === undefined)
            return;
        const lists = new Map();
        for (const [layer, packages] of this.layers.entries()) {
            for (const list of packages?.dpkgLists ?? []) {
                if (this.filesystem.visibleLayer(`${package_usage_DPKG_INFO}${list.name}.list`) === layer)
                    lists.set(list.name, { layer, paths: list.paths });
            }
        }
        const versions = new Map();
        const listedIn = (packages, key) => {
            if (packages.dpkgStatus === undefined)
                return undefined;
            const layer = this.layers.indexOf(packages);
            let set = versions.get(layer);
            if (set === undefined)
                versions.set(layer, (set = new Set(packages.dpkgStatus.map(item => `${item.name}\t${item.version}`))));
            return set.has(key);
        };
        for (const item of status) {
            const list = lists.get(`${item.name}:${item.arch}`) ?? lists.get(item.name);
            const key = `${item.name}\t${item.version}`;
            const layer = list?.layer ?? this.installedSince(statusLayer, packages => listedIn(packages, key));
            this.claim({ ecosystem: 'deb', name: item.name, version: item.version, layer }, list?.paths ?? []);
        }
    }
    claimApk() {
        const visible = this.filesystem.visibleLayer(APK_INSTALLED);
        const installed = visible === undefined ? undefined : this.layers[visible]?.apk;
        if (visible === undefined || installed === undefined)
            return;
        for (const item of installed) {
            const layer = this.installedSince(visible, packages => packages.apk?.some(other => other.name === item.name && other.version === item.version));
            this.claim({ ecosystem: 'apk', name: item.name, version: item.version, layer }, item.paths);
        }
    }
    /** Sees every visible path of the final filesystem (the walk of OverlayFilesystem.largest). */
    visit = (path, size, layer, owner) => {
        if (path.endsWith('/'))
            return;
        if (owner >= 0) {
            this.owners[owner].bytes += size;
            this.owners[owner].files++;
            return;
        }
        const directory = npmPackageDirectory(path);
        if (directory !== undefined) {
            let id = this.npmByDirectory.get(directory);
            if (id === undefined) {
                id = this.owners.length;
                const manifest = this.manifests.get(`${directory}/package.json`);
                const name = manifest?.name || directory.slice(directory.lastIndexOf(MODULES) + MODULES.length);
                this.owners.push({ ecosystem: 'npm', name, version: manifest?.version ?? '', bytes: 0, files: 0, layer: manifest?.layer ?? layer, path: directory });
                this.npmByDirectory.set(directory, id);
            }
            this.owners[id].bytes += size;
            this.owners[id].files++;
            return;
        }
        if (RPM_DATABASE.test(path))
            this.notes.add('rpm database not read (reading it needs a native library): rpm packages count as unpackaged');
        const slash = path.indexOf('/');
        const top = slash < 0 ? '/' : path.slice(0, slash);
        const group = this.unpackaged.get(top) ?? { directory: top, bytes: 0, files: 0 };
        group.bytes += size;
        group.files++;
        this.unpackaged.set(top, group);
    };
    /** The npm packages an application's manifest reaches, resolved as Node does: the nearest node_modules up the tree. */
    reach(application, names, into, except) {
        const pending = names.map(name => [application, name]);
        while (pending.length > 0) {
            const [from, name] = pending.pop();
            for (let base = from;; base = parentOf(base)) {
                const candidate = inFolder(base, `${MODULES}${name}`);
                if (this.npmByDirectory.has(candidate)) {
                    if (!into.has(candidate) && !except?.has(candidate)) {
                        into.add(candidate);
                        for (const next of this.manifests.get(`${candidate}/package.json`)?.dependencies ?? [])
                            pending.push([candidate, next]);
                    }
                    break;
                }
                if (base === application || base === '')
                    break;
            }
        }
    }
    markDevelopmentOnly() {
        const applications = new Map();
        for (const [path, manifest] of this.manifests)
            if (!path.includes(MODULES))
                applications.set(parentOf(path), manifest);
        const byApplication = new Map();
        for (const directory of this.npmByDirectory.keys()) {
            const application = applicationOf(directory);
            if (!applications.has(application))
                continue;
            byApplication.set(application, [...(byApplication.get(application) ?? []), directory]);
        }
        for (const [application, directories] of byApplication) {
            const manifest = applications.get(application);
            const production = new Set();
            this.reach(application, manifest.dependencies, production);
            const development = new Set();
            this.reach(application, manifest.devDependencies, development, production);
            for (const directory of directories)
                this.owners[this.npmByDirectory.get(directory)].dev = development.has(directory);
        }
    }
    finish() {
        this.markDevelopmentOnly();
        const packages = this.owners.filter(owner => owner.files > 0 || owner.ecosystem === 'deb' || owner.ecosystem === 'apk');
        packages.sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name));
        return { packages, unpackaged: [...this.unpackaged.values()].sort((a, b) => b.bytes - a.bytes), notes: [...this.notes], owners: this.owners };
    }
}

;// CONCATENATED MODULE: ./src/image/tar.ts
// A streaming reader of tar headers. Layers are measured from their headers alone, so file contents
// are skipped as they pass, without copying; only headers and PAX/GNU metadata records are kept.
//
// Every layer byte is hostile. The reader follows Go's archive/tar, which containerd and Docker
// extract layers with: what it refuses is refused here, numbers are checked before they are used,
// and metadata is bounded before it is buffered. Reading differently from the extractor would let a
// layer show this reader other files than the ones the container gets.
const BLOCK_SIZE = 512;
/** The largest file whose content the scanner hands out. */
const MAX_CAPTURE = 64 * 1024;
/** The most bytes of one extended header (PAX records, a GNU long name or link): Go's limit too. */
const MAX_METADATA_BYTES = 1 << 20;
/** The longest path or link target of an entry: 16 times Linux's PATH_MAX. */
const MAX_PATH_BYTES = 16 * 4096;
/** The most extension blocks after an old GNU sparse header (21 map entries each). */
const MAX_SPARSE_EXTENSIONS = MAX_METADATA_BYTES / BLOCK_SIZE;
/** A tar stream that cannot be read; the message names the entry and the value at fault. */
class TarFormatError extends Error {
}
/** A bad value found while the entry it belongs to may not be named yet. */
class HeaderProblem extends Error {
}
const META_TYPES = new Set(['x', 'g', 'L', 'K']);
// Types whose size field says nothing about stored data, as in Go's archive/tar (isHeaderOnlyType).
const HEADER_ONLY_TYPES = new Set(['1', '2', '3', '4', '5', '6']);
const META_NAMES = {
    x: 'PAX extended header',
    g: 'PAX global header',
    L: 'GNU long name header',
    K: 'GNU long link header'
};
const MAX_SHOWN = 100;
/** A value from the archive as it is shown in a message: quoted, and cut when long. */
function shown(value) {
    return JSON.stringify(value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value);
}
function readString(block, offset, length) {
    let end = offset;
    const limit = offset + length;
    while (end < limit && block[end] !== 0)
        end++;
    return block.toString('utf8', offset, end);
}
function fieldText(block, offset, length) {
    return shown(block.toString('latin1', offset, offset + length).replace(/\0+$/, ''));
}
/**
 * A numeric field: octal text, or base-256 when the high bit of its first byte is set (GNU, star),
 * two's complement when the next bit is set too. Only `signed` fields may be negative.
 */
function readNumber(block, offset, length, field, signed = false) {
    const limit = offset + length;
    const first = block[offset];
    if (first & 0x80) {
        const negative = (first & 0x40) !== 0;
        if (negative && !signed)
            throw new HeaderProblem(`${field} field holds a negative number`);
        const invert = negative ? 0xff : 0;
        let value = (first ^ invert) & 0x7f;
        for (let i = offset + 1; i < limit; i++)
            value = value * 256 + (block[i] ^ invert);
        if (value > Number.MAX_SAFE_INTEGER)
            throw new HeaderProblem(`${field} field holds a number beyond 2^53`);
        return negative ? -value - 1 : value;
    }
    let i = offset;
    while (i < limit && (block[i] === 0x20 || block[i] === 0))
        i++;
    let value = 0;
    for (; i < limit; i++) {
        const byte = block[i];
        if (byte < 0x30 || byte > 0x37)
            break;
        value = value * 8 + (byte - 0x30);
    }
    // As in Go: the number may end in spaces, and a NUL ends the field.
    for (; i < limit && block[i] !== 0; i++) {
        if (block[i] !== 0x20)
            throw new HeaderProblem(`${field} field ${fieldText(block, offset, length)} is not an octal number`);
    }
    return value;
}
const USTAR_MAGIC = Buffer.from('ustar\0', 'latin1');
const GNU_MAGIC = Buffer.from('ustar  \0', 'latin1');
const STAR_TRAILER = Buffer.from('tar\0', 'latin1');
function holds(block, offset, bytes) {
    for (let i = 0; i < bytes.length; i++)
        if (block[offset + i] !== bytes[i])
            return false;
    return true;
}
function isZeroBlock(block, offset) {
    for (let i = offset; i < offset + BLOCK_SIZE; i++)
        if (block[i] !== 0)
            return false;
    return true;
}
/**
 * The sum of a header's bytes, its checksum field counted as eight spaces. Every header of every
 * layer is summed (a million files: half a gigabyte), so an aligned header is read four bytes at a
 * time, each word's bytes added in two pairs of 16-bit lanes that cannot overflow in 126 words.
 */
function unsignedSum(block, offset) {
    const start = block.byteOffset + offset;
    if ((start & 3) !== 0) {
        let sum = 8 * 0x20;
        for (let i = offset; i < offset + 148; i++)
            sum += block[i];
        for (let i = offset + 156; i < offset + BLOCK_SIZE; i++)
            sum += block[i];
        return sum;
    }
    const words = new Uint32Array(block.buffer, start, BLOCK_SIZE / 4);
    let even = 0;
    let odd = 0;
    // Words 37 and 38 are the checksum field, bytes 148 to 155.
    for (let i = 0; i < 37; i++) {
        even += words[i] & 0x00ff00ff;
        odd += (words[i] >>> 8) & 0x00ff00ff;
    }
    for (let i = 39; i < BLOCK_SIZE / 4; i++) {
        even += words[i] & 0x00ff00ff;
        odd += (words[i] >>> 8) & 0x00ff00ff;
    }
    return 8 * 0x20 + (even & 0xffff) + (even >>> 16) + (odd & 0xffff) + (odd >>> 16);
}
/** The header checksum: unsigned, or signed as some old tars wrote it (Go accepts both). */
function checksumMatches(block, offset) {
    const unsigned = unsignedSum(block, offset);
    let stored = -1;
    try {
        stored = readNumber(block, offset + 148, 8, 'checksum');
    }
    catch {
        // Left at -1: matches nothing.
    }
    if (stored === unsigned)
        return { matches: true, stored: '', computed: unsigned };
    let signed = 8 * 0x20;
    for (let i = offset; i < offset + 148; i++)
        signed += (block[i] << 24) >> 24;
    for (let i = offset + 156; i < offset + BLOCK_SIZE; i++)
        signed += (block[i] << 24) >> 24;
    return { matches: stored === signed, stored: fieldText(block, offset + 148, 8), computed: unsigned };
}
const RECORD_PATH_KEYS = new Set(['path', 'linkpath', 'GNU.sparse.name']);
/**
 * Parses PAX records, `<length> <key>=<value>\n`, where length counts the bytes of the whole record,
 * as strictly as Go does. Sparse format 0.0 repeats GNU.sparse.offset and GNU.sparse.numbytes: they
 * are gathered into GNU.sparse.map, as format 0.1 writes it.
 */
function parsePax(data) {
    const records = new Map();
    const sparseMap = [];
    let pos = 0;
    while (pos < data.length) {
        const space = data.indexOf(0x20, pos);
        const lengthText = space < 0 ? '' : data.toString('latin1', pos, space);
        const length = /^\d{1,8}$/.test(lengthText) ? Number(lengthText) : NaN;
        if (!(length >= 5) || pos + length > data.length || space + 1 >= pos + length || data[pos + length - 1] !== 0x0a) {
            throw new HeaderProblem(`malformed PAX record at byte ${pos} of the extended header: ${shown(data.toString('latin1', pos, Math.min(data.length, pos + 40)))}`);
        }
        const equals = data.indexOf(0x3d, space + 1);
        if (equals <= space + 1 || equals >= pos + length) {
            throw new HeaderProblem(`PAX record ${shown(data.toString('utf8', space + 1, pos + length - 1))} has no key=value`);
        }
        const key = data.toString('utf8', space + 1, equals);
        const valueStart = equals + 1;
        const valueEnd = pos + length - 1;
        if (data.subarray(space + 1, RECORD_PATH_KEYS.has(key) ? valueEnd : equals).includes(0)) {
            throw new HeaderProblem(`PAX record ${shown(key)} holds a NUL byte`);
        }
        if (RECORD_PATH_KEYS.has(key) && valueEnd - valueStart > MAX_PATH_BYTES) {
            throw new HeaderProblem(`PAX record ${key} holds ${valueEnd - valueStart} bytes, beyond the ${MAX_PATH_BYTES}-byte limit of a path`);
        }
        const value = data.toString('utf8', valueStart, valueEnd);
        if (key === 'GNU.sparse.offset' || key === 'GNU.sparse.numbytes') {
            const expected = sparseMap.length % 2 === 0 ? 'GNU.sparse.offset' : 'GNU.sparse.numbytes';
            if (key !== expected || value.includes(','))
                throw new HeaderProblem(`PAX record ${key}=${shown(value)} is out of order in the sparse map`);
            sparseMap.push(value);
        }
        else {
            records.set(key, value);
        }
        pos += length;
    }
    if (sparseMap.length > 0)
        records.set('GNU.sparse.map', sparseMap.join(','));
    return records;
}
const DECIMAL = /^[+-]?\d{1,19}$/;
const PAX_TIME = /^[+-]?\d{1,19}(\.\d*)?$/;
/** A PAX record that must be a count (a size, an offset): digits, a safe integer, not negative. */
function paxCount(key, value) {
    const number = DECIMAL.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(number) || number < 0)
        throw new HeaderProblem(`PAX record ${key}=${shown(value)} is not a byte count`);
    return number;
}
/** Numeric PAX records that measuring does not use, checked all the same: Go refuses them when bad. */
function checkPaxNumbers(records) {
    for (const key of ['uid', 'gid']) {
        const value = records.get(key);
        if (value && !(DECIMAL.test(value) && Number.isSafeInteger(Number(value)))) {
            throw new HeaderProblem(`PAX record ${key}=${shown(value)} is not a number`);
        }
    }
    for (const key of ['mtime', 'atime', 'ctime']) {
        const value = records.get(key);
        if (value && !(PAX_TIME.test(value) && Math.abs(Number(value)) <= Number.MAX_SAFE_INTEGER)) {
            throw new HeaderProblem(`PAX record ${key}=${shown(value)} is not a time`);
        }
    }
}
/** Checks a sparse map as Go does: regions in order, apart, within the real size, covering the stored data. */
class SparseMapCheck {
    realSize;
    end = 0;
    stored = 0;
    entries = 0;
    constructor(realSize) {
        this.realSize = realSize;
    }
    add(offset, length) {
        if (offset < this.end || offset + length > this.realSize) {
            throw new HeaderProblem(`sparse region of ${length} bytes at offset ${offset} overlaps another or lies beyond the real size of ${this.realSize} bytes`);
        }
        this.end = offset + length;
        this.stored += length;
        this.entries++;
    }
    finish(storedSize) {
        if (this.stored !== storedSize) {
            throw new HeaderProblem(`sparse map covers ${this.stored} bytes but the entry stores ${storedSize}`);
        }
    }
}
function readSparseEntries(block, offset, count, map) {
    for (let i = 0; i < count; i++) {
        const at = offset + i * 24;
        // GNU and BSD tar end the list at an offset that starts with NUL.
        if (block[at] === 0)
            return;
        map.add(readNumber(block, at, 12, 'sparse offset'), readNumber(block, at + 12, 12, 'sparse length'));
    }
}
function paddedSize(size) {
    return Math.ceil(size / BLOCK_SIZE) * BLOCK_SIZE;
}
function normalizePath(raw) {
    let path = raw;
    while (path.startsWith('./'))
        path = path.slice(2);
    while (path.startsWith('/'))
        path = path.slice(1);
    if (path.endsWith('/'))
        path = path.slice(0, -1);
    return path;
}
function entryType(typeflag) {
    switch (typeflag) {
        case '0':
        case '7':
        case 'S':
            return 'file';
        case '1':
            return 'hardlink';
        case '2':
            return 'symlink';
        case '5':
            return 'directory';
        default:
            return 'other';
    }
}
/**
 * Interprets the blocks of a tar archive one at a time: headers, the metadata records that qualify
 * the next entry, old GNU sparse extension blocks and the end marker. Whoever holds the bytes (a
 * stream, a file read at offsets) feeds it; one piece of logic decides where every entry starts.
 */
class TarHeaderReader {
    /** The entry whose header was just read ('entry'). */
    entry = { path: '', type: 'other', size: 0, linkName: '', mode: 0 };
    /** Bytes stored after the header: metadata to read, or the entry's content to skip. */
    dataBytes = 0;
    pax = new Map();
    longName;
    longLink;
    metaType = '';
    metaName = '';
    metaOffset = 0;
    zeroBlockSeen = false;
    sparse;
    lastPath = '';
    /** Takes the block at `offset` of `block`, which sits at byte `position` of the archive. */
    next(block, offset, position) {
        if (this.sparse !== undefined)
            return this.sparseExtension(block, offset, this.sparse);
        if (block[offset] === 0 && isZeroBlock(block, offset)) {
            // As in Go: two zero blocks end the archive; one followed by anything else is an error.
            if (this.zeroBlockSeen)
                return 'end';
            this.zeroBlockSeen = true;
            return 'block';
        }
        if (this.zeroBlockSeen) {
            throw new TarFormatError(`tar header at byte ${position} follows a zero block, which marks the end of the archive (after entry ${shown(this.lastPath)})`);
        }
        const checksum = checksumMatches(block, offset);
        if (!checksum.matches) {
            throw new TarFormatError(`tar header at byte ${position} (name field ${shown(readString(block, offset, 100))}, after entry ${shown(this.lastPath)}): checksum mismatch (stored ${checksum.stored}, computed ${checksum.computed.toString(8)}): the data is not a tar archive or is corrupt`);
        }
        const typeByte = block[offset + 156];
        const typeflag = typeByte === 0 ? '0' : String.fromCharCode(typeByte);
        if (META_TYPES.has(typeflag))
            return this.metaHeader(block, offset, position, typeflag);
        let name = readString(block, offset, 100);
        // ustar keeps a path prefix at 345 (star at 345 too, 131 bytes long); GNU ("ustar  \0") keeps times there.
        const isUstar = holds(block, offset + 257, USTAR_MAGIC);
        const isGnu = !isUstar && holds(block, offset + 257, GNU_MAGIC);
        if (isUstar) {
            const isStar = holds(block, offset + 508, STAR_TRAILER);
            const prefix = readString(block, offset + 345, isStar ? 131 : 155);
            if (prefix !== '')
                name = `${prefix}/${name}`;
        }
        const pax = this.pax;
        const hasPax = pax.size > 0;
        const paxPath = hasPax ? paxRecord(pax, 'path') : undefined;
        const rawPath = (hasPax ? paxRecord(pax, 'GNU.sparse.name') : undefined) ?? this.longName ?? paxPath ?? name;
        const path = normalizePath(rawPath);
        try {
            return this.entryHeader(block, offset, position, typeflag, typeByte, path, rawPath, isUstar || isGnu, isGnu);
        }
        catch (error) {
            if (error instanceof HeaderProblem)
                throw new TarFormatError(`entry ${shown(path)} (tar header at byte ${position}): ${error.message}`);
            throw error;
        }
    }
    /** Takes the `dataBytes` of metadata that a 'metadata' step asked for. */
    metadata(data) {
        try {
            switch (this.metaType) {
                case 'x':
                    this.pax = parsePax(data);
                    break;
                case 'g':
                    // Checked, then ignored: Go returns global records to the caller and applies them to no
                    // entry, and forgets what extended headers came before.
                    checkPaxNumbers(parsePax(data));
                    this.pax = new Map();
                    this.longName = undefined;
                    this.longLink = undefined;
                    break;
                case 'L':
                    this.longName = this.longText(data, 'name');
                    break;
                case 'K':
                    this.longLink = this.longText(data, 'link target');
                    break;
            }
        }
        catch (error) {
            if (error instanceof HeaderProblem) {
                throw new TarFormatError(`${META_NAMES[this.metaType]} ${shown(this.metaName)} at byte ${this.metaOffset}: ${error.message}`);
            }
            throw error;
        }
    }
    longText(data, what) {
        let end = data.indexOf(0);
        if (end < 0)
            end = data.length;
        if (end > MAX_PATH_BYTES) {
            throw new HeaderProblem(`long ${what} ${shown(data.toString('utf8', 0, MAX_SHOWN + 1))} holds ${end} bytes, beyond the ${MAX_PATH_BYTES}-byte limit of a path`);
        }
        return data.toString('utf8', 0, end);
    }
    metaHeader(block, offset, position, typeflag) {
        this.metaType = typeflag;
        this.metaName = readString(block, offset, 100);
        this.metaOffset = position;
        let size;
        try {
            size = readNumber(block, offset + 124, 12, 'size');
        }
        catch (error) {
            throw new TarFormatError(`${META_NAMES[typeflag]} ${shown(this.metaName)} at byte ${position}: ${error.message}`);
        }
        if (size > MAX_METADATA_BYTES) {
            throw new TarFormatError(`${META_NAMES[typeflag]} ${shown(this.metaName)} at byte ${position} holds ${size} bytes, beyond the ${MAX_METADATA_BYTES}-byte limit of tar metadata`);
        }
        this.dataBytes = size;
        return 'metadata';
    }
    entryHeader(block, offset, position, typeflag, typeByte, path, rawPath, hasUstarFields, isGnu) {
        const mode = readNumber(block, offset + 100, 8, 'mode');
        readNumber(block, offset + 108, 8, 'uid', true);
        readNumber(block, offset + 116, 8, 'gid', true);
        readNumber(block, offset + 136, 12, 'mtime', true);
        if (hasUstarFields) {
            readNumber(block, offset + 329, 8, 'devmajor', true);
            readNumber(block, offset + 337, 8, 'devminor', true);
        }
        let stored = readNumber(block, offset + 124, 12, 'size');
        const pax = this.pax;
        let linkName = this.longLink ?? (pax.size > 0 ? paxRecord(pax, 'linkpath') : undefined) ?? readString(block, offset + 157, 100);
        if (pax.size > 0) {
            checkPaxNumbers(pax);
            const paxSize = paxRecord(pax, 'size');
            if (paxSize !== undefined)
                stored = paxCount('size', paxSize);
        }
        // Legacy archives mark directories by a trailing slash on an entry of type NUL (Go's TypeRegA).
        const type = typeByte === 0 && rawPath.endsWith('/') ? 'directory' : entryType(typeflag);
        if (type === 'hardlink' || type === 'symlink') {
            if (linkName === '')
                throw new HeaderProblem(`${type === 'hardlink' ? 'hard link' : 'symlink'} has no target`);
        }
        else {
            linkName = '';
        }
        this.dataBytes = HEADER_ONLY_TYPES.has(typeflag) || type === 'directory' ? 0 : stored;
        const entry = { path, type, size: type === 'file' ? stored : 0, linkName, mode };
        if (pax.size > 0)
            this.pax = new Map();
        this.longName = undefined;
        this.longLink = undefined;
        this.lastPath = path;
        this.entry = entry;
        if (typeflag === 'S') {
            // Go reads the old GNU sparse layout only in GNU headers; star's 'S' has another layout.
            if (!isGnu)
                throw new HeaderProblem('sparse entry (type S) outside the GNU format');
            const realSize = readNumber(block, offset + 483, 12, 'sparse real size');
            const map = new SparseMapCheck(realSize);
            readSparseEntries(block, offset + 386, 4, map);
            entry.size = realSize;
            entry.sparse = true;
            if (block[offset + 482] !== 0) {
                this.sparse = { entry, stored, map, extensions: 0, offset: position };
                return 'block';
            }
            map.finish(stored);
        }
        else if (pax.size > 0 && type === 'file') {
            const realSize = paxSparseSize(pax, stored);
            if (realSize !== undefined) {
                entry.size = realSize;
                entry.sparse = true;
            }
        }
        return 'entry';
    }
    sparseExtension(block, offset, sparse) {
        try {
            if (++sparse.extensions > MAX_SPARSE_EXTENSIONS) {
                throw new HeaderProblem(`sparse map runs over more than ${MAX_SPARSE_EXTENSIONS} extension blocks`);
            }
            readSparseEntries(block, offset, 21, sparse.map);
            if (block[offset + 504] !== 0)
                return 'block';
            sparse.map.finish(sparse.stored);
        }
        catch (error) {
            if (error instanceof HeaderProblem) {
                throw new TarFormatError(`entry ${shown(sparse.entry.path)} (tar header at byte ${sparse.offset}): ${error.message}`);
            }
            throw error;
        }
        this.sparse = undefined;
        this.entry = sparse.entry;
        this.dataBytes = sparse.stored;
        return 'entry';
    }
}
/** A record of the extended header; an empty value keeps the header's own field, as POSIX says. */
function paxRecord(records, key) {
    const value = records.get(key);
    return value === '' ? undefined : value;
}
/**
 * The apparent size of a PAX sparse file (GNU formats 0.0, 0.1 and 1.0), or undefined when the
 * records describe no sparse file. What is stored is the data regions only (0.x), or a map at the
 * start of the data followed by the regions (1.0); either way the archive holds `stored` bytes.
 */
function paxSparseSize(records, stored) {
    const major = paxRecord(records, 'GNU.sparse.major');
    const minor = paxRecord(records, 'GNU.sparse.minor');
    const map = records.get('GNU.sparse.map');
    const sizeText = paxRecord(records, 'GNU.sparse.size') ?? paxRecord(records, 'GNU.sparse.realsize');
    if (major === undefined && minor === undefined && map === undefined) {
        if (sizeText !== undefined)
            throw new HeaderProblem('GNU sparse records give a real size but no sparse map or format version');
        return undefined;
    }
    const version = `${major ?? '0'}.${minor ?? (map !== undefined ? '1' : '')}`;
    if (version !== '0.0' && version !== '0.1' && version !== '1.0') {
        throw new HeaderProblem(`GNU sparse format version ${shown(version)} is not one this reader knows (0.0, 0.1, 1.0)`);
    }
    if (sizeText === undefined)
        throw new HeaderProblem(`GNU sparse file (format ${version}) does not give its real size`);
    const realSize = paxCount(records.has('GNU.sparse.size') ? 'GNU.sparse.size' : 'GNU.sparse.realsize', sizeText);
    if (version === '1.0')
        return realSize;
    const blocks = paxCount('GNU.sparse.numblocks', records.get('GNU.sparse.numblocks') ?? '');
    const values = map === undefined || map === '' ? [] : map.split(',');
    if (values.length !== blocks * 2) {
        throw new HeaderProblem(`GNU sparse map holds ${values.length} numbers, not the ${blocks * 2} that GNU.sparse.numblocks=${blocks} needs`);
    }
    const check = new SparseMapCheck(realSize);
    for (let i = 0; i < values.length; i += 2)
        check.add(paxCount('GNU.sparse.map offset', values[i]), paxCount('GNU.sparse.map length', values[i + 1]));
    check.finish(stored);
    return realSize;
}
/**
 * Feeds on chunks of a tar stream and reports each entry's header. Content bytes are only counted
 * past, so the cost per byte is a bounds check, and memory stays at one header block plus one
 * entry's metadata (at most MAX_METADATA_BYTES).
 */
class TarScanner {
    onEntry;
    onContent;
    reader = new TarHeaderReader();
    header = Buffer.alloc(BLOCK_SIZE);
    headerFill = 0;
    skipBytes = 0;
    metaChunks = [];
    metaRemaining = 0;
    metaPadding = 0;
    ended = false;
    capture;
    sink;
    /** Bytes of the tar stream consumed so far. */
    bytes = 0;
    /**
     * `onEntry` may return true to receive the entry's content through `onContent`: meant for a few
     * small files (up to MAX_CAPTURE bytes), such as configuration that may hold credentials; or a
     * ContentSink, which sees the content of a regular file of any size as it streams past.
     */
    constructor(onEntry, onContent) {
        this.onEntry = onEntry;
        this.onContent = onContent;
    }
    write(chunk) {
        const start = this.bytes;
        this.bytes += chunk.length;
        let pos = 0;
        const length = chunk.length;
        while (pos < length && !this.ended) {
            if (this.skipBytes > 0) {
                const step = Math.min(this.skipBytes, length - pos);
                if (this.capture !== undefined)
                    this.takeContent(chunk, pos, step);
                else if (this.sink !== undefined)
                    this.feedSink(chunk, pos, step);
                this.skipBytes -= step;
                pos += step;
            }
            else if (this.metaRemaining > 0) {
                const step = Math.min(this.metaRemaining, length - pos);
                this.metaChunks.push(chunk.subarray(pos, pos + step));
                this.metaRemaining -= step;
                pos += step;
                if (this.metaRemaining === 0)
                    this.finishMeta();
            }
            else if (this.headerFill === 0 && length - pos >= BLOCK_SIZE) {
                this.handleBlock(chunk, pos, start + pos);
                pos += BLOCK_SIZE;
            }
            else {
                const step = Math.min(BLOCK_SIZE - this.headerFill, length - pos);
                chunk.copy(this.header, this.headerFill, pos, pos + step);
                this.headerFill += step;
                pos += step;
                if (this.headerFill === BLOCK_SIZE) {
                    this.headerFill = 0;
                    this.handleBlock(this.header, 0, start + pos - BLOCK_SIZE);
                }
            }
        }
    }
    /** Checks that the stream did not stop inside an entry. */
    end() {
        if (this.ended)
            return;
        if (this.skipBytes > 0 || this.metaRemaining > 0 || this.headerFill > 0) {
            const inside = this.metaRemaining > 0 ? 'the metadata of an entry' : `entry ${shown(this.reader.entry.path)}`;
            throw new TarFormatError(`the tar stream ends inside ${inside} after ${this.bytes} bytes: the layer is truncated`);
        }
    }
    handleBlock(block, offset, position) {
        switch (this.reader.next(block, offset, position)) {
            case 'block':
                return;
            case 'end':
                this.ended = true;
                return;
            case 'metadata': {
                const size = this.reader.dataBytes;
                this.metaChunks = [];
                this.metaRemaining = size;
                this.metaPadding = paddedSize(size) - size;
                if (size === 0)
                    this.finishMeta();
                return;
            }
            case 'entry':
                this.startEntry(this.reader.entry, this.reader.dataBytes);
        }
    }
    startEntry(entry, stored) {
        this.skipBytes = paddedSize(stored);
        const wanted = this.onEntry(entry);
        if (wanted === true && this.onContent && entry.type === 'file' && entry.sparse === undefined && stored <= MAX_CAPTURE) {
            this.capture = { entry, chunks: [], remaining: stored };
            if (stored === 0)
                this.finishCapture();
        }
        else if (typeof wanted === 'object' && wanted !== null && entry.type === 'file' && entry.sparse === undefined) {
            // A sparse file's stored bytes are not its content in order: no sink sees them.
            this.sink = { sink: wanted, remaining: stored };
            if (stored === 0)
                this.finishSink();
        }
    }
    feedSink(chunk, pos, step) {
        const sink = this.sink;
        const take = Math.min(step, sink.remaining);
        if (take > 0)
            sink.sink.write(chunk.subarray(pos, pos + take));
        sink.remaining -= take;
        if (sink.remaining === 0)
            this.finishSink();
    }
    finishSink() {
        const { sink } = this.sink;
        this.sink = undefined;
        sink.end();
    }
    takeContent(chunk, pos, step) {
        const capture = this.capture;
        const take = Math.min(step, capture.remaining);
        if (take > 0)
            capture.chunks.push(Buffer.from(chunk.subarray(pos, pos + take)));
        capture.remaining -= take;
        if (capture.remaining === 0)
            this.finishCapture();
    }
    finishCapture() {
        const { entry, chunks } = this.capture;
        this.capture = undefined;
        this.onContent(entry, Buffer.concat(chunks));
    }
    finishMeta() {
        const data = Buffer.concat(this.metaChunks);
        this.metaChunks = [];
        this.skipBytes = this.metaPadding;
        this.reader.metadata(data);
    }
}

;// CONCATENATED MODULE: ./src/net/joined-chunks.ts

/**
 * The size pieces of a stream are joined into before decompression. Pipes and sockets give 64
 * KiB at most; each piece is a round trip to zlib's thread and a call on every stream on the way,
 * so joined into larger ones a layer costs a quarter of them, for one copy.
 */
const JOINED_CHUNK_BYTES = 512 * 1024;
/** Gathers small chunks until they make JOINED_CHUNK_BYTES; a large chunk passes as it is. */
class ChunkJoiner {
    pending = [];
    pendingBytes = 0;
    /** The joined piece once there is enough, else undefined (the chunk is kept). */
    add(chunk) {
        this.pending.push(chunk);
        this.pendingBytes += chunk.length;
        return this.pendingBytes >= JOINED_CHUNK_BYTES ? this.take() : undefined;
    }
    /** What is kept, at the end of the stream. */
    take() {
        if (this.pendingBytes === 0)
            return undefined;
        const piece = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
        this.pending = [];
        this.pendingBytes = 0;
        return piece;
    }
}
/** A stream of the same bytes in pieces of JOINED_CHUNK_BYTES or more (the last one may be less). */
function joinedChunks() {
    const joiner = new ChunkJoiner();
    return new external_node_stream_.Transform({
        highWaterMark: 1 << 20,
        transform(chunk, _encoding, done) {
            done(null, joiner.add(chunk));
        },
        flush(done) {
            done(null, joiner.take());
        }
    });
}

// EXTERNAL MODULE: external "node:timers/promises"
var external_node_timers_promises_ = __webpack_require__(8500);
;// CONCATENATED MODULE: ./src/net/http.ts
// Outbound HTTP that a broken or hostile server can neither hang nor trick: every attempt has a
// deadline for its response and a floor for the pace of its body, failures worth another try are
// retried with backoff (as long as the server's Retry-After asks, within bounds), and redirects are
// followed by hand so that credentials only ever reach the origin they belong to.



const DEFAULT_HTTP_LIMITS = {
    responseTimeoutMs: 30_000,
    idleTimeoutMs: 60_000,
    minBytesPerSecond: 1024,
    retries: 4,
    retryDelayMs: 1000,
    maxRetryDelayMs: 60_000,
    totalTimeoutMs: 300_000,
    maxRedirects: 5
};
/** A failure of one attempt; `retryable` when another attempt may well succeed. */
class HttpFailure extends Error {
    retryable;
    status;
    retryAfterMs;
    constructor(message, retryable, status = 0, retryAfterMs) {
        super(message);
        this.retryable = retryable;
        this.status = status;
        this.retryAfterMs = retryAfterMs;
    }
}
class TooLargeError extends Error {
}
/** Reads a stream into memory, failing as soon as it passes `limit` bytes. */
async function readCapped(stream, limit, what) {
    const chunks = [];
    let length = 0;
    try {
        for await (const chunk of stream) {
            length += chunk.length;
            if (length > limit)
                throw new TooLargeError(`${what} is larger than ${size_formatSize(limit)}, the most that is read`);
            chunks.push(chunk);
        }
    }
    finally {
        stream.destroy();
    }
    return Buffer.concat(chunks);
}
const seconds = (ms) => `${ms < 10_000 ? (ms / 1000).toFixed(1) : Math.round(ms / 1000)} s`;
/** Statuses where the server says it could not serve now: 429 and 5xx but 501 (it never will). */
const isRetryableStatus = (status) => status === 429 || (status >= 500 && status <= 599 && status !== 501);
/** Retry-After in seconds or as an HTTP date (RFC 9110); undefined when absent or unreadable. */
function retryAfterMs(headers, now = Date.now()) {
    const value = headers.get('retry-after')?.trim();
    if (!value)
        return undefined;
    if (/^\d+$/.test(value))
        return Number(value) * 1000;
    const date = Date.parse(value);
    return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
/**
 * Runs `attempt` until it succeeds, fails for good, or the retries or the total time run out.
 * `remainingMs` tells each attempt how much of the total time is left.
 */
async function withRetries(limits, attempt) {
    const started = Date.now();
    for (let attempts = 1;; attempts++) {
        const remaining = limits.totalTimeoutMs - (Date.now() - started);
        try {
            return await attempt(Math.max(1, remaining));
        }
        catch (error) {
            if (!(error instanceof HttpFailure) || !error.retryable)
                throw error;
            const elapsed = Date.now() - started;
            const tried = `${attempts} attempt${attempts === 1 ? '' : 's'} over ${seconds(elapsed)}`;
            const wait = error.retryAfterMs ?? limits.retryDelayMs * 2 ** (attempts - 1);
            if (attempts > limits.retries)
                throw new HttpFailure(`${error.message} (gave up after ${tried})`, false, error.status);
            if (wait > limits.maxRetryDelayMs || elapsed + wait >= limits.totalTimeoutMs) {
                throw new HttpFailure(`${error.message} (gave up after ${tried}: the next try would be in ${seconds(wait)}, past the ${seconds(Math.min(limits.maxRetryDelayMs, limits.totalTimeoutMs))} allowed)`, false, error.status);
            }
            await (0,external_node_timers_promises_.setTimeout)(wait);
        }
    }
}
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/**
 * One attempt: sends the request and follows redirects by hand, up to maxRedirects, until the
 * response headers arrive or the deadline passes. The body is left to the caller (see watchBody).
 */
async function send(url, options) {
    const controller = new AbortController();
    const timeoutMs = Math.min(options.limits.responseTimeoutMs, options.timeoutMs ?? Infinity);
    let timedOut = false;
    const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
    }, timeoutMs);
    let current = url;
    let method = options.method ?? 'GET';
    let body = options.body;
    try {
        for (let redirects = 0;; redirects++) {
            const headers = { ...options.headers };
            if (options.authorization && current.origin === options.credentialsOrigin)
                headers.Authorization = options.authorization;
            let response;
            try {
                response = await options.fetch(current, { method, headers, body, redirect: 'manual', signal: controller.signal });
            }
            catch (error) {
                if (timedOut)
                    throw new HttpFailure(`${options.describe}: no response from ${current.host} within ${seconds(timeoutMs)}`, true);
                const cause = error.cause?.message ?? error.message;
                throw new HttpFailure(`${options.describe}: cannot reach ${current.host} (${cause})`, true);
            }
            const location = response.headers.get('location');
            if (!REDIRECTS.has(response.status) || location === null)
                return { response, url: current, controller };
            await response.body?.cancel().catch(() => undefined);
            if (redirects >= options.limits.maxRedirects)
                throw new HttpFailure(`${options.describe}: more than ${options.limits.maxRedirects} redirects (the last to ${location})`, false);
            let next;
            try {
                next = new URL(location, current);
            }
            catch {
                throw new HttpFailure(`${options.describe}: ${current.host} redirects to "${location}", which is not a URL`, false);
            }
            if (next.protocol !== 'https:' && next.protocol !== 'http:')
                throw new HttpFailure(`${options.describe}: ${current.host} redirects to ${next.protocol} URLs, which are not followed`, false);
            // As browsers do: a 303, or a 301/302 of a POST, turns into a GET without a body.
            if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
                method = 'GET';
                body = undefined;
            }
            current = next;
        }
    }
    catch (error) {
        controller.abort();
        throw error;
    }
    finally {
        clearTimeout(timer);
    }
}
/**
 * The response body as a stream that fails when the server stops sending, or sends less than
 * minBytesPerSecond over an idleTimeoutMs window. A window where the data waits on the reader
 * (a slow consumer) does not count against the server.
 */
function watchBody(exchange, limits, describe) {
    const { response, controller } = exchange;
    if (!response.body)
        return external_node_stream_.Readable.from([]);
    const input = external_node_stream_.Readable.fromWeb(response.body, { highWaterMark: 1 << 20 });
    const leastBytes = Math.max(1, Math.ceil((limits.minBytesPerSecond * limits.idleTimeoutMs) / 1000));
    let windowBytes = 0;
    let total = 0;
    let failed = false;
    const watch = new external_node_stream_.Transform({
        highWaterMark: 1 << 20,
        transform(chunk, _encoding, done) {
            windowBytes += chunk.length;
            total += chunk.length;
            done(null, chunk);
        }
    });
    const fail = (message) => {
        failed = true;
        watch.destroy(new HttpFailure(`${describe}: ${message}`, true));
        controller.abort();
    };
    const timer = setInterval(() => {
        if (watch.readableLength > 0 || input.readableLength > 0) {
            windowBytes = 0;
            return;
        }
        if (windowBytes === 0)
            fail(`${exchange.url.host} sent nothing for ${seconds(limits.idleTimeoutMs)} (after ${total} bytes)`);
        else if (windowBytes < leastBytes)
            fail(`${exchange.url.host} sent only ${windowBytes} bytes in ${seconds(limits.idleTimeoutMs)}, under the ${limits.minBytesPerSecond} bytes per second that are waited for`);
        windowBytes = 0;
    }, limits.idleTimeoutMs);
    timer.unref();
    input.on('error', error => {
        if (!failed)
            watch.destroy(new HttpFailure(`${describe}: the connection to ${exchange.url.host} broke after ${total} bytes (${error.message})`, true));
    });
    watch.on('close', () => {
        clearInterval(timer);
        input.destroy();
        if (!input.readableEnded)
            controller.abort();
    });
    return input.pipe(watch);
}

// EXTERNAL MODULE: external "node:worker_threads"
var external_node_worker_threads_ = __webpack_require__(5919);
;// CONCATENATED MODULE: ./src/image/hash-worker.ts
// The digest of a layer blob is computed on worker threads: SHA-256 on the thread that also scans
// the tar costs about a third of the layer read, while the decompression already runs on libuv's
// pool. The bytes are copied into a ring of shared memory (one memcpy per chunk, no allocation)
// and hashed there in order; the ring bounds what is in flight, so a slow worker slows the read
// instead of filling memory.


/** Bytes of one blob handed to a worker and not yet hashed: the size of its ring. */
const RING_BYTES = 4 * 2 ** 20;
/** Bytes copied into a ring before the worker is told: one message per piece of a network read costs more than its hashing. */
const SEND_BYTES = 256 * 1024;
/** Rings of finished blobs, for the next ones. */
const freeRings = [];
// Evaluated as a script so that it runs the same from the sources, the tests and the bundle.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const { createHash } = require('node:crypto')
const hashes = new Map()
parentPort.on('message', message => {
  const { id, op } = message
  try {
    if (op === 'start') hashes.set(id, { hash: createHash(message.algorithm), ring: new Uint8Array(message.ring) })
    else if (op === 'data') {
      const job = hashes.get(id)
      job.hash.update(job.ring.subarray(message.start, message.start + message.length))
      parentPort.postMessage({ id, hashed: message.length })
    } else if (op === 'end') {
      const digest = hashes.get(id).hash.digest('hex')
      hashes.delete(id)
      parentPort.postMessage({ id, digest })
    } else if (op === 'drop') hashes.delete(id)
  } catch (error) {
    hashes.delete(id)
    parentPort.postMessage({ id, error: String((error && error.message) || error) })
  }
})
`;
class HashThread {
    onGone;
    worker;
    jobs = new Map();
    failed;
    constructor(onGone) {
        this.onGone = onGone;
        // Hashing allocates next to nothing on the heap: a small one keeps each thread's memory small.
        this.worker = new external_node_worker_threads_.Worker(WORKER_SOURCE, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 32 } });
        this.worker.unref();
        this.worker.on('message', (reply) => {
            const job = this.jobs.get(reply.id);
            if (!job)
                return;
            if (reply.error !== undefined) {
                this.jobs.delete(reply.id);
                this.settle();
                job.onError(new Error(`hashing a blob failed: ${reply.error}`));
            }
            else if (reply.digest !== undefined) {
                this.jobs.delete(reply.id);
                this.settle();
                job.onDigest(reply.digest);
            }
            else if (reply.hashed !== undefined)
                job.onHashed(reply.hashed);
        });
        const fail = (error) => {
            this.failed ??= error;
            this.onGone(this);
            for (const job of this.jobs.values())
                job.onError(new Error(`the hashing thread stopped: ${this.failed.message}`));
            this.jobs.clear();
        };
        this.worker.on('error', fail);
        this.worker.on('exit', code => fail(new Error(`it exited with code ${code}`)));
    }
    /** The thread keeps the process alive only while it has work: an idle pool never holds an exit. */
    settle() {
        if (this.jobs.size === 0)
            this.worker.unref();
    }
    add(id, job, algorithm, ring) {
        this.jobs.set(id, job);
        this.worker.ref();
        this.worker.postMessage({ id, op: 'start', algorithm, ring });
    }
    /** The ring's bytes from `start` are the blob's next ones. */
    send(id, start, length) {
        this.worker.postMessage({ id, op: 'data', start, length });
    }
    end(id) {
        this.worker.postMessage({ id, op: 'end' });
    }
    drop(id) {
        if (!this.jobs.delete(id))
            return;
        this.settle();
        this.worker.postMessage({ id, op: 'drop' });
    }
}
const threads = [];
let nextId = 1;
/**
 * How many hashing threads there may be: one hashes faster than two decompressions produce their
 * input, so one for each two cores beyond the first two, at most 3 (each is an isolate's memory).
 */
function hashThreadCount() {
    return Math.max(1, Math.min(3, Math.floor((0,external_node_os_.availableParallelism)() / 2)));
}
function leastBusyThread() {
    if (threads.length < hashThreadCount()) {
        const idle = threads.find(thread => thread.jobs.size === 0);
        if (idle)
            return idle;
        const thread = new HashThread(gone => {
            const at = threads.indexOf(gone);
            if (at >= 0)
                threads.splice(at, 1);
        });
        threads.push(thread);
        return thread;
    }
    return threads.reduce((best, thread) => (thread.jobs.size < best.jobs.size ? thread : best));
}
/**
 * One blob's digest, computed on a hashing thread: `update` in the blob's order, then `digest`.
 * `update` returns a promise when too much is in flight; the caller waits for it before the next.
 */
class OffThreadHash {
    thread;
    id = nextId++;
    ring = freeRings.pop() ?? new SharedArrayBuffer(RING_BYTES);
    view = new Uint8Array(this.ring);
    writeAt = 0;
    /** Where the bytes copied but not yet handed to the worker start, and how many. */
    unsentAt = 0;
    unsent = 0;
    inFlight = 0;
    waiting;
    result;
    problem;
    finished;
    released = false;
    constructor(algorithm) {
        this.thread = leastBusyThread();
        this.thread.add(this.id, {
            onHashed: bytes => {
                this.inFlight -= bytes;
                // Woken once half the ring is free, not for every piece.
                if (this.waiting && this.inFlight <= RING_BYTES / 2) {
                    const { resolve } = this.waiting;
                    this.waiting = undefined;
                    resolve();
                }
            },
            onDigest: hex => {
                this.release();
                this.result?.resolve(hex);
            },
            onError: error => {
                this.problem = error;
                this.waiting?.reject(error);
                this.result?.reject(error);
                this.waiting = undefined;
            }
        }, algorithm, this.ring);
    }
    /** A ring goes back to the pool only once its worker has hashed all of it. */
    release() {
        if (this.released)
            return;
        this.released = true;
        freeRings.push(this.ring);
    }
    update(chunk) {
        if (this.problem)
            return Promise.reject(this.problem);
        for (let offset = 0; offset < chunk.byteLength;) {
            const piece = Math.min(RING_BYTES - this.inFlight, chunk.byteLength - offset, RING_BYTES - this.writeAt);
            if (piece === 0) {
                this.send();
                const rest = chunk.subarray(offset);
                return new Promise((resolve, reject) => {
                    this.waiting = { resolve: () => void (this.update(rest) ?? Promise.resolve()).then(resolve, reject), reject };
                });
            }
            this.view.set(chunk.subarray(offset, offset + piece), this.writeAt);
            this.writeAt = (this.writeAt + piece) % RING_BYTES;
            this.inFlight += piece;
            this.unsent += piece;
            offset += piece;
            // A message per range, never across the ring's end.
            if (this.unsent >= SEND_BYTES || this.writeAt === 0)
                this.send();
        }
        return undefined;
    }
    send() {
        if (this.unsent === 0)
            return;
        this.thread.send(this.id, this.unsentAt, this.unsent);
        this.unsentAt = this.writeAt;
        this.unsent = 0;
    }
    /** The hex digest of everything passed to `update`. */
    digest() {
        this.finished ??= new Promise((resolve, reject) => {
            if (this.problem) {
                reject(this.problem);
                return;
            }
            this.result = { resolve, reject };
            this.send();
            this.thread.end(this.id);
        });
        return this.finished;
    }
    /** Stops hashing a blob that will not be read to its end (its ring is not reused: the worker may still read it). */
    abandon() {
        if (this.finished === undefined)
            this.thread.drop(this.id);
    }
}

;// CONCATENATED MODULE: ./src/image/verify.ts
// Every blob is content-addressed: its descriptor names its digest and size, and nothing read from
// a layout, an archive or a registry is believed until its bytes match both. A source that serves
// other bytes, more or fewer, fails the read, and nothing of the blob is used or kept.






const verify_MiB = 1024 * 1024;
/** The largest index or manifest read into memory (real ones are a few KiB). */
const MAX_MANIFEST_BYTES = 4 * verify_MiB;
/** The largest image config read into memory (long histories reach a few MiB). */
const MAX_CONFIG_BYTES = 32 * verify_MiB;
/** The largest token response of a registry's authentication service. */
const MAX_TOKEN_BYTES = 1 * verify_MiB;
/** How deep indexes may nest below the roots (buildx writes 2 levels). */
const MAX_MANIFEST_DEPTH = 8;
/** How many indexes and manifests one image may have in all. */
const MAX_MANIFESTS = 1000;
class BlobIntegrityError extends Error {
}
/** A byte count in messages: exact, with its size in the report's units once it is large. */
const bytes = (count) => (count < 1000 ? `${count} bytes` : `${count} bytes (${size_formatSize(count)})`);
/** The cap of a JSON blob of this media type. */
function jsonLimit(mediaType) {
    return INDEX_TYPES.includes(mediaType) || MANIFEST_TYPES.includes(mediaType) ? MAX_MANIFEST_BYTES : MAX_CONFIG_BYTES;
}
const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
function isSize(value) {
    return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
/** A descriptor as a manifest or index lists it, checked before its digest names a file or URL. */
function checkDescriptor(value, where) {
    if (!isObject(value))
        throw new BlobIntegrityError(`${where} is not a descriptor: ${JSON.stringify(value)?.slice(0, 80)}`);
    const { mediaType, digest, size } = value;
    if (typeof mediaType !== 'string')
        throw new BlobIntegrityError(`${where} has no media type`);
    if (typeof digest !== 'string')
        throw new BlobIntegrityError(`${where} has no digest`);
    try {
        checkDigest(digest);
    }
    catch (error) {
        throw new BlobIntegrityError(`${where}: ${error.message}`);
    }
    if (!isSize(size))
        throw new BlobIntegrityError(`${where} (${digest}) has size ${JSON.stringify(size)}, which is not a byte count`);
    const { platform } = value;
    if (platform !== undefined && (!isObject(platform) || typeof platform.os !== 'string' || typeof platform.architecture !== 'string' || !['string', 'undefined'].includes(typeof platform.variant))) {
        throw new BlobIntegrityError(`${where} (${digest}) has a platform without os and architecture: ${JSON.stringify(platform)?.slice(0, 80)}`);
    }
    if (value.annotations !== undefined && !isObject(value.annotations))
        throw new BlobIntegrityError(`${where} (${digest}) has annotations that are not an object`);
    return value;
}
function hashOf(digest) {
    const [algorithm, expected] = checkDigest(digest).split(':');
    return { algorithm, expected, hash: (0,external_node_crypto_.createHash)(algorithm) };
}
/** The digest of bytes held in memory, in the algorithm of `like` (sha256 when not given). */
function digestOf(data, like = `sha256:${'0'.repeat(64)}`) {
    const { algorithm, hash } = hashOf(like);
    return `${algorithm}:${hash.update(data).digest('hex')}`;
}
/** Blobs from this size on are hashed on a hashing thread (see hash-worker.ts); smaller ones inline. */
const OFF_THREAD_HASH_BYTES = 1 << 20;
/**
 * Hashes and counts a blob as it passes: fails at the first byte past the declared size, and at the
 * end when the blob is shorter or its digest differs. Its readable side ends only for a blob that
 * is exactly what its descriptor says. A layer's bytes are hashed on another thread, in order,
 * while they go on to be decompressed here.
 */
class BlobVerifier extends external_node_stream_.Transform {
    descriptor;
    label;
    hash;
    offThread;
    algorithm;
    expected;
    received = 0;
    constructor(descriptor, label) {
        super({ highWaterMark: 1 << 20 });
        this.descriptor = descriptor;
        this.label = label;
        const [algorithm, expected] = checkDigest(descriptor.digest).split(':');
        this.algorithm = algorithm;
        this.expected = expected;
        if (descriptor.size >= OFF_THREAD_HASH_BYTES)
            this.offThread = new OffThreadHash(algorithm);
        else
            this.hash = (0,external_node_crypto_.createHash)(algorithm);
    }
    problem(what) {
        return new BlobIntegrityError(`${this.label}: blob ${this.descriptor.digest} ${what}`);
    }
    _transform(chunk, _encoding, done) {
        this.received += chunk.length;
        if (this.received > this.descriptor.size) {
            done(this.problem(`has more than the ${bytes(this.descriptor.size)} its descriptor declares`));
            return;
        }
        if (this.hash) {
            this.hash.update(chunk);
            done(null, chunk);
            return;
        }
        const wait = this.offThread.update(chunk);
        this.push(chunk);
        if (wait)
            wait.then(() => done(), done);
        else
            done();
    }
    _flush(done) {
        if (this.received < this.descriptor.size) {
            done(this.problem(`ends after ${this.received} bytes, but its descriptor declares ${bytes(this.descriptor.size)}`));
            return;
        }
        const check = (actual) => {
            if (actual !== this.expected)
                done(this.problem(`holds other content: its bytes have digest ${this.algorithm}:${actual}`));
            else
                done();
        };
        if (this.hash)
            check(this.hash.digest('hex'));
        else
            this.offThread.digest().then(check, done);
    }
    _destroy(error, done) {
        this.offThread?.abandon();
        done(error);
    }
}
/** The blob's bytes through a BlobVerifier; errors of `blob` come out of the returned stream. */
function verifyBlob(blob, descriptor, label) {
    const verifier = new BlobVerifier(descriptor, label);
    blob.on('error', error => verifier.destroy(error));
    verifier.on('close', () => blob.destroy());
    return blob.pipe(verifier);
}
function parseJson(data, what) {
    try {
        return JSON.parse(data.toString('utf8'));
    }
    catch {
        throw new BlobIntegrityError(`${what} is not JSON (${JSON.stringify(data.subarray(0, 40).toString('utf8'))}...)`);
    }
}
/** Refuses a JSON blob whose descriptor claims more than its kind may hold, before it is fetched. */
function checkJsonSize(descriptor, label) {
    const limit = jsonLimit(descriptor.mediaType);
    if (descriptor.size > limit) {
        throw new BlobIntegrityError(`${label}: blob ${descriptor.digest} (${descriptor.mediaType}) declares ${size_formatSize(descriptor.size)}, more than the ${size_formatSize(limit)} such a document may have`);
    }
}
/** A verified JSON blob: its size checked before reading, its bytes while reading. */
async function readJsonBlob(open, descriptor, label) {
    checkJsonSize(descriptor, label);
    const data = await readCapped(verifyBlob(await open(), descriptor, label), jsonLimit(descriptor.mediaType), `${label}: blob ${descriptor.digest}`);
    return parseJson(data, `${label}: blob ${descriptor.digest}`);
}

;// CONCATENATED MODULE: ./src/image/measure.ts














class ImageFormatError extends Error {
}
const measure_isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
/** A list a document may leave out; anything but an array there is refused. */
function measure_listOf(value, what) {
    if (value === undefined || value === null)
        return [];
    if (!Array.isArray(value))
        throw new ImageFormatError(`${what} is not a list`);
    return value;
}
function stringsOf(value, what) {
    const list = measure_listOf(value, what);
    if (list.some(item => typeof item !== 'string'))
        throw new ImageFormatError(`${what} holds something other than digests`);
    return list;
}
/** A history entry with only the fields of the types they should have: a text is shown, a flag counted. */
function historyEntry(value) {
    if (!measure_isObject(value))
        return {};
    const entry = {};
    for (const key of ['created', 'created_by', 'comment'])
        if (typeof value[key] === 'string')
            entry[key] = value[key];
    if (value.empty_layer === true)
        entry.empty_layer = true;
    return entry;
}
/** The platform a config names, when the index gave none; only its text fields are believed. */
function configPlatform(config) {
    const text = (value) => (typeof value === 'string' && value !== '' ? value : undefined);
    return { os: text(config.os) ?? 'unknown', architecture: text(config.architecture) ?? 'unknown', variant: text(config.variant) };
}
/**
 * Finds every platform image below the source's roots; attestation manifests are not platforms.
 * Every descriptor is checked before it is followed, and the walk is bounded in depth and in
 * manifests, so that an index of indexes without end cannot hold the run.
 */
async function resolveImage(source) {
    const roots = (await source.roots()).map((root, index) => checkDescriptor(root, `${source.label}: root manifest ${index + 1}`));
    if (roots.length === 0)
        throw new ImageFormatError(`${source.label} holds no image`);
    const platforms = [];
    const seen = new Set();
    const artifacts = [];
    const visit = async (descriptor, depth) => {
        if (seen.has(descriptor.digest) || isAttestationDescriptor(descriptor))
            return;
        seen.add(descriptor.digest);
        if (seen.size > MAX_MANIFESTS)
            throw new ImageFormatError(`${source.label} has more than ${MAX_MANIFESTS} manifests and indexes`);
        if (INDEX_TYPES.includes(descriptor.mediaType)) {
            if (depth >= MAX_MANIFEST_DEPTH)
                throw new ImageFormatError(`${source.label}: index ${descriptor.digest} nests indexes more than ${MAX_MANIFEST_DEPTH} deep`);
            const index = await source.readJson(descriptor);
            const what = `${source.label}: index ${descriptor.digest}`;
            if (!measure_isObject(index))
                throw new ImageFormatError(`${what} is not a JSON object`);
            const children = measure_listOf(index.manifests, `${what}: manifests`).map((child, position) => checkDescriptor(child, `${what}: manifest ${position + 1}`));
            for (const child of children)
                await visit(child, depth + 1);
            return;
        }
        if (!MANIFEST_TYPES.includes(descriptor.mediaType))
            return;
        const what = `${source.label}: manifest ${descriptor.digest}`;
        const manifest = await source.readJson(descriptor);
        if (!measure_isObject(manifest))
            throw new ImageFormatError(`${what} is not a JSON object`);
        if (isAttestationManifest(manifest))
            return;
        const refusal = notAnImage(manifest);
        if (refusal !== undefined) {
            artifacts.push(`${descriptor.digest} is ${refusal}`);
            return;
        }
        const configDescriptor = checkDescriptor(manifest.config, `${what}: config`);
        const layers = measure_listOf(manifest.layers, `${what}: layers`).map((layer, position) => checkDescriptor(layer, `${what}: layer ${position + 1}`));
        const config = await source.readJson(configDescriptor);
        const configWhat = `${source.label}: config ${configDescriptor.digest}`;
        if (!measure_isObject(config))
            throw new ImageFormatError(`${configWhat} is not a JSON object`);
        const history = measure_listOf(config.history, `${configWhat}: history`).map(historyEntry);
        const user = measure_isObject(config.config) && typeof config.config.User === 'string' ? config.config.User : '';
        platforms.push({
            platform: platformName(descriptor.platform ?? configPlatform(config)),
            manifest: descriptor,
            config: configDescriptor,
            layers,
            history,
            user,
            diffIds: stringsOf(measure_isObject(config.rootfs) ? config.rootfs.diff_ids : undefined, `${configWhat}: rootfs.diff_ids`)
        });
    };
    for (const root of roots)
        await visit(root, 0);
    if (platforms.length === 0 && artifacts.length > 0) {
        throw new ImageFormatError(`${source.label} holds no container image to measure: ${artifacts.join('; ')}`);
    }
    if (platforms.length === 0)
        throw new ImageFormatError(`${source.label} holds no image manifest`);
    return { digest: roots[0].digest, platforms };
}
/** The history entry of each layer: history lists every step, layers only those not `empty_layer`. */
function layerHistory(history, layerCount) {
    const withLayers = history.filter(entry => !entry.empty_layer);
    // Images whose history is missing or does not line up get no instruction rather than a wrong one.
    if (withLayers.length !== layerCount)
        return new Array(layerCount).fill(undefined);
    return withLayers;
}
/**
 * Reads one layer: from the store when it was read before (in this run or an earlier one), else by
 * streaming the blob through decompression and the tar scanner, which in the same pass measures it,
 * records its entries in the store and looks into the few files that may hold credentials.
 */
async function readLayer(source, layer, store, apply, onRead) {
    const stored = await store.stored(layer.digest);
    if (stored !== undefined) {
        try {
            checkStoredLayer(source, layer, stored.summary);
        }
        catch (error) {
            await stored.close();
            throw error;
        }
        await stored.replay(apply);
        return stored.summary;
    }
    onRead?.();
    const { writer, commit } = await store.writer(layer.digest);
    let size = 0;
    let files = 0;
    const secrets = [];
    const packageCapture = new PackageCapture();
    const scanner = new TarScanner(entry => {
        const kind = entryKind(entry.type, entry.path);
        if (kind === EntryKind.File) {
            size += entry.size;
            files++;
        }
        writer.add(entry.path, kind, entry.size, entry.linkName);
        apply(entry.path, kind, entry.size, entry.linkName);
        if (kind !== EntryKind.File)
            return false;
        return isSecretCandidate(entry.path) || packageCapture.wants(entry);
    }, (entry, content) => {
        const finding = inspectSecretCandidate(entry.path, content);
        if (finding)
            secrets.push(finding);
    });
    const sink = new external_node_stream_.Writable({
        highWaterMark: 1 << 20,
        write(chunk, _encoding, done) {
            try {
                scanner.write(chunk);
                done();
            }
            catch (error) {
                done(error);
            }
        },
        final(done) {
            try {
                scanner.end();
                done();
            }
            catch (error) {
                done(error);
            }
        }
    });
    // Which stream failed first: a blob that does not decode may be another blob, and its digest says so.
    let failed;
    let packages;
    let compression = 'none';
    try {
        // Inside the try: a media type of no known compression is the image's fault, told as such.
        compression = compressionOf(layer.mediaType);
        const transform = decompressor(compression);
        const blob = await source.open(layer);
        blob.once('error', () => (failed ??= 'blob'));
        for (const stream of [transform, sink])
            stream?.once('error', () => (failed ??= 'decoder'));
        // Sockets and pipes give small pieces: joined once here, whatever the source (see joined-chunks.ts).
        if (transform)
            await (0,external_node_stream_promises_.pipeline)(blob, joinedChunks(), transform, sink);
        else
            await (0,external_node_stream_promises_.pipeline)(blob, sink);
        // The source's stream ends only once the blob is verified: a decoder that stopped early must not
        // let an unverified remainder pass.
        if (!blob.readableEnded)
            throw new Error('the layer was not read to its end');
        packages = packageCapture.finish();
        await commit({ size, files, secrets, ...(packages ? { packages } : {}), compression, blobBytes: layer.size });
    }
    catch (error) {
        await writer.discard();
        if (error instanceof BlobIntegrityError || error instanceof LayerStoreError)
            throw error;
        if (failed === 'decoder')
            await verifyWhole(source, layer);
        throw new ImageFormatError(`layer ${layer.digest} of ${source.label}: ${error.message}`);
    }
    return { version: 0, size, files, entries: writer.entries, entriesBytes: writer.bytes, secrets, ...(packages ? { packages } : {}), compression, blobBytes: layer.size };
}
/**
 * A layer replayed from the store is not read again, so its descriptor is held against what was
 * read: the same digest declared in another compression or length names bytes no puller can
 * decode as declared (the store keeps what a read of the blob found).
 */
function checkStoredLayer(source, layer, summary) {
    const declared = compressionOf(layer.mediaType);
    if (declared !== summary.compression) {
        const found = summary.compression === 'none' ? 'not compressed' : `${summary.compression} data`;
        throw new BlobIntegrityError(`${source.label}: layer ${layer.digest} is declared ${layer.mediaType}, but its bytes, read before, are ${found}`);
    }
    if (layer.size !== summary.blobBytes) {
        throw new BlobIntegrityError(`${source.label}: layer ${layer.digest} is declared ${layer.size} bytes, but its blob, read before, is ${summary.blobBytes}`);
    }
}
/** Reads a blob to its end for its verification alone; throws only when it is not the blob it should be. */
async function verifyWhole(source, layer) {
    try {
        for await (const _chunk of await source.open(layer))
            ;
    }
    catch (error) {
        if (error instanceof BlobIntegrityError)
            throw error;
    }
}
/** How many layers are read from their blobs at once: one per core, at least 2 (a fetch overlaps a scan), at most 4. */
function layerReadConcurrency() {
    return Math.max(2, Math.min(4, (0,external_node_os_.availableParallelism)()));
}
/** The process's memory past which no layer is read ahead: the rest are read in order. */
const READ_AHEAD_MEMORY = 128 * 2 ** 20;
/**
 * Reads the layers ahead of the one being applied into the store, so that several decompress at
 * once (each on a thread of libuv's pool, their digests on hashing threads); they are then
 * replayed from the store in order. A failure of a layer read ahead is kept until that layer's
 * turn, so that what comes before it is measured as it would be read in order.
 */
class LayersAhead {
    source;
    store;
    concurrency;
    memory;
    reads = new Map();
    running = 0;
    /** Whether the layer being applied is read from its blob (not replayed from a read ahead): it takes a slot. */
    headReading = false;
    stopped = false;
    waiting = [];
    constructor(source, store, concurrency, memory) {
        this.source = source;
        this.store = store;
        this.concurrency = concurrency;
        this.memory = memory;
    }
    /** Starts reading these layers (in order, as slots free up) unless stored, started or already read. */
    start(layers) {
        for (const { layer, onRead } of layers) {
            if (this.reads.has(layer.digest))
                continue;
            this.reads.set(layer.digest, this.slot(async () => {
                const stored = await this.store.stored(layer.digest);
                if (stored !== undefined)
                    return stored.close();
                await readLayer(this.source, layer, this.store, () => undefined, onRead);
            }).then(ran => (ran ? {} : { skipped: true }), (failed) => ({ failed })));
        }
    }
    /** Runs the work in a free slot; false when it was not run (stopped, or memory is short). */
    async slot(work) {
        // The layer being applied, when read from its blob, takes one of the slots.
        while (this.running >= this.concurrency - (this.headReading ? 1 : 0) && !this.stopped)
            await new Promise(resolve => this.waiting.push(resolve));
        // An image of many files fills memory with its filesystem, and its layers cost the scan of the
        // tar more than decompression: reading them at once would gain little for the memory it takes.
        if (this.stopped || process.memoryUsage.rss() > this.memory) {
            // The slot stays free: the next one waiting decides for itself.
            this.waiting.shift()?.();
            return false;
        }
        this.running++;
        try {
            await work();
            return true;
        }
        finally {
            this.running--;
            this.waiting.shift()?.();
        }
    }
    /** Reads the layer being applied from its blob, in a slot of its own. */
    async readHead(read) {
        this.headReading = true;
        try {
            return await read();
        }
        finally {
            this.headReading = false;
            this.waiting.shift()?.();
        }
    }
    /** Waits for the read of this layer when one was started ahead; true when one was. */
    async awaitRead(digest) {
        const read = this.reads.get(digest);
        if (read === undefined)
            return false;
        const { failed, skipped } = await read;
        if (failed !== undefined)
            throw failed;
        return !skipped;
    }
    /** Starts nothing more and lets the reads under way finish (their errors dropped): nothing is left writing into the store. */
    async settle() {
        this.stopped = true;
        this.waiting.splice(0).forEach(resolve => resolve());
        await Promise.all(this.reads.values());
    }
}
/**
 * Measures every platform. A layer shared by several platforms (or repeated) is read once: layers
 * are content-addressed, so the digest is a safe key.
 */
async function measureImage(source, image, options) {
    const concurrency = options.concurrency ?? layerReadConcurrency();
    const ahead = concurrency > 1 ? new LayersAhead(source, options.store, concurrency, options.readAheadMemory ?? READ_AHEAD_MEMORY) : undefined;
    // Each blob once, at its first place: a layer the platforms share must not fill the window of
    // those read ahead, or a distinct layer further on waits for the one before it to finish.
    const order = [];
    const placeOf = new Map();
    for (const platform of image.platforms) {
        for (const [index, layer] of platform.layers.entries()) {
            if (placeOf.has(layer.digest))
                continue;
            placeOf.set(layer.digest, order.length);
            order.push({ layer, onRead: () => options.onLayer?.(platform.platform, index, layer) });
        }
    }
    try {
        return await measureInOrder(image, options, async (layer, apply, onRead) => {
            // The layer to apply now is read directly unless it was started ahead; those after it start.
            if (!ahead)
                return readLayer(source, layer, options.store, apply, onRead);
            const place = placeOf.get(layer.digest);
            const next = order.slice(place + 1, place + 1 + concurrency * 2);
            if (await ahead.awaitRead(layer.digest)) {
                // Read ahead: replayed from the store.
                ahead.start(next);
                return readLayer(source, layer, options.store, apply);
            }
            return ahead.readHead(() => {
                ahead.start(next);
                return readLayer(source, layer, options.store, apply, onRead);
            });
        });
    }
    finally {
        await ahead?.settle();
    }
}
async function measureInOrder(image, options, read) {
    const results = [];
    for (const platform of image.platforms) {
        const history = layerHistory(platform.history, platform.layers.length);
        const layers = [];
        const filesystem = new OverlayFilesystem(options.topCount ?? 10);
        const secrets = [];
        const layerPackages = [];
        for (const [index, layer] of platform.layers.entries()) {
            const content = await read(layer, (path, kind, size, linkName) => filesystem.apply(path, kind, size, index, linkName), () => options.onLayer?.(platform.platform, index, layer));
            for (const finding of content.secrets)
                secrets.push({ ...finding, layer: index });
            layerPackages.push(content.packages);
            layers.push({
                digest: layer.digest,
                size: content.size,
                compressedSize: layer.size,
                createdBy: history[index]?.created_by ?? '',
                ...(platform.diffIds[index] ? { diffId: platform.diffIds[index] } : {}),
                files: content.files
            });
        }
        const size = layers.reduce((sum, layer) => sum + layer.size, 0);
        const attribution = new PackageAttributor(filesystem, layerPackages);
        const visitor = options.visitFiles?.(platform);
        const largest = filesystem.largest(options.topCount ?? 10, visitor === undefined
            ? attribution.visit
            : (path, fileSize, layer, owner) => {
                attribution.visit(path, fileSize, layer, owner);
                visitor(path, fileSize, layer, owner);
            });
        const packages = attribution.finish();
        const measurement = {
            platform: platform.platform,
            digest: platform.manifest.digest,
            configDigest: platform.config.digest,
            size,
            compressedSize: layers.reduce((sum, layer) => sum + layer.compressedSize, 0),
            layerCount: layers.length,
            layers,
            wastedBytes: filesystem.wastedBytes,
            efficiency: size === 0 ? 1 : (size - filesystem.wastedBytes) / size,
            topFiles: largest.files,
            topDirectories: largest.directories,
            topWaste: filesystem.topWaste.items,
            // A secret file counts only while the version that holds it is the visible one.
            secrets: secrets.filter(finding => filesystem.visibleLayer(finding.path) === finding.layer),
            packages: packages.packages,
            unpackaged: packages.unpackaged,
            packageNotes: packages.notes,
            packageOwners: packages.owners,
            wasteByLayers: [...filesystem.wasteByLayers]
                .map(([pair, bytes]) => ({ writtenBy: Math.floor(pair / 0x10000), hiddenBy: pair % 0x10000, bytes }))
                .sort((a, b) => b.bytes - a.bytes)
        };
        results.push(measurement);
        options.onPlatform?.(measurement);
    }
    return results;
}

;// CONCATENATED MODULE: ./src/scan/trivy-report.ts
// Reads Trivy's JSON report (`trivy image --format json`). Facts of the format: `Results` is
// omitted when there is nothing to report, and so is `Vulnerabilities` inside a result; one report
// may hold results of several classes (os-pkgs, lang-pkgs, secret, ...); `FixedVersion` is set
// only when a fix exists.



class TrivyReportError extends Error {
}
function emptyCounts() {
    return { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 };
}
function severityOf(text) {
    const value = (text ?? '').toLowerCase();
    return SEVERITIES.includes(value) ? value : 'unknown';
}
function countFindings(findings) {
    const vulnerabilities = emptyCounts();
    const fixable = emptyCounts();
    for (const finding of findings) {
        vulnerabilities[finding.severity]++;
        if (finding.fixed)
            fixable[finding.severity]++;
    }
    return { vulnerabilities, fixable };
}
/** Parses a report; `source` names it in errors (a file path, or "trivy's output"). */
function parseTrivyReport(text, source) {
    let report;
    try {
        report = JSON.parse(text);
    }
    catch (error) {
        throw new TrivyReportError(`${source} is not JSON: ${error.message}`);
    }
    if (typeof report !== 'object' || report === null || Array.isArray(report)) {
        throw new TrivyReportError(`${source} is not a Trivy JSON report`);
    }
    if (report.SchemaVersion !== undefined && report.SchemaVersion !== 2) {
        throw new TrivyReportError(`${source} has Trivy report schema ${JSON.stringify(report.SchemaVersion)}; version 2 is read`);
    }
    if (report.Results !== undefined && report.Results !== null && !Array.isArray(report.Results)) {
        throw new TrivyReportError(`${source}: Results is not a list`);
    }
    const isRecord = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
    /** A field Trivy writes as a string, or leaves out. */
    const field = (record, name, at) => {
        const value = record[name];
        if (value === undefined || value === null || typeof value === 'string')
            return value ?? undefined;
        throw new TrivyReportError(`${source}: ${at}.${name} is ${shownValue(value)}, not a string`);
    };
    const findings = [];
    for (const [resultIndex, result] of (report.Results ?? []).entries()) {
        const at = `Results[${resultIndex}]`;
        if (!isRecord(result))
            throw new TrivyReportError(`${source}: ${at} is ${shownValue(result)}, not an object`);
        const vulnerabilities = result.Vulnerabilities;
        if (vulnerabilities !== undefined && vulnerabilities !== null && !Array.isArray(vulnerabilities)) {
            throw new TrivyReportError(`${source}: ${at}.Vulnerabilities is ${shownValue(vulnerabilities)}, not a list`);
        }
        const target = field(result, 'Target', at) ?? '';
        const resultClass = field(result, 'Class', at) ?? '';
        for (const [index, vulnerability] of (vulnerabilities ?? []).entries()) {
            const inner = `${at}.Vulnerabilities[${index}]`;
            if (!isRecord(vulnerability))
                throw new TrivyReportError(`${source}: ${inner} is ${shownValue(vulnerability)}, not an object`);
            const layer = vulnerability.Layer;
            if (layer !== undefined && layer !== null && !isRecord(layer))
                throw new TrivyReportError(`${source}: ${inner}.Layer is ${shownValue(layer)}, not an object`);
            const fixed = field(vulnerability, 'FixedVersion', inner);
            const link = field(vulnerability, 'PrimaryURL', inner);
            const title = field(vulnerability, 'Title', inner);
            findings.push({
                id: field(vulnerability, 'VulnerabilityID', inner) ?? '',
                package: field(vulnerability, 'PkgName', inner) ?? '',
                installed: field(vulnerability, 'InstalledVersion', inner) ?? '',
                ...(fixed ? { fixed } : {}),
                severity: severityOf(field(vulnerability, 'Severity', inner)),
                ...(link ? { link } : {}),
                ...(title ? { title } : {}),
                class: resultClass,
                target,
                ...(isRecord(layer) ? { layer: { digest: field(layer, 'Digest', `${inner}.Layer`), diffId: field(layer, 'DiffID', `${inner}.Layer`) } } : {})
            });
        }
    }
    return { ...countFindings(findings), findings };
}

;// CONCATENATED MODULE: ./src/baseline/baseline.ts






class BaselineError extends Error {
}
// Paired by history on both sides: a registry baseline has no Dockerfile text, a run has both.
const layerKey = (layer) => instructionKey(layer.createdBy);
/** A baseline from an earlier JSON report (schema version 1). */
function baselineFromReport(report, source, reference) {
    return {
        source,
        reference,
        ...(report.createdAt ? { createdAt: report.createdAt } : {}),
        unavailable: report.platforms.some(platform => platform.vulnerabilities) ? [] : ['vulnerabilities'],
        platforms: report.platforms.map(platform => ({
            platform: platform.platform,
            size: platform.size,
            compressedSize: platform.compressedSize,
            layerCount: platform.layerCount,
            wastedBytes: platform.wastedBytes,
            ...(platform.vulnerabilities ? { vulnerabilities: platform.vulnerabilities } : {}),
            ...(platform.stages ? { stages: platform.stages } : {}),
            ...(platform.packages ? { packages: platform.packages.map(item => ({ ecosystem: item.ecosystem, name: item.name, version: item.version, bytes: item.bytes })) } : {}),
            layers: platform.layers.map(layer => ({ digest: layer.digest, size: layer.size, compressedSize: layer.compressedSize, key: layerKey(layer), ...(layer.instruction ? { label: layer.instruction } : {}), ...(layer.line ? { line: layer.line } : {}) }))
        }))
    };
}
const BYTES = ['a whole, non-negative number', value => Number.isSafeInteger(value) && value >= 0];
const LINE = ['a line number', value => Number.isSafeInteger(value) && value > 0];
const TEXT = ['a string', value => typeof value === 'string'];
const LIST = ['a list', Array.isArray];
const RECORD = ['an object', value => typeof value === 'object' && value !== null && !Array.isArray(value)];
/**
 * Checks every field a baseline is made of, as schema version 1 writes them; the first that is
 * missing or of the wrong type is named, with its path (`platforms[0].layers[2].size`).
 */
function checkReport(report) {
    const problem = (field, value, [expected]) => `${field} is ${shownValue(value)}, not ${expected}`;
    const check = (record, prefix, fields, optional = {}) => {
        for (const [name, rule] of Object.entries(fields))
            if (!rule[1](record[name]))
                return problem(`${prefix}${name}`, record[name], rule);
        for (const [name, rule] of Object.entries(optional))
            if (record[name] !== undefined && !rule[1](record[name]))
                return problem(`${prefix}${name}`, record[name], rule);
        return undefined;
    };
    const eachOf = (items, prefix, visit) => {
        for (const [index, item] of items.entries()) {
            const at = `${prefix}[${index}]`;
            if (!RECORD[1](item))
                return problem(at, item, RECORD);
            const found = visit(item, `${at}.`);
            if (found)
                return found;
        }
        return undefined;
    };
    if (!RECORD[1](report))
        return problem('the report', report, RECORD);
    const top = report;
    if (top.schemaVersion !== 1)
        return `schemaVersion is ${shownValue(top.schemaVersion)}, not 1`;
    return (check(top, '', { platforms: LIST }, { createdAt: TEXT }) ??
        eachOf(top.platforms, 'platforms', (platform, at) => {
            const severities = Object.fromEntries(SEVERITIES.map(severity => [severity, BYTES]));
            return (check(platform, at, { platform: TEXT, size: BYTES, compressedSize: BYTES, layerCount: BYTES, wastedBytes: BYTES, layers: LIST }, { vulnerabilities: RECORD, stages: LIST, packages: LIST }) ??
                (platform.packages ? eachOf(platform.packages, `${at}packages`, (item, inner) => check(item, inner, { ecosystem: TEXT, name: TEXT, version: TEXT, bytes: BYTES })) : undefined) ??
                (platform.vulnerabilities ? check(platform.vulnerabilities, `${at}vulnerabilities.`, severities) : undefined) ??
                (platform.stages ? eachOf(platform.stages, `${at}stages`, (stage, inner) => check(stage, inner, { stage: TEXT, bytes: BYTES })) : undefined) ??
                eachOf(platform.layers, `${at}layers`, (layer, inner) => check(layer, inner, { digest: TEXT, size: BYTES, compressedSize: BYTES, createdBy: TEXT }, { instruction: TEXT, line: LINE })));
        }));
}
/** A baseline from a report file (given with `baseline`, or restored from the cache), checked field by field. */
async function readBaselineFile(file, shown) {
    let report;
    try {
        report = JSON.parse(await readRegularFile(file, FILE_LIMITS[Input.Baseline]));
    }
    catch (error) {
        const reason = error instanceof SyntaxError ? `not JSON: ${error.message}` : error.message;
        throw new BaselineError(`Input "baseline": cannot read the report "${shown}" (${reason})`);
    }
    const problem = checkReport(report);
    if (problem)
        throw new BaselineError(`Input "baseline": "${shown}" is not an image-budget report of schema version 1: ${problem}`);
    return baselineFromReport(report, 'file', shown);
}
/**
 * A baseline from a registry image, from its manifests and configs only (no layer is pulled):
 * compressed sizes, layers and history per platform.
 */
async function baselineFromImage(source, reference) {
    const image = await resolveImage(source);
    return {
        source: 'image',
        reference,
        unavailable: ['size', 'wastedBytes', 'vulnerabilities', 'stages'],
        platforms: image.platforms.map(platform => {
            const history = layerHistory(platform.history, platform.layers.length);
            return {
                platform: platform.platform,
                compressedSize: platform.layers.reduce((sum, layer) => sum + layer.size, 0),
                layerCount: platform.layers.length,
                layers: platform.layers.map((layer, index) => ({
                    digest: layer.digest,
                    compressedSize: layer.size,
                    key: instructionKey(history[index]?.created_by ?? '')
                }))
            };
        })
    };
}
const ratio = (change, base) => (base ? change / base : null);
const TOP_CHANGES = 5;
function changes(current, base) {
    const keys = new Set([...current.keys(), ...base.keys()]);
    return [...keys]
        .map(key => ({
        name: current.get(key)?.label ?? base.get(key)?.label ?? key,
        ...(current.get(key)?.line ? { line: current.get(key).line } : {}),
        bytes: (current.get(key)?.bytes ?? 0) - (base.get(key)?.bytes ?? 0)
    }))
        .filter(change => change.bytes !== 0)
        .sort((a, b) => Math.abs(b.bytes) - Math.abs(a.bytes))
        .slice(0, TOP_CHANGES);
}
function sums(items, name, bytes, line, label) {
    const map = new Map();
    for (const item of items) {
        const shown = label?.(item);
        const entry = map.get(name(item)) ?? { bytes: 0, line: line?.(item), ...(shown ? { label: shown } : {}) };
        entry.bytes += bytes(item) ?? 0;
        map.set(name(item), entry);
    }
    return map;
}
const TOP_PACKAGE_CHANGES = 10;
/** Packages added, removed, or whose bytes changed, largest change first; a package is its ecosystem and name. */
function packageChanges(current, base) {
    const byKey = (items) => {
        const map = new Map();
        for (const item of items) {
            const key = `${item.ecosystem}\u0000${item.name}`;
            const entry = map.get(key) ?? { ecosystem: item.ecosystem, name: item.name, version: item.version, bytes: 0 };
            entry.bytes += item.bytes;
            map.set(key, entry);
        }
        return map;
    };
    const now = byKey(current);
    const before = byKey(base);
    const result = [];
    for (const key of new Set([...now.keys(), ...before.keys()])) {
        const after = now.get(key);
        const earlier = before.get(key);
        const item = (after ?? earlier);
        const bytes = (after?.bytes ?? 0) - (earlier?.bytes ?? 0);
        if (after && earlier && bytes === 0 && after.version === earlier.version)
            continue;
        result.push({
            ecosystem: item.ecosystem,
            name: item.name,
            bytes,
            change: !earlier ? 'added' : !after ? 'removed' : 'changed',
            ...(after ? { version: after.version } : {}),
            ...(earlier && after?.version !== earlier.version ? { baseVersion: earlier.version } : {})
        });
    }
    return result.sort((a, b) => Math.abs(b.bytes) - Math.abs(a.bytes) || a.name.localeCompare(b.name)).slice(0, TOP_PACKAGE_CHANGES);
}
function computeDelta(current, base) {
    const size = base.size === undefined ? null : current.size - base.size;
    const vulnerabilities = current.vulnerabilities && base.vulnerabilities
        ? Object.fromEntries(SEVERITIES.map(severity => [severity, current.vulnerabilities[severity] - base.vulnerabilities[severity]]))
        : null;
    // Without file bytes (a registry baseline), instructions are compared by compressed bytes.
    const bytesOf = base.size === undefined ? (layer) => layer.compressedSize : (layer) => layer.size;
    return {
        size,
        sizeRatio: size === null ? null : ratio(size, base.size),
        compressedSize: current.compressedSize - base.compressedSize,
        compressedSizeRatio: ratio(current.compressedSize - base.compressedSize, base.compressedSize),
        layerCount: current.layerCount - base.layerCount,
        wastedBytes: base.wastedBytes === undefined ? null : current.wastedBytes - base.wastedBytes,
        vulnerabilities,
        stages: current.stages && base.stages
            ? changes(sums(current.stages, stage => stage.stage, stage => stage.bytes), sums(base.stages, stage => stage.stage, stage => stage.bytes))
            : [],
        instructions: changes(sums(current.layers, layerKey, bytesOf, layer => layer.line, layer => layer.instruction), sums(base.layers, layer => layer.key, bytesOf, layer => layer.line, layer => layer.label)),
        ...(current.packages && base.packages ? { packages: packageChanges(current.packages, base.packages) } : {})
    };
}

;// CONCATENATED MODULE: ./src/baseline/git.ts
// The commit `baseline: build` builds: the merge base of the pull request's base and HEAD, found in
// the checkout (fetched when a shallow clone lacks it), and checked out in a worktree of its own.
// A base that cannot be found fails the run: comparing with nothing would read as a pass.





/** How deep a shallow clone is fetched, in turn, to reach the merge base. */
const FETCH_DEPTHS = [50, 1000];
const FULL_HISTORY_HINT = 'check out the full history (actions/checkout with fetch-depth: 0)';
async function git(exec, cwd, args) {
    // Hooks of the checkout never run for the worktree the action makes.
    const result = await exec('git', ['-c', 'core.hooksPath=/dev/null', ...args], { cwd, silent: true });
    const problem = (result.stderr.trim().split('\n').pop() ?? '') || `exit code ${result.exitCode}`;
    return { ok: result.exitCode === 0, out: result.stdout.trim(), problem };
}
/** The top folder of the repository `cwd` is in, with links resolved (as git names it). */
async function repositoryRoot(exec, cwd) {
    const found = await git(exec, cwd, ['rev-parse', '--show-toplevel']);
    if (!found.ok || found.out === '')
        throw new BaselineError(`Input "baseline": build needs a Git checkout, and ${cwd} is not in one (${found.problem})`);
    return (0,promises_.realpath)(found.out);
}
const mergeBaseOf = async (exec, root, base) => {
    const found = await git(exec, root, ['merge-base', base, 'HEAD']);
    return found.ok && /^[0-9a-f]{40,64}$/.test(found.out) ? found.out : undefined;
};
/**
 * The merge base of `base` (a commit or a ref) and HEAD. When the clone lacks it, `base` (and in a
 * shallow clone HEAD too) is fetched from origin, deeper in turn; still missing, the error says to
 * fetch the full history.
 */
async function findMergeBase(exec, root, base, log) {
    const found = await mergeBaseOf(exec, root, base);
    if (found)
        return found;
    const shallow = (await git(exec, root, ['rev-parse', '--is-shallow-repository'])).out === 'true';
    const hasBase = (await git(exec, root, ['rev-parse', '--verify', '--quiet', `${base}^{commit}`])).ok;
    if (!shallow && hasBase)
        throw new BaselineError(`Input "baseline": build found no common ancestor of ${base} and HEAD: there is no merge base to build`);
    const head = (await git(exec, root, ['rev-parse', 'HEAD'])).out;
    const problems = [];
    // A full clone is never made shallow: it fetches what it lacks, whole.
    for (const depth of shallow ? FETCH_DEPTHS : [undefined]) {
        const depthArgs = depth === undefined ? [] : [`--depth=${depth}`];
        log(`Fetching ${base}${shallow ? ` and HEAD ${depth} commits deep` : ''} from origin to find the merge base`);
        const fetched = await git(exec, root, ['fetch', '--no-tags', ...depthArgs, 'origin', base]);
        if (!fetched.ok)
            problems.push(`git fetch origin ${base}: ${fetched.problem}`);
        // A branch name the clone did not know is the commit just fetched.
        const target = fetched.ok && !hasBase ? (await git(exec, root, ['rev-parse', '--verify', '--quiet', 'FETCH_HEAD^{commit}'])).out || base : base;
        // HEAD's own history is needed too; a commit the remote does not have fails here, and is left as it is.
        if (shallow)
            await git(exec, root, ['fetch', '--no-tags', ...depthArgs, 'origin', head]);
        const after = await mergeBaseOf(exec, root, target);
        if (after)
            return after;
    }
    const why = problems.length > 0 ? ` (${[...new Set(problems)].join('; ')})` : '';
    throw new BaselineError(`Input "baseline": build cannot find the merge base of ${base} and HEAD in this ${shallow ? 'shallow clone' : 'clone'}, even after fetching from origin${why}: ${FULL_HISTORY_HINT}`);
}
/** Whether HEAD's commit holds `file` (a path relative to the repository's root). */
async function isCommitted(exec, root, file) {
    return (await git(exec, root, ['cat-file', '-e', `HEAD:${file.split(external_node_path_.sep).join('/')}`])).ok;
}
/** Worktrees checked out and not removed yet, with their repository: what a cancelled step must forget. */
const worktreesInUse = new Map();
/**
 * After a cancelled step removed the work folders, the records of their worktrees in the
 * repository: left behind, `git worktree list` would name a folder that is gone.
 */
function forgetWorktreesSync() {
    for (const [dir, root] of worktreesInUse) {
        // The folder itself goes with the work folders; the one left is the checkout's own.
        if (!(0,external_node_fs_.existsSync)(dir))
            (0,external_node_child_process_.spawnSync)('git', ['-C', root, 'worktree', 'prune'], { stdio: 'ignore', timeout: 10_000 });
    }
    worktreesInUse.clear();
}
/** Checks `commit` out, detached, in `dir`; the function returned removes it and its records in the repository. */
async function addWorktree(exec, root, commit, dir) {
    worktreesInUse.set(dir, root);
    const added = await git(exec, root, ['worktree', 'add', '--detach', dir, commit]);
    const remove = async () => {
        await git(exec, root, ['worktree', 'remove', '--force', dir]);
        await git(exec, root, ['worktree', 'prune']);
        worktreesInUse.delete(dir);
    };
    if (!added.ok) {
        await remove();
        throw new Error(`git worktree add ${commit} failed: ${added.problem}`);
    }
    return remove;
}
/**
 * Maps a path of the checkout (relative to `cwd`, or absolute) to the same path in the worktree;
 * a path outside the repository, which the worktree does not have, stays where it is.
 */
function treePath(cwd, root, tree) {
    return file => {
        const absolute = external_node_path_.resolve(cwd, file);
        const relative = inRepository(root, absolute) ?? throughLink(root, absolute);
        return relative !== undefined ? { path: external_node_path_.join(tree, relative), inRepository: true } : { path: absolute, inRepository: false };
    };
}
/** `absolute` relative to `root`, when it is inside. */
function inRepository(root, absolute) {
    const relative = external_node_path_.relative(root, absolute);
    return relative === '..' || relative.startsWith(`..${external_node_path_.sep}`) || external_node_path_.isAbsolute(relative) ? undefined : relative;
}
/**
 * A path that reaches the repository through a link outside it (a workspace given through a
 * linked folder): relative to the nearest folder above it that is the repository's root. Links
 * inside the repository stay unresolved, for the worktree has its own.
 */
function throughLink(root, absolute) {
    for (let folder = external_node_path_.dirname(absolute); folder !== external_node_path_.dirname(folder); folder = external_node_path_.dirname(folder)) {
        let real;
        try {
            real = (0,external_node_fs_.realpathSync)(folder);
        }
        catch {
            continue;
        }
        if (real === root)
            return external_node_path_.relative(folder, absolute);
    }
    return undefined;
}

;// CONCATENATED MODULE: ./src/config/rules.ts
// The budget rules, each defined once: its input, how its limit is read, its unit, which way it
// goes and what it measures of a platform. A new rule is one entry here (with its name in
// constants.ts), plus action.yml, the budget file's schema and the README.


const rules_bytes = (value) => ({ limit: parseSize(value), unit: 'bytes' });
/** A size, or a percentage of the image's size. */
const bytesOrPercent = (value) => String(value).trim().endsWith('%') ? { limit: parseRatio(value, { allowFraction: false }), unit: 'ratio' } : rules_bytes(value);
const BUDGET_RULES = [
    { rule: Rule.MaxSize, input: Input.MaxSize, parse: rules_bytes, direction: 'max', measure: platform => ({ actual: platform.size }), description: 'bytes of regular files in the layers' },
    {
        rule: Rule.MaxCompressedSize,
        input: Input.MaxCompressedSize,
        parse: rules_bytes,
        direction: 'max',
        measure: platform => ({ actual: platform.compressedSize }),
        description: 'bytes of the layer blobs, what a pull transfers'
    },
    {
        rule: Rule.MaxLayers,
        input: Input.MaxLayers,
        parse: value => ({ limit: parseCount(value), unit: 'count' }),
        direction: 'max',
        measure: platform => ({ actual: platform.layerCount }),
        description: 'layers'
    },
    {
        rule: Rule.MaxLayerSize,
        input: Input.MaxLayerSize,
        parse: rules_bytes,
        direction: 'max',
        measure: platform => {
            const largest = platform.layers.reduce((best, layer) => (best === undefined || layer.size > best.size ? layer : best), undefined);
            return { actual: largest?.size ?? 0, ...(largest ? { layer: largest.digest } : {}) };
        },
        description: 'bytes of the largest layer'
    },
    {
        rule: Rule.MaxWasted,
        input: Input.MaxWasted,
        parse: bytesOrPercent,
        direction: 'max',
        measure: (platform, unit) => ({ actual: unit === 'ratio' ? (platform.size === 0 ? 0 : platform.wastedBytes / platform.size) : platform.wastedBytes }),
        description: 'bytes of file versions hidden by later layers'
    },
    {
        rule: Rule.MinEfficiency,
        input: Input.MinEfficiency,
        parse: value => ({ limit: parseRatio(value, { allowFraction: true }), unit: 'ratio' }),
        direction: 'min',
        measure: platform => ({ actual: platform.efficiency }),
        description: '(size - wasted) / size'
    },
    {
        rule: Rule.MaxSizeIncrease,
        input: Input.MaxSizeIncrease,
        parse: bytesOrPercent,
        direction: 'max',
        measure: (platform, unit) => platform.baselineUnresolved !== undefined && !platform.delta
            ? { actual: NaN, unresolved: platform.baselineUnresolved }
            : { actual: (unit === 'ratio' ? platform.delta?.sizeRatio : platform.delta?.size) ?? NaN },
        description: 'growth of the size against the baseline'
    },
    {
        rule: Rule.MaxDrift,
        input: Input.MaxDrift,
        parse: bytesOrPercent,
        direction: 'max',
        measure: (platform, unit) => {
            // Never skipped: a platform without a measured drift fails (or warns) rather than passing unchecked.
            const drift = platform.drift;
            if (!drift)
                return { actual: NaN, unresolved: 'no drift was measured for this platform' };
            if (drift.unresolved !== undefined)
                return { actual: NaN, unresolved: drift.unresolved };
            if (unit === 'ratio' && (drift.sizeRatio === null || drift.sizeRatio === undefined)) {
                return { actual: NaN, unresolved: `the reference ${drift.from} is 0 bytes: a percentage of it says nothing (limit the growth in bytes, or pin another reference)` };
            }
            return { actual: (unit === 'ratio' ? drift.sizeRatio : drift.size) ?? NaN };
        },
        description: 'growth of the size since the pinned reference (drift-from)'
    }
];
function budgetRule(rule) {
    const found = BUDGET_RULES.find(entry => entry.rule === rule);
    if (!found)
        throw new Error(`no budget rule ${rule}`);
    return found;
}
/** Parses a rule's limit, as its table entry reads it. */
function parseLimit(rule, value) {
    return budgetRule(rule).parse(value);
}

;// CONCATENATED MODULE: ./src/budget/evaluate.ts



/** Every budget against every platform: each platform must fit on its own. */
function evaluateBudgets(budgets, platforms) {
    const results = [];
    for (const { rule, measure, direction } of BUDGET_RULES) {
        const budget = budgets[rule];
        if (budget === undefined)
            continue;
        for (const platform of platforms) {
            const { actual, layer, unresolved } = measure(platform, budget.unit);
            if (unresolved !== undefined) {
                results.push({ rule, platform: platform.platform, limit: budget.limit, actual: 0, unit: budget.unit, level: budget.level, status: budget.level === 'error' ? 'fail' : 'warn', unresolved });
                continue;
            }
            // A budget on the change against a baseline says nothing where there is no baseline.
            if (Number.isNaN(actual))
                continue;
            const within = direction === 'min' ? actual >= budget.limit : actual <= budget.limit;
            const status = within ? 'pass' : budget.level === 'error' ? 'fail' : 'warn';
            results.push({
                rule,
                platform: platform.platform,
                limit: budget.limit,
                actual,
                unit: budget.unit,
                level: budget.level,
                status,
                ...(layer ? { layer } : {})
            });
        }
    }
    const vulnerabilityBudget = budgets[VULNERABILITY_RULE];
    if (vulnerabilityBudget) {
        for (const platform of platforms) {
            const counts = vulnerabilityBudget.fixableOnly ? platform.fixable : platform.vulnerabilities;
            if (!counts)
                continue;
            for (const severity of SEVERITIES) {
                const limit = vulnerabilityBudget.limits[severity];
                if (limit === undefined)
                    continue;
                const actual = counts[severity];
                results.push({
                    rule: VULNERABILITY_RULE,
                    severity,
                    ...(vulnerabilityBudget.fixableOnly ? { fixableOnly: true } : {}),
                    platform: platform.platform,
                    limit,
                    actual,
                    unit: 'count',
                    level: vulnerabilityBudget.level,
                    status: actual <= limit ? 'pass' : vulnerabilityBudget.level === 'error' ? 'fail' : 'warn'
                });
            }
        }
    }
    return results;
}
/** The worst of the budgets and the smells: a smell at level error fails like a budget does. */
function verdictOf(results, smells = []) {
    if (results.some(result => result.status === 'fail') || smells.some(smell => smell.level === 'error'))
        return 'fail';
    if (results.some(result => result.status === 'warn') || smells.some(smell => smell.level === 'warning'))
        return 'warn';
    return 'pass';
}
/** Whether the verdict fails the step, as `fail-on` asks. */
function failsStep(verdict, failOn) {
    if (failOn === 'never')
        return false;
    if (failOn === 'warning')
        return verdict !== 'pass';
    return verdict === 'fail';
}

;// CONCATENATED MODULE: ./src/build/actions-cache.ts
// Whether the GitHub Actions cache service answers, asked once before the build. BuildKit's type=gha
// client retries a service that rate-limits or hangs for as long as the build lets it, and
// @actions/cache waits minutes per call: a cache that cannot serve must cost neither a failed step
// nor a held one, so a service that does not answer one small call in time is left out of this run.
const CACHE_PROBE_TIMEOUT_MS = 10_000;
const PROBE_METHOD = 'twirp/github.actions.results.api.v1.CacheService/GetCacheEntryDownloadURL';
/**
 * One GetCacheEntryDownloadURL call for a key nobody writes: a miss (or a hit) means the service
 * serves; 429, 5xx, a refusal or no answer within the timeout means it does not. Only the cache
 * service v2 (ACTIONS_RESULTS_URL) is probed; without one, undefined.
 */
async function probeActionsCache(env, fetchImpl, timeoutMs = CACHE_PROBE_TIMEOUT_MS) {
    const base = env.ACTIONS_RESULTS_URL;
    const token = env.ACTIONS_RUNTIME_TOKEN;
    if (!base || !token)
        return undefined;
    const url = `${base.endsWith('/') ? base : `${base}/`}${PROBE_METHOD}`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
        const response = await fetchImpl(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({ key: 'image-budget-probe', restore_keys: [], version: '0'.repeat(64) }),
            signal: controller.signal
        });
        await response.body?.cancel();
        if (response.ok)
            return { usable: true };
        const retryAfter = response.headers.get('retry-after');
        const why = response.status === 429 ? 'rate limiting' : response.status >= 500 ? 'failing' : 'refusing the call';
        return { usable: false, reason: `the cache service is ${why} (HTTP ${response.status}${retryAfter ? `, Retry-After ${retryAfter}` : ''})` };
    }
    catch (error) {
        if (controller.signal.aborted)
            return { usable: false, reason: `the cache service did not answer within ${timeoutMs / 1000} s` };
        return { usable: false, reason: `the cache service cannot be reached (${error.message})` };
    }
    finally {
        clearTimeout(timer);
    }
}
const GHA_SPEC = /(^|,)\s*type=gha\s*(,|$)/;
const isGhaCacheSpec = (spec) => GHA_SPEC.test(spec);

;// CONCATENATED MODULE: ./src/history/drift.ts
// `max-drift`: growth since a pinned reference, which catches creep that no per-PR limit sees (many
// pull requests each under max-size-increase). The reference is a commit of the history, a day of
// it, or a size written down. A reference the history does not have is said, and fails the budget.

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const COMMIT = /^[0-9a-f]{7,64}$/i;
const DAY_MS = 24 * 3600 * 1000;
/**
 * Reads a reference: `YYYY-MM-DD` (the image as the last point made on or before that day, UTC,
 * left it), a commit (7 to 64 hexadecimal digits: the point of that commit), or a size with its
 * unit (`140MB`, `157286400B`). Throws a SizeError saying what it takes.
 */
function parseDriftFrom(value) {
    const text = String(value).trim();
    const date = DATE.exec(text);
    if (date) {
        const start = Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]));
        if (new Date(start).toISOString().slice(0, 10) !== text)
            throw new SizeError(`"${text}" is not a day of the calendar (YYYY-MM-DD)`);
        return { kind: 'date', text, until: start + DAY_MS - 1 };
    }
    if (COMMIT.test(text))
        return { kind: 'commit', text, prefix: text.toLowerCase() };
    if (/^\d+(\.\d+)?$/.test(text))
        throw new SizeError(`"${text}" is neither a commit (7 hexadecimal digits or more), a day (YYYY-MM-DD) nor a size with its unit (140MB, 157286400B)`);
    try {
        return { kind: 'size', text, bytes: parseSize(text) };
    }
    catch {
        throw new SizeError(`"${text}" is neither a commit (7 hexadecimal digits or more), a day (YYYY-MM-DD) nor a size (140MB, 157286400B)`);
    }
}
/** Whether only the history can say what the reference was. */
const needsHistory = (from) => from.kind !== 'size';
const span = (history) => {
    const [first] = history.points;
    const last = history.points.at(-1);
    return first && last ? `its ${history.points.length} points go from ${first.commit.slice(0, 12)} (${first.date.slice(0, 10)}) to ${last.commit.slice(0, 12)} (${last.date.slice(0, 10)})` : 'it has no point yet';
};
/** The point a commit or date reference names; a reason when there is none. `now` tells a day gone by from a day to come. */
function referencePoint(from, history, problem, now = Date.now()) {
    if (from.kind === 'size')
        throw new Error('a size reference names no point');
    // Until a day has begun, its last point is whichever push came last: the reference would move with each.
    if (from.kind === 'date' && from.until + 1 - DAY_MS > now) {
        return { unresolved: `${from.text} is a day to come (it is ${new Date(now).toISOString().slice(0, 10)} UTC): until it has passed, the reference would move with every push; pin a day gone by, a commit or a size` };
    }
    if (!history)
        return { unresolved: `the history could not be read${problem ? ` (${problem})` : ''}, so ${from.text} is not known` };
    if (from.kind === 'commit') {
        const matches = history.points.filter(point => point.commit.startsWith(from.prefix));
        const commits = new Set(matches.map(point => point.commit));
        if (commits.size > 1)
            return { unresolved: `${from.text} is the start of ${commits.size} commits of the history: give more digits` };
        if (matches.length === 0)
            return { unresolved: `the history has no point of commit ${from.text} (${span(history)}): pin a size instead (drift-from: 140MB)` };
        return { point: matches[0] };
    }
    // By date, not by place in the file: jobs that finish out of order write their points out of order.
    const latest = history.points.reduce((best, point) => {
        const date = Date.parse(point.date);
        return date <= from.until && (best === undefined || date >= Date.parse(best.date)) ? point : best;
    }, undefined);
    if (!latest)
        return { unresolved: `the history has no point on or before ${from.text} (${span(history)}): pin a later day, a commit or a size` };
    return { point: latest };
}
/** Each platform's drift since the reference. */
function platformDrifts(platforms, from, history, problem, now = Date.now()) {
    const growth = (size, reference) => ({ referenceSize: reference, size: size - reference, sizeRatio: reference === 0 ? null : (size - reference) / reference });
    if (from.kind === 'size')
        return platforms.map(platform => ({ from: from.text, ...growth(platform.size, from.bytes) }));
    const found = referencePoint(from, history, problem, now);
    return platforms.map(platform => {
        if ('unresolved' in found)
            return { from: from.text, unresolved: found.unresolved };
        const base = found.point.platforms.find(candidate => candidate.platform === platform.platform);
        const at = { commit: found.point.commit, date: found.point.date };
        if (!base)
            return { from: from.text, ...at, unresolved: `the point of ${from.text} (${found.point.commit.slice(0, 12)}) has no ${platform.platform}` };
        return { from: from.text, ...at, ...growth(platform.size, base.size) };
    });
}
/** `+12.0 MB since 2026-03-01 (abc123def456, 140 MB)`, for tables and messages. */
function describeDrift(drift) {
    if (drift.unresolved)
        return `no reference: ${drift.unresolved}`;
    const where = drift.commit ? ` (${drift.commit.slice(0, 12)}, ${size_formatSize(drift.referenceSize ?? 0)})` : '';
    const sign = (drift.size ?? 0) >= 0 ? '+' : '-';
    return `${sign}${size_formatSize(Math.abs(drift.size ?? 0))} since ${drift.from}${where}`;
}

// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __webpack_require__(8815);
// EXTERNAL MODULE: ./node_modules/dockerfile-ast/lib/main.js
var main = __webpack_require__(8390);
;// CONCATENATED MODULE: ./src/dockerfile/dockerfile.ts


function flagsOf(instruction) {
    const flags = {};
    const withFlags = instruction;
    for (const flag of withFlags.getFlags?.() ?? [])
        flags[flag.getName()] = flag.getValue() ?? '';
    return flags;
}
function oneLine(lines, start, end) {
    return lines
        .slice(start, end + 1)
        .map(line => line.replace(/\\\s*$/, '').trim())
        .filter(line => line !== '' && !line.startsWith('#'))
        .join(' ')
        .replace(/\s+/g, ' ');
}
function parseDockerfile(path, text) {
    const ast = main.DockerfileParser.parse(text);
    const lines = text.split(/\r?\n/);
    const stages = [];
    for (const instruction of ast.getInstructions()) {
        const keyword = instruction.getKeyword().toUpperCase();
        const range = instruction.getRange();
        const args = instruction.getArguments().map(argument => argument.getValue());
        if (keyword === 'FROM') {
            const asIndex = args.findIndex(arg => arg.toUpperCase() === 'AS');
            const base = args[0] ?? '';
            const name = asIndex >= 0 ? args[asIndex + 1] : undefined;
            const baseStage = stages.findIndex(stage => stage.name === base.toLowerCase() || String(stage.index) === base);
            stages.push({
                index: stages.length,
                ...(name ? { name: name.toLowerCase() } : {}),
                base,
                ...(baseStage >= 0 ? { baseStage } : {}),
                line: range.start.line + 1,
                instructions: []
            });
            continue;
        }
        // Instructions before the first FROM (global ARGs) belong to no stage and make no history.
        const stage = stages[stages.length - 1];
        if (!stage)
            continue;
        stage.instructions.push({
            keyword,
            line: range.start.line + 1,
            text: oneLine(lines, range.start.line, range.end.line),
            args,
            flags: flagsOf(instruction),
            stage: stage.index
        });
    }
    return { path, stages };
}
function stageLabel(stage) {
    return stage.name ?? `stage ${stage.index}`;
}
/** The stage that is built: the target, or the last one. */
function finalStage(dockerfile, target) {
    if (dockerfile.stages.length === 0)
        throw new InputError(`${dockerfile.path} has no FROM instruction`);
    if (target === '')
        return dockerfile.stages[dockerfile.stages.length - 1];
    const stage = dockerfile.stages.find(candidate => candidate.name === target.toLowerCase());
    if (!stage)
        throw new InputError(`Input "target": "${target}" is not a stage of ${dockerfile.path}`);
    return stage;
}
/** The stages whose instructions make the final image, from the one on an external image to the final one. */
function stageChain(dockerfile, stage) {
    const chain = [stage];
    let current = stage;
    while (current.baseStage !== undefined) {
        current = dockerfile.stages[current.baseStage];
        chain.unshift(current);
    }
    return chain;
}
/** The stage a `COPY --from` names: a stage name or index (anything else is an image). */
function copySource(dockerfile, instruction) {
    const from = instruction.flags.from;
    if (from === undefined)
        return undefined;
    return dockerfile.stages.find(stage => stage.name === from.toLowerCase() || String(stage.index) === from);
}

;// CONCATENATED MODULE: ./src/analysis/smells.ts

/** Every smell rule with its default level; the budget file can change a level or turn a rule off. */
const SMELL_RULES = {
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
};
const SMELL_RULE_NAMES = Object.keys(SMELL_RULES);
const SECRET_NAME = /(^|_)(TOKEN|PASSWORD|PASSWD|PASS|SECRET|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|KEY|CREDENTIALS?)(_|$)/i;
const SECRET_VALUE = /(^|[^A-Za-z0-9])(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|AKIA[0-9A-Z]{16}|xox[abprs]-[A-Za-z0-9-]{10,}|sk_live_[A-Za-z0-9]{10,}|npm_[A-Za-z0-9]{36}|glpat-[A-Za-z0-9_-]{20}|-----BEGIN [A-Z ]*PRIVATE KEY)/;
const INSTALL_COMMAND = /\b(npm (ci|install|i)\b|yarn( install)?\b|pnpm (install|i)\b|pip3? install\b|poetry install\b|bundle install\b|go mod download\b|go build\b|cargo (build|fetch)\b|composer install\b|mvn\b|gradle\b|dotnet restore\b)/;
const WHOLE_CONTEXT = new Set(['.', './', '/', '*']);
function isExternalImage(stage) {
    return stage.baseStage === undefined && stage.base.toLowerCase() !== 'scratch' && !stage.base.includes('$');
}
/** Splits `ENV A=1 B="x y"` or `ENV A 1` into names and values. */
function variables(instruction) {
    if (instruction.keyword === 'ENV' && instruction.args.length >= 2 && !instruction.args[0].includes('=')) {
        return [{ name: instruction.args[0], value: instruction.args.slice(1).join(' ') }];
    }
    return instruction.args.map(arg => {
        const equals = arg.indexOf('=');
        return equals < 0 ? { name: arg, value: '' } : { name: arg.slice(0, equals), value: arg.slice(equals + 1) };
    });
}
function lastWorkdir(dockerfile, stage) {
    let workdir;
    for (const chainStage of stageChain(dockerfile, stage)) {
        for (const instruction of chainStage.instructions) {
            if (instruction.keyword !== 'WORKDIR')
                continue;
            const target = instruction.args[0] ?? '';
            workdir = target.startsWith('/') || workdir === undefined ? target : `${workdir}/${target}`;
        }
    }
    return workdir?.replace(/\/+$/, '');
}
/** Smells read from the Dockerfile alone. */
function dockerfileFindings(dockerfile, target, imageUser) {
    const findings = [];
    const file = dockerfile.path;
    const final = finalStage(dockerfile, target);
    const chain = stageChain(dockerfile, final);
    const users = chain.flatMap(stage => stage.instructions.filter(instruction => instruction.keyword === 'USER'));
    const lastUser = users[users.length - 1];
    const user = imageUser ?? lastUser?.args[0] ?? '';
    if (/^(|root|0)(:.*)?$/.test(user)) {
        findings.push({
            rule: 'root-user',
            message: lastUser ? `the final stage runs as ${user || 'root'} (USER ${lastUser.args.join(' ')})` : 'the final stage runs as root: it has no USER',
            file,
            line: lastUser && /^(root|0)(:.*)?$/.test(lastUser.args[0] ?? '') ? lastUser.line : final.line
        });
    }
    for (const stage of dockerfile.stages) {
        if (isExternalImage(stage)) {
            const reference = stage.base;
            const hasDigest = reference.includes('@');
            const tag = /:([^/@]+)(@|$)/.exec(reference)?.[1];
            if (!hasDigest && tag === undefined) {
                findings.push({ rule: 'base-image-tag', message: `FROM ${reference} has no tag: the base changes under you (pin a version)`, file, line: stage.line });
            }
            else if (tag === 'latest') {
                findings.push({ rule: 'base-image-tag', message: `FROM ${reference} uses the latest tag: the base changes under you (pin a version)`, file, line: stage.line });
            }
            if (!hasDigest) {
                findings.push({ rule: 'base-image-digest', message: `FROM ${reference} is not pinned by digest (@sha256:...)`, file, line: stage.line });
            }
        }
        let wholeContextCopy;
        for (const instruction of stage.instructions) {
            if (instruction.keyword === 'ARG' || instruction.keyword === 'ENV') {
                for (const { name, value } of variables(instruction)) {
                    if (SECRET_NAME.test(name) || SECRET_VALUE.test(value)) {
                        findings.push({
                            rule: 'secret-arg-env',
                            message: `${instruction.keyword} ${name} looks like a secret: ${instruction.keyword === 'ARG' ? 'build arguments' : 'environment variables'} are kept in the image's history and config (use a build secret, RUN --mount=type=secret)`,
                            file,
                            line: instruction.line
                        });
                    }
                }
            }
            if ((instruction.keyword === 'COPY' || instruction.keyword === 'ADD') && instruction.flags.from === undefined) {
                const sources = instruction.args.slice(0, -1);
                if (sources.some(source => WHOLE_CONTEXT.has(source)))
                    wholeContextCopy ??= instruction;
            }
            if (instruction.keyword === 'RUN' && wholeContextCopy && INSTALL_COMMAND.test(instruction.text)) {
                findings.push({
                    rule: 'copy-all-before-install',
                    message: `${wholeContextCopy.text} comes before the dependency install on line ${instruction.line}: any change to the context reruns the install (copy the dependency manifests first)`,
                    file,
                    line: wholeContextCopy.line
                });
                wholeContextCopy = undefined;
            }
            if (instruction.keyword === 'COPY' && instruction.flags.from !== undefined) {
                const source = dockerfile.stages.find(candidate => candidate.name === instruction.flags.from.toLowerCase() || String(candidate.index) === instruction.flags.from);
                if (source) {
                    const workdir = lastWorkdir(dockerfile, source);
                    const whole = instruction.args.slice(0, -1).find(arg => {
                        const normalized = arg.replace(/\/+$/, '') || '/';
                        return WHOLE_CONTEXT.has(arg) || normalized === '/' || (workdir !== undefined && normalized === workdir);
                    });
                    if (whole !== undefined) {
                        findings.push({
                            rule: 'copy-build-directory',
                            message: `${instruction.text} copies the whole build directory of stage ${instruction.flags.from}: sources, dependencies and build files come along (copy only the build output)`,
                            file,
                            line: instruction.line
                        });
                    }
                }
            }
        }
    }
    return findings;
}
const PACKAGE_CACHES = [
    { prefix: 'var/lib/apt/lists/', name: 'apt package lists', skip: /^var\/lib\/apt\/lists\/(lock|partial\/.*)$/ },
    { prefix: 'var/cache/apt/', name: 'apt cache' },
    { prefix: 'var/cache/apk/', name: 'apk cache' },
    { prefix: 'root/.npm/', name: 'npm cache' },
    { prefix: 'root/.cache/pip/', name: 'pip cache' },
    { prefix: 'root/.cache/go-build/', name: 'Go build cache' },
    { prefix: 'root/.cache/yarn/', name: 'yarn cache' },
    { prefix: 'usr/local/share/.cache/yarn/', name: 'yarn cache' }
];
const TOOLCHAIN = /^(usr\/(local\/)?bin\/(gcc|g\+\+|cc|c\+\+|clang|clang\+\+|make|rustc|cargo|javac|go)(-[\d.]+)?|usr\/local\/go\/bin\/go|root\/\.cargo\/bin\/(rustc|cargo)|usr\/lib\/jvm\/[^/]+\/bin\/javac)$/;
/** A glob of image paths: `**` crosses folders, `*` and `?` stay within one; a leading `/` is optional. */
function globToRegExp(glob) {
    const pattern = glob
        .replace(/^\/+/, '')
        .split(/(\*\*\/|\*\*|\*|\?)/)
        .map(part => {
        if (part === '**/')
            return '(?:.*/)?';
        if (part === '**')
            return '.*';
        if (part === '*')
            return '[^/]*';
        if (part === '?')
            return '[^/]';
        return part.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    })
        .join('');
    return new RegExp(`^${pattern}$`);
}
/**
 * Looks at the final filesystem for caches, toolchains and Git folders. `visit` is called with every
 * visible path; `finish` returns the findings with the layer that wrote the most of each.
 */
class FilesystemSmells {
    ignore;
    caches = new Map();
    tools = new Map();
    gitDirectories = new Map();
    constructor(ignore) {
        this.ignore = ignore.map(globToRegExp);
    }
    visit(path, size, layer, owner = -1) {
        if (this.ignore.length > 0 && this.ignore.some(pattern => pattern.test(path.replace(/\/$/, ''))))
            return;
        for (const cache of PACKAGE_CACHES) {
            if (!path.startsWith(cache.prefix) || path.endsWith('/') || cache.skip?.test(path))
                continue;
            const entry = this.caches.get(cache.name) ?? { bytes: 0, byLayer: new Map() };
            entry.bytes += size;
            entry.byLayer.set(layer, (entry.byLayer.get(layer) ?? 0) + size);
            this.caches.set(cache.name, entry);
        }
        if (TOOLCHAIN.test(path) && !this.tools.has(path))
            this.tools.set(path, { layer, size, owner });
        const git = path.indexOf('.git/');
        if (git >= 0 && (git === 0 || path[git - 1] === '/')) {
            const root = path.slice(0, git + 4);
            if (!this.gitDirectories.has(root))
                this.gitDirectories.set(root, layer);
        }
    }
    /** Whether a path is passed over by the ignore globs (secret files use it too). */
    ignores(path) {
        return this.ignore.some(pattern => pattern.test(path));
    }
    /**
     * `ownerOf` names the package that owns a file (by the owner the walk saw): a toolchain's
     * savings are its package's bytes, not the one binary's. Bytes of layers `fromBase` says came
     * with the base image are no savings: no line of this Dockerfile can remove them.
     */
    finish(describe, ownerOf = () => undefined, fromBase = () => false) {
        const findings = [];
        for (const [name, { bytes, byLayer }] of this.caches) {
            if (bytes === 0)
                continue;
            const layer = [...byLayer.entries()].sort((a, b) => b[1] - a[1])[0][0];
            const savings = [...byLayer].reduce((sum, [written, size]) => sum + (fromBase(written) ? 0 : size), 0);
            findings.push({ rule: 'package-cache', message: `the ${name} is left in the image (${describe(bytes)}): clean it in the same RUN that fills it`, layer, savings });
        }
        const packages = new Set();
        for (const [path, { layer, size, owner }] of this.tools) {
            const item = ownerOf(owner);
            // Several tools of one package (gcc, gcc-12) are one finding: the package is what goes.
            if (item !== undefined) {
                if (packages.has(item.name))
                    continue;
                packages.add(item.name);
            }
            const what = item ? ` (package ${item.name}, ${describe(item.bytes)})` : '';
            findings.push({ rule: 'build-toolchain', message: `/${path} is in the final image${what}: build tools belong in a builder stage`, layer, savings: item?.bytes ?? size });
        }
        for (const [path, layer] of this.gitDirectories) {
            findings.push({ rule: 'git-directory', message: `/${path} is in the image: add .git to .dockerignore`, layer });
        }
        return findings;
    }
}
/** Applies levels: drops rules turned off, and merges the same finding seen on several platforms. */
function applyLevels(findings, settings) {
    const smells = new Map();
    for (const { platform, ...finding } of findings) {
        const level = settings.levels[finding.rule] ?? SMELL_RULES[finding.rule];
        if (level === 'off')
            continue;
        const key = `${finding.rule}\u0000${finding.message}\u0000${finding.line ?? ''}`;
        const existing = smells.get(key);
        if (existing) {
            if (platform && existing.platforms && !existing.platforms.includes(platform))
                existing.platforms.push(platform);
            continue;
        }
        smells.set(key, { ...finding, level, ...(platform ? { platforms: [platform] } : {}) });
    }
    return [...smells.values()];
}
const smells_MODULES = 'node_modules/';
/**
 * devDependencies in the final image: per application (the folder whose node_modules holds them),
 * their bytes, placed on the layer that holds most of them. The fix (`npm ci --omit=dev`, or
 * `npm prune --omit=dev` in the same RUN) removes exactly those packages.
 */
function devDependencyFindings(packages, describe) {
    const byApplication = new Map();
    for (const item of packages) {
        if (item.ecosystem !== 'npm' || item.dev !== true || item.path === undefined)
            continue;
        const at = item.path.startsWith(smells_MODULES) ? 0 : item.path.indexOf(`/${smells_MODULES}`) + 1;
        const application = `/${item.path.slice(0, Math.max(0, at - 1))}`;
        const entry = byApplication.get(application) ?? { bytes: 0, count: 0, byLayer: new Map() };
        entry.bytes += item.bytes;
        entry.count++;
        entry.byLayer.set(item.layer, (entry.byLayer.get(item.layer) ?? 0) + item.bytes);
        byApplication.set(application, entry);
    }
    return [...byApplication].map(([application, { bytes, count, byLayer }]) => ({
        rule: 'dev-dependencies',
        message: `${count} ${count === 1 ? 'package' : 'packages'} that only the devDependencies of ${application} need ${count === 1 ? 'is' : 'are'} in the final image (${describe(bytes)}): install with npm ci --omit=dev`,
        layer: [...byLayer.entries()].sort((a, b) => b[1] - a[1])[0][0],
        savings: bytes
    }));
}
/** Bytes a line writes and a later line hides that are worth a finding; less is noise. */
const HIDDEN_VERSIONS_MIN_BYTES = 1_000_000;
/**
 * Bytes a Dockerfile line writes that a later line deletes or replaces: they stay in the first
 * line's layer. Removing them in the line that writes them (or not writing them) saves them all.
 * Bytes of the base image's layers are not counted: no line of this Dockerfile can avoid them.
 */
function hiddenVersionFindings(waste, lineOf, fromBase, describe) {
    const byPair = new Map();
    for (const item of waste) {
        const written = lineOf(item.writtenBy);
        const hidden = lineOf(item.hiddenBy);
        if (written === undefined || hidden === undefined || fromBase(item.writtenBy))
            continue;
        const key = `${written}:${hidden}`;
        const entry = byPair.get(key) ?? { writtenBy: item.writtenBy, written, hidden, bytes: 0 };
        entry.bytes += item.bytes;
        byPair.set(key, entry);
    }
    return [...byPair.values()]
        .filter(entry => entry.bytes >= HIDDEN_VERSIONS_MIN_BYTES)
        .map(entry => ({
        rule: 'hidden-versions',
        message: `line ${entry.written} writes ${describe(entry.bytes)} that line ${entry.hidden} deletes or replaces: the bytes stay in the image (remove them in the RUN that writes them)`,
        layer: entry.writtenBy,
        savings: entry.bytes
    }));
}

;// CONCATENATED MODULE: ./src/config/budget-file.ts









const LEVELS = ['error', 'warning'];

/** Parses `critical=0,high=5` (the input's form). */
function parseVulnerabilityLimits(text) {
    const limits = {};
    for (const item of text.split(/[,\n]/).map(part => part.trim()).filter(Boolean)) {
        const match = /^([a-zA-Z]+)\s*=\s*(\d+)$/.exec(item);
        const severity = match?.[1].toLowerCase();
        if (!match || !SEVERITIES.includes(severity)) {
            throw new SizeError(`"${item}" is not severity=count (severities: ${SEVERITIES.join(', ')})`);
        }
        limits[severity] = Number(match[2]);
    }
    if (Object.keys(limits).length === 0)
        throw new SizeError(`"${text}" names no severity (critical=0,high=5)`);
    return limits;
}
const TOP_LEVEL_KEYS = ['version', 'defaults', 'images', 'smells', 'ignore'];
const SMELL_LEVELS = ['error', 'warning', 'off'];
const RULE_OBJECT_KEYS = ['limit', 'level'];
/** max-drift takes its reference beside its limit: `{ limit: 10%, from: 2026-03-01 }`. */
const DRIFT_OBJECT_KEYS = ['limit', 'level', 'from'];
/**
 * Entries read (merged ones included) and aliases followed: a real file of 1 MiB needs a tenth,
 * an alias bomb (merges of merges of the same mapping) needs far more.
 */
const MAX_EXPANSION = 1_000_000;
/** Merge keys bringing mappings that have merge keys themselves, and so on. */
const MAX_MERGE_DEPTH = 64;
const MAX_BUDGET_FILE_BYTES = FILE_LIMITS[Input.BudgetFile];
const SHOWN_VALUE_LENGTH = 80;
/**
 * Parses the budget file. Every problem is an InputError naming the file, the line, the key and the
 * value, so a user can fix it without reading this code. Anchors, aliases and merge keys are YAML
 * users share budgets with; they are followed here, counted, so that no file expands beyond a cap.
 * Everything is linear in the file's size: keys are checked for duplicates with a set per mapping
 * (the yaml package's own check compares each key with all before it), and aliases are resolved
 * from an index of anchors made in one pass (its Alias.resolve walks the whole document each time).
 */
function parseBudgetFile(path, text) {
    if (text.length > MAX_BUDGET_FILE_BYTES || Buffer.byteLength(text) > MAX_BUDGET_FILE_BYTES) {
        throw new InputError(`${path}: the budget file is ${size_formatSize(Buffer.byteLength(text))}, more than the ${formatLimit(MAX_BUDGET_FILE_BYTES)} a budget file may hold`);
    }
    const lines = new dist/* LineCounter */.HN();
    const doc = (0,dist/* parseDocument */.Tp)(text, { lineCounter: lines, uniqueKeys: false });
    const where = (node) => {
        const offset = node?.range?.[0];
        return offset === undefined ? path : `${path}:${lines.linePos(offset).line}`;
    };
    if (doc.errors.length > 0) {
        const first = doc.errors[0];
        throw new InputError(`${path}:${first.linePos?.[0].line ?? 1}: invalid YAML: ${first.message.split('\n')[0]}`);
    }
    const result = { path, defaults: {}, images: {}, smells: {}, ignore: [] };
    if (doc.contents === null)
        return result;
    // The anchor an alias names is the last one of that name before it, in document order.
    const anchored = new Map();
    const anchors = new Map();
    (0,dist/* visit */.YR)(doc, {
        Node: (_key, node) => {
            if ((0,dist/* isAlias */.Vj)(node))
                anchored.set(node, anchors.get(node.source));
            else if (node.anchor)
                anchors.set(node.anchor, node);
        }
    });
    let expansionLeft = MAX_EXPANSION;
    const expand = () => {
        if (--expansionLeft < 0)
            throw new InputError(`${path}: aliases and merge keys expand to more than ${MAX_EXPANSION} entries: the budget file is refused`);
    };
    // An alias never names another alias (aliases carry no anchor): one step resolves it.
    const deref = (node) => {
        if (!(0,dist/* isAlias */.Vj)(node))
            return node;
        expand();
        const target = anchored.get(node);
        if (target === undefined)
            throw new InputError(`${where(node)}: the alias *${node.source} names no anchor (&${node.source}) before it`);
        return target;
    };
    /** The value as the user wrote it, short, however large or aliased it is. */
    const valueText = (node) => {
        let budget = 40;
        const show = (item) => {
            const value = deref(item);
            if (--budget < 0)
                return '…';
            if ((0,dist/* isScalar */.jn)(value))
                return JSON.stringify(value.value) ?? String(value.value);
            if ((0,dist/* isSeq */.oP)(value))
                return `[${value.items.slice(0, budget + 1).map(show).join(',')}]`;
            if ((0,dist/* isMap */.jh)(value))
                return `{${value.items.slice(0, budget + 1).map(pair => `${show(pair.key)}:${show(pair.value)}`).join(',')}}`;
            return 'null';
        };
        const shown = show(node);
        return shown.length > SHOWN_VALUE_LENGTH ? `${shown.slice(0, SHOWN_VALUE_LENGTH - 1)}…` : shown;
    };
    const fail = (node, key, message) => {
        throw new InputError(`${where(node)}: ${key}: ${message}`);
    };
    const keyOf = (keyNode) => {
        const key = deref(keyNode);
        return (0,dist/* isScalar */.jn)(key) ? String(key.value) : valueText(key);
    };
    const isMergeKey = (keyNode) => (0,dist/* isScalar */.jn)(keyNode) && keyNode.value === '<<' && (keyNode.type === undefined || keyNode.type === 'PLAIN');
    const isEmpty = (node) => node === null || node === undefined || ((0,dist/* isScalar */.jn)(node) && node.value === null);
    /** The entries of a mapping, its own first, then those its merge keys bring that it does not set. */
    const merging = new Set();
    const entriesOf = (map, keyPath) => {
        const entries = [];
        const seen = new Set();
        const merges = [];
        for (const pair of map.items) {
            expand();
            if (isMergeKey(pair.key)) {
                merges.push(pair.value);
                continue;
            }
            const key = keyOf(pair.key);
            if (seen.has(key))
                throw new InputError(`${where(pair.key)}: invalid YAML: Map keys must be unique ("${key}" is set twice${keyPath ? ` in ${keyPath}` : ''})`);
            seen.add(key);
            entries.push({ key, keyNode: pair.key, value: pair.value });
        }
        if (merges.length === 0)
            return entries;
        const mergeKey = `${keyPath ? `${keyPath}.` : ''}<<`;
        if (merging.size >= MAX_MERGE_DEPTH)
            fail(merges[0], mergeKey, `merge keys bring mappings with merge keys more than ${MAX_MERGE_DEPTH} deep`);
        merging.add(map);
        // Of several merged mappings, the first that sets a key wins, as YAML's merge key says.
        for (const merge of merges) {
            const source = deref(merge);
            for (const item of (0,dist/* isSeq */.oP)(source) ? source.items : [source]) {
                const merged = deref(item);
                if (!(0,dist/* isMap */.jh)(merged))
                    fail(item, mergeKey, `a merge key takes a mapping or a list of them (<<: *defaults), got ${valueText(item)}`);
                if (merging.has(merged))
                    fail(item, mergeKey, `the mapping merges itself (through ${valueText(item)})`);
                for (const entry of entriesOf(merged, keyPath)) {
                    if (seen.has(entry.key))
                        continue;
                    seen.add(entry.key);
                    entries.push(entry);
                }
            }
        }
        merging.delete(map);
        return entries;
    };
    const contents = doc.contents;
    if (!(0,dist/* isMap */.jh)(contents))
        throw new InputError(`${where(contents)}: the budget file must be a mapping`);
    const parseVulnerabilityBudget = (raw, key) => {
        const node = deref(raw);
        if ((0,dist/* isScalar */.jn)(node) && typeof node.value === 'string') {
            try {
                return { limits: parseVulnerabilityLimits(node.value), fixableOnly: false, level: 'error', source: where(node) };
            }
            catch (error) {
                return fail(node, key, error.message);
            }
        }
        if (!(0,dist/* isMap */.jh)(node))
            return fail(node, key, `must be severity=count pairs or a mapping, got ${valueText(node)}`);
        const budget = { limits: {}, fixableOnly: false, level: 'error', source: where(node) };
        for (const inner of entriesOf(node, key)) {
            const name = inner.key;
            const valueNode = deref(inner.value);
            const value = (0,dist/* isScalar */.jn)(valueNode) ? valueNode.value : undefined;
            if (SEVERITIES.includes(name)) {
                if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
                    fail(valueNode, `${key}.${name}`, `must be a whole, non-negative number, got ${valueText(valueNode)}`);
                }
                budget.limits[name] = value;
            }
            else if (name === 'fixable-only') {
                if (typeof value !== 'boolean')
                    fail(valueNode, `${key}.${name}`, `must be true or false, got ${valueText(valueNode)}`);
                budget.fixableOnly = value;
            }
            else if (name === 'level') {
                if (!LEVELS.includes(value))
                    fail(valueNode, `${key}.level`, `must be error or warning, got ${valueText(valueNode)}`);
                budget.level = value;
            }
            else {
                fail(inner.keyNode, `${key}.${name}`, `unknown key (expected ${[...SEVERITIES, 'fixable-only', 'level'].join(', ')})`);
            }
        }
        if (Object.keys(budget.limits).length === 0)
            fail(node, key, 'names no severity');
        return budget;
    };
    const parseBudgets = (raw, keyPath) => {
        const node = deref(raw);
        if (isEmpty(node))
            return {};
        if (!(0,dist/* isMap */.jh)(node))
            return fail(node, keyPath, `must be a mapping of rules, got ${valueText(node)}`);
        const budgets = {};
        for (const entry of entriesOf(node, keyPath)) {
            const ruleName = entry.key;
            const key = `${keyPath}.${ruleName}`;
            if (ruleName === VULNERABILITY_RULE) {
                budgets[VULNERABILITY_RULE] = parseVulnerabilityBudget(entry.value, key);
                continue;
            }
            if (!RULE_NAMES.includes(ruleName)) {
                fail(entry.keyNode, key, `unknown rule (known rules: ${RULE_NAMES.join(', ')})`);
            }
            const rule = ruleName;
            const value = deref(entry.value);
            let limitNode = value;
            let level = 'error';
            let from;
            const objectKeys = rule === Rule.MaxDrift ? DRIFT_OBJECT_KEYS : RULE_OBJECT_KEYS;
            if (rule === Rule.MaxDrift && !(0,dist/* isMap */.jh)(value))
                fail(value, key, 'needs its reference: { limit: 10%, from: 2026-03-01 } (from: a day, a commit or a size like 140MB)');
            if ((0,dist/* isMap */.jh)(value)) {
                const inner = entriesOf(value, key);
                for (const { key: innerKey, keyNode } of inner) {
                    if (!objectKeys.includes(innerKey)) {
                        fail(keyNode, `${key}.${innerKey}`, `unknown key (expected ${objectKeys.join(', ').replace(/, (\w+)$/, ' and $1')})`);
                    }
                }
                const fromEntry = inner.find(item => item.key === 'from');
                if (rule === Rule.MaxDrift) {
                    const fromNode = deref(fromEntry?.value);
                    if (fromEntry === undefined)
                        fail(value, key, 'has no from (the reference: a day like 2026-03-01, a commit, or a size like 140MB)');
                    if (!(0,dist/* isScalar */.jn)(fromNode) || (typeof fromNode.value !== 'string' && typeof fromNode.value !== 'number'))
                        fail(fromNode, `${key}.from`, `must be a day, a commit or a size, got ${valueText(fromNode)}`);
                    try {
                        from = parseDriftFrom(fromNode.value);
                    }
                    catch (error) {
                        if (error instanceof SizeError)
                            fail(fromNode, `${key}.from`, error.message);
                        throw error;
                    }
                }
                limitNode = deref(inner.find(item => item.key === 'limit')?.value);
                const levelEntry = inner.find(item => item.key === 'level');
                if (levelEntry !== undefined) {
                    const levelNode = deref(levelEntry.value);
                    const levelValue = (0,dist/* isScalar */.jn)(levelNode) ? levelNode.value : undefined;
                    if (!LEVELS.includes(levelValue)) {
                        fail(levelNode, `${key}.level`, `must be error or warning, got ${valueText(levelNode)}`);
                    }
                    level = levelValue;
                }
                if (limitNode === undefined)
                    fail(value, key, 'has no limit');
            }
            if (!(0,dist/* isScalar */.jn)(limitNode) || (typeof limitNode.value !== 'string' && typeof limitNode.value !== 'number')) {
                return fail(limitNode, key, `must be a size, a number or { limit, level }, got ${valueText(limitNode)}`);
            }
            try {
                budgets[rule] = { ...parseLimit(rule, limitNode.value), level, source: where(limitNode), ...(from ? { from } : {}) };
            }
            catch (error) {
                if (error instanceof SizeError)
                    fail(limitNode, key, error.message);
                throw error;
            }
        }
        return budgets;
    };
    for (const entry of entriesOf(contents, '')) {
        const key = entry.key;
        const value = deref(entry.value);
        if (!TOP_LEVEL_KEYS.includes(key)) {
            fail(entry.keyNode, key, `unknown key (expected ${TOP_LEVEL_KEYS.join(', ')})`);
        }
        if (key === 'version') {
            if (!(0,dist/* isScalar */.jn)(value) || value.value !== 1)
                fail(value, key, `must be 1, got ${valueText(value)}`);
        }
        else if (key === 'defaults') {
            result.defaults = parseBudgets(value, 'defaults');
        }
        else if (key === 'smells') {
            if (isEmpty(value))
                continue;
            if (!(0,dist/* isMap */.jh)(value))
                return fail(value, key, `must be a mapping of smell rules to levels, got ${valueText(value)}`);
            for (const smell of entriesOf(value, key)) {
                const rule = smell.key;
                if (!SMELL_RULE_NAMES.includes(rule)) {
                    fail(smell.keyNode, `smells.${rule}`, `unknown smell rule (known rules: ${SMELL_RULE_NAMES.join(', ')})`);
                }
                const levelNode = deref(smell.value);
                const level = (0,dist/* isScalar */.jn)(levelNode) ? levelNode.value : undefined;
                if (!SMELL_LEVELS.includes(level)) {
                    fail(levelNode, `smells.${rule}`, `must be error, warning or off, got ${valueText(levelNode)}`);
                }
                result.smells[rule] = level;
            }
        }
        else if (key === 'ignore') {
            const items = (0,dist/* isSeq */.oP)(value) ? value.items.map(deref) : undefined;
            if (!items || items.some(item => !(0,dist/* isScalar */.jn)(item) || typeof item.value !== 'string')) {
                fail(value, key, `must be a list of path globs, got ${valueText(value)}`);
            }
            result.ignore = items.map(item => item.value);
        }
        else if (key === 'images') {
            if (isEmpty(value))
                continue;
            if (!(0,dist/* isMap */.jh)(value))
                return fail(value, key, `must be a mapping of image names, got ${valueText(value)}`);
            for (const image of entriesOf(value, key)) {
                // Defined, not assigned: an image may be called `__proto__`.
                Object.defineProperty(result.images, image.key, { value: parseBudgets(image.value, `images.${image.key}`), enumerable: true, writable: true, configurable: true });
            }
        }
    }
    return result;
}
/** The budgets of one image: the file's defaults, then its entry for the image, then inline inputs. */
function budgetsFor(name, file, inline) {
    const own = file && Object.hasOwn(file.images, name) ? file.images[name] : {};
    return { ...(file?.defaults ?? {}), ...own, ...inline };
}

;// CONCATENATED MODULE: ./src/config/config.ts







const PLATFORM_PATTERN = /^[a-z0-9_-]+\/[a-z0-9_-]+(\/[a-z0-9_.-]+)?$/i;
function inlineBudgets(inputs) {
    const budgets = {};
    if (inputs['max-vulnerabilities'] !== '') {
        try {
            const limits = parseVulnerabilityLimits(inputs['max-vulnerabilities']);
            budgets[VULNERABILITY_RULE] = { limits, fixableOnly: false, level: 'error', source: `input ${Input.MaxVulnerabilities}` };
        }
        catch (error) {
            if (error instanceof SizeError)
                throw new InputError(`Input "${Input.MaxVulnerabilities}": ${error.message}`);
            throw error;
        }
    }
    for (const { rule, input } of BUDGET_RULES) {
        const raw = inputs[input];
        if (raw === '')
            continue;
        try {
            budgets[rule] = { ...parseLimit(rule, raw), level: 'error', source: `input ${input}` };
        }
        catch (error) {
            if (error instanceof SizeError)
                throw new InputError(`Input "${input}": ${error.message}`);
            throw error;
        }
    }
    const drift = budgets[Rule.MaxDrift];
    if (drift && inputs['drift-from'] === '')
        throw new InputError(`Input "${Input.MaxDrift}": "${inputs['max-drift']}" needs its reference in "${Input.DriftFrom}" (a day like 2026-03-01, a commit, or a size like 140MB)`);
    if (!drift && inputs['drift-from'] !== '')
        throw new InputError(`Input "${Input.DriftFrom}": "${inputs['drift-from']}" is the reference of "${Input.MaxDrift}", which is not given`);
    if (drift) {
        try {
            drift.from = parseDriftFrom(inputs['drift-from']);
        }
        catch (error) {
            if (error instanceof SizeError)
                throw new InputError(`Input "${Input.DriftFrom}": ${error.message}`);
            throw error;
        }
    }
    return budgets;
}
/** A reference only the history knows (a commit, a day) with no history to read is refused before anything runs. */
function checkDriftReference(budgets, inputs) {
    const from = budgets[Rule.MaxDrift]?.from;
    if (from && needsHistory(from) && inputs.history === 'none') {
        const source = budgets[Rule.MaxDrift].source;
        throw new InputError(`${source.startsWith('input ') ? `Input "${Input.DriftFrom}"` : source}: the reference of ${Rule.MaxDrift}, "${from.text}", is a ${from.kind} that only the history knows: set "${Input.History}: branch", or pin a size (140MB)`);
    }
}
function parseKeyValues(input, items) {
    return items.map(item => {
        const separator = item.indexOf('=');
        if (separator <= 0)
            throw new InputError(`Input "${input}": "${maskValue(item)}" is not of the form id=value`);
        return { key: item.slice(0, separator).trim(), value: item.slice(separator + 1) };
    });
}
/** Never echo a secret back in an error: keep the id, hide the rest. */
function maskValue(item) {
    const separator = item.indexOf('=');
    return separator > 0 ? `${item.slice(0, separator)}=***` : '***';
}
/**
 * The default display name: the Dockerfile's path without "Dockerfile", or the folder's name for a
 * Dockerfile at the root, plus the target; the image reference when measuring an existing image.
 */
function defaultName(inputs, cwd) {
    if (inputs.image !== '')
        return inputs.image;
    const file = inputs.file !== '' ? inputs.file : external_node_path_.join(inputs.context, 'Dockerfile');
    const relative = external_node_path_.relative(cwd, external_node_path_.resolve(cwd, file)).split(external_node_path_.sep).join('/');
    const directory = external_node_path_.posix.dirname(relative);
    const base = external_node_path_.posix.basename(relative);
    const stem = base === 'Dockerfile' ? '' : base.replace(/^Dockerfile\.|\.Dockerfile$/i, '');
    let name = [directory === '.' ? '' : directory, stem].filter(Boolean).join('/');
    if (name === '' || name.startsWith('..'))
        name = external_node_path_.basename(cwd);
    return inputs.target !== '' ? `${name}-${inputs.target}` : name;
}
/** The image's name: the `name` input, or its default. */
function imageName(inputs, cwd) {
    return inputs.name !== '' ? inputs.name : defaultName(inputs, cwd);
}
async function loadConfig(inputs, files) {
    for (const platform of inputs.platforms) {
        if (!PLATFORM_PATTERN.test(platform)) {
            throw new InputError(`Input "${Input.Platforms}": "${platform}" is not a platform like linux/amd64 or linux/arm/v7`);
        }
    }
    if (inputs.push && inputs.tags.length === 0 && inputs.image === '') {
        throw new InputError(`Input "${Input.Push}" is true but "${Input.Tags}" is empty: name the image to push`);
    }
    const secrets = parseKeyValues(Input.Secrets, inputs.secrets).map(({ key, value }) => ({ id: key, value }));
    const secretFiles = parseKeyValues(Input.SecretFiles, inputs['secret-files']).map(({ key, value }) => ({
        id: key,
        path: external_node_path_.resolve(files.cwd, value)
    }));
    const inline = inlineBudgets(inputs);
    let budgetFile;
    const explicitFile = inputs['budget-file'];
    const budgetPath = external_node_path_.resolve(files.cwd, explicitFile !== '' ? explicitFile : DEFAULT_BUDGET_FILE);
    if (explicitFile !== '' || (await files.exists(budgetPath))) {
        let text;
        try {
            text = await files.readText(budgetPath);
        }
        catch (error) {
            throw new InputError(`Input "${Input.BudgetFile}": cannot read "${explicitFile || DEFAULT_BUDGET_FILE}" (${error.message})`);
        }
        budgetFile = parseBudgetFile(external_node_path_.relative(files.cwd, budgetPath) || budgetPath, text);
    }
    const name = imageName(inputs, files.cwd);
    const budgets = budgetsFor(name, budgetFile, inline);
    checkDriftReference(budgets, inputs);
    return {
        inputs,
        name,
        budgets,
        budgetFile: budgetFile?.path,
        ...(budgetFile ? { budgetFileImages: Object.keys(budgetFile.images) } : {}),
        smells: { levels: budgetFile?.smells ?? {}, ignore: budgetFile?.ignore ?? [] },
        secrets,
        secretFiles
    };
}

;// CONCATENATED MODULE: ./src/config/inputs.ts


/**
 * Splits a list input as docker/build-push-action does (CSV rules): items are separated by
 * newlines, and also by commas unless the items themselves may contain commas (cache specs, build
 * args, labels, secrets). An item in double quotes keeps its commas and newlines (a multi-line
 * secret) and `""` inside it is a quote. Unquoted items are trimmed; blank ones and `#` comments dropped.
 */
/** Whether Trivy scans the image itself (rather than a report given with `trivy-report` being read, or no scan). */
function trivyScans(inputs) {
    return inputs.scan && inputs['trivy-report'] === '';
}
function parseList(raw, { ignoreComma = false, name = '' } = {}) {
    const items = [];
    let item = '';
    let quoted = false;
    let wasQuoted = false;
    const finish = () => {
        const value = wasQuoted ? item : item.trim();
        if (value !== '' && (wasQuoted || !value.startsWith('#')))
            items.push(value);
        item = '';
        wasQuoted = false;
    };
    for (let i = 0; i < raw.length; i++) {
        const char = raw[i];
        if (quoted) {
            if (char === '"' && raw[i + 1] === '"') {
                item += '"';
                i++;
            }
            else if (char === '"')
                quoted = false;
            else
                item += char;
        }
        else if (char === '"' && item.trim() === '' && !wasQuoted) {
            item = '';
            quoted = true;
            wasQuoted = true;
        }
        else if (char === '\n' || (char === ',' && !ignoreComma))
            finish();
        else if (char !== '\r' || raw[i + 1] !== '\n')
            item += char;
    }
    if (quoted)
        throw new InputError(`Input "${name}": a double quote is not closed (a quoted item ends with ")`);
    finish();
    return items;
}
function parseBoolean(name, raw, fallback) {
    const value = raw.trim().toLowerCase();
    if (value === '')
        return fallback;
    if (value === 'true')
        return true;
    if (value === 'false')
        return false;
    throw new InputError(`Input "${name}" must be true or false, got "${raw}"`);
}
function parseEnum(name, raw, allowed, fallback) {
    const value = raw.trim();
    if (value === '')
        return fallback;
    if (allowed.includes(value))
        return value;
    throw new InputError(`Input "${name}" must be one of ${allowed.join(', ')}, got "${raw}"`);
}
/** A branch name git and the API take as it is: no `..`, no control characters or spaces, no `-` first. */
function parseBranchName(name, raw) {
    // As git check-ref-format: besides, no part of the name starts with a dot, and HEAD is not a branch.
    const valid = /^[A-Za-z0-9._][A-Za-z0-9._/-]{0,199}$/.test(raw) &&
        !raw.includes('..') &&
        !raw.includes('//') &&
        !raw.endsWith('/') &&
        !raw.endsWith('.lock') &&
        !raw.endsWith('.') &&
        !raw.split('/').some(part => part.startsWith('.')) &&
        raw !== 'HEAD';
    if (!valid)
        throw new InputError(`Input "${name}": "${raw}" is not a branch name (letters, digits, ".", "_", "-" and "/", e.g. image-budget-history)`);
    return raw;
}
/** `HIGH,CRITICAL` as Trivy takes it; every severity when empty. */
function parseSeverities(raw) {
    const items = parseList(raw);
    if (items.length === 0)
        return [...SEVERITIES];
    return items.map(item => {
        const severity = item.toLowerCase();
        if (!SEVERITIES.includes(severity)) {
            throw new InputError(`Input "${Input.Severity}": "${item}" is not a severity (${SEVERITIES.map(name => name.toUpperCase()).join(', ')})`);
        }
        return severity;
    });
}
function getInputs(read) {
    const text = (name) => read(name).trim();
    const list = (name, ignoreComma = false) => parseList(read(name), { ignoreComma, name });
    return {
        files: list(Input.Files),
        targets: list(Input.Targets),
        set: list(Input.Set, true),
        source: text(Input.Source),
        vars: list(Input.Vars, true),
        'add-hosts': list(Input.AddHosts),
        allow: list(Input.Allow),
        annotations: list(Input.Annotations, true),
        attests: list(Input.Attests, true),
        'build-contexts': list(Input.BuildContexts, true),
        call: text(Input.Call),
        'cgroup-parent': text(Input.CgroupParent),
        network: text(Input.Network),
        'no-cache-filters': list(Input.NoCacheFilters),
        outputs: list(Input.Outputs, true),
        'export-mode': parseEnum(Input.ExportMode, read(Input.ExportMode), ['auto', 'folder', 'stream', 'registry'], 'auto'),
        provenance: text(Input.Provenance),
        sbom: text(Input.Sbom),
        'secret-envs': list(Input.SecretEnvs),
        'shm-size': text(Input.ShmSize),
        ssh: list(Input.Ssh),
        ulimit: list(Input.Ulimit, true),
        context: text(Input.Context) || '.',
        file: text(Input.File),
        target: text(Input.Target),
        platforms: list(Input.Platforms),
        'build-args': list(Input.BuildArgs, true),
        secrets: list(Input.Secrets, true),
        'secret-files': list(Input.SecretFiles, true),
        tags: list(Input.Tags),
        labels: list(Input.Labels, true),
        push: parseBoolean(Input.Push, read(Input.Push), false),
        load: parseBoolean(Input.Load, read(Input.Load), false),
        builder: text(Input.Builder),
        'cache-from': list(Input.CacheFrom, true),
        'cache-to': list(Input.CacheTo, true),
        'no-cache': parseBoolean(Input.NoCache, read(Input.NoCache), false),
        pull: parseBoolean(Input.Pull, read(Input.Pull), false),
        image: text(Input.Image),
        name: text(Input.Name),
        'budget-file': text(Input.BudgetFile),
        'max-size': text(Input.MaxSize),
        'max-compressed-size': text(Input.MaxCompressedSize),
        'max-layers': text(Input.MaxLayers),
        'max-layer-size': text(Input.MaxLayerSize),
        'max-wasted': text(Input.MaxWasted),
        'min-efficiency': text(Input.MinEfficiency),
        'fail-on': parseEnum(Input.FailOn, read(Input.FailOn), ['error', 'warning', 'never'], 'error'),
        summary: parseBoolean(Input.Summary, read(Input.Summary), true),
        report: text(Input.Report),
        scan: parseBoolean(Input.Scan, read(Input.Scan), true),
        severity: parseSeverities(read(Input.Severity)),
        'ignore-unfixed': parseBoolean(Input.IgnoreUnfixed, read(Input.IgnoreUnfixed), false),
        trivyignores: list(Input.Trivyignores),
        'max-vulnerabilities': text(Input.MaxVulnerabilities),
        'trivy-report': text(Input.TrivyReport),
        sarif: text(Input.Sarif),
        'trivy-version': text(Input.TrivyVersion) || DEFAULT_TRIVY_VERSION,
        'trivy-db-repository': list(Input.TrivyDbRepository),
        'scan-failure': parseEnum(Input.ScanFailure, read(Input.ScanFailure), ['error', 'warning'], 'error'),
        'scan-timeout': text(Input.ScanTimeout),
        baseline: text(Input.Baseline) || 'auto',
        'baseline-ref': text(Input.BaselineRef),
        'max-size-increase': text(Input.MaxSizeIncrease),
        'max-drift': text(Input.MaxDrift),
        'drift-from': text(Input.DriftFrom),
        history: parseEnum(Input.History, read(Input.History), ['none', 'branch'], 'none'),
        'history-branch': parseBranchName(Input.HistoryBranch, text(Input.HistoryBranch) || DEFAULT_HISTORY_BRANCH),
        comment: parseEnum(Input.Comment, read(Input.Comment), ['auto', 'always', 'on-failure', 'never'], 'auto'),
        'github-token': text(Input.GithubToken),
        status: read(Input.Status).trim() === '' ? undefined : parseBoolean(Input.Status, read(Input.Status), true),
        // Globs may hold commas (`{api,web}`): one per line.
        reports: list(Input.Reports, true),
        expect: list(Input.Expect),
        'status-context': text(Input.StatusContext) || 'image-budget'
    };
}

;// CONCATENATED MODULE: ./src/pipeline/notices.ts

/** Build inputs that mean nothing when an existing image is measured. */
const BUILD_ONLY_INPUTS = [
    Input.File, Input.Target, Input.Platforms, Input.BuildArgs, Input.Tags, Input.Push, Input.Load, Input.Outputs, Input.CacheFrom,
    Input.CacheTo, Input.Call, Input.Secrets, Input.SecretEnvs, Input.SecretFiles
];
/** The inputs among `names` that were given a value (a list with items, true, or text). */
function givenInputs(inputs, names) {
    return names.filter(name => {
        const value = inputs[name];
        return Array.isArray(value) ? value.length > 0 : value === true || (typeof value === 'string' && value !== '');
    });
}
/** `baseline`: why `baseline: build` gave no baseline, when it gave none, and whether it failed to (the base did not build). */
function inapplicable(spec, report, baseline = {}) {
    const baselineMissing = baseline.missing;
    const notices = [];
    const { inputs, budgets } = spec;
    if (budgets[VULNERABILITY_RULE] && !inputs.scan && inputs['trivy-report'] === '') {
        notices.push(`The budget ${VULNERABILITY_RULE} cannot apply: scan is false and no trivy-report is given, so nothing counts vulnerabilities`);
    }
    const judgesIncrease = budgets[Rule.MaxSizeIncrease] !== undefined && report.platforms.length > 0;
    if (judgesIncrease) {
        if (!report.baseline && baseline.failed) {
            notices.push(`The budget ${Rule.MaxSizeIncrease} has no baseline: ${baselineMissing}. It ${budgets[Rule.MaxSizeIncrease].level === 'error' ? 'fails' : 'warns'} rather than passing unchecked`);
        }
        else if (!report.baseline) {
            notices.push(`The budget ${Rule.MaxSizeIncrease} cannot apply: there is no baseline to compare with (baseline: ${inputs.baseline}${baselineMissing ? `: ${baselineMissing}` : ''})`);
        }
        else {
            const missing = report.platforms.filter(platform => !platform.delta).map(platform => platform.platform);
            if (missing.length > 0)
                notices.push(`The budget ${Rule.MaxSizeIncrease} cannot apply to ${missing.join(', ')}: the baseline has no such platform`);
        }
    }
    if (baselineMissing && !judgesIncrease)
        notices.push(`No baseline to compare with (baseline: ${inputs.baseline}): ${baselineMissing}`);
    if (inputs['baseline-ref'] !== '' && inputs.baseline !== 'build') {
        notices.push(`Input "${Input.BaselineRef}" is ignored: it names the commit that baseline: build builds, and baseline is ${inputs.baseline}`);
    }
    if (budgets[Rule.MaxDrift]) {
        const unresolved = report.platforms.filter(platform => platform.drift?.unresolved !== undefined);
        const reasons = [...new Set(unresolved.map(platform => platform.drift.unresolved))];
        for (const reason of reasons) {
            const on = unresolved.filter(platform => platform.drift.unresolved === reason).map(platform => platform.platform);
            notices.push(`The budget ${Rule.MaxDrift} has no reference on ${on.join(', ')}: ${reason}. It ${budgets[Rule.MaxDrift].level === 'error' ? 'fails' : 'warns'} rather than passing unchecked`);
        }
    }
    const unknown = (spec.budgetFileImages ?? []).filter(key => key !== spec.name);
    if (unknown.length > 0 && !(spec.budgetFileImages ?? []).includes(spec.name)) {
        notices.push(`The budget file ${spec.budgetFile} has budgets for ${unknown.map(key => `"${key}"`).join(', ')} but this image is "${spec.name}": only its defaults apply (set name to one of those keys)`);
    }
    if (spec.origin.kind === 'image') {
        const ignored = givenInputs(inputs, BUILD_ONLY_INPUTS);
        if (ignored.length > 0)
            notices.push(`Inputs ${ignored.map(input => `"${input}"`).join(', ')} are ignored: "image" measures an existing image, nothing is built`);
    }
    return notices;
}

;// CONCATENATED MODULE: ./src/files/safe-write.ts
// Outputs (report, comment, SARIF, the kept baseline) go to paths that inputs name or that names
// derive, sometimes in folders others can write to. A write never follows a symbolic link: the
// data goes to a new file made in the target's own folder (O_EXCL, O_NOFOLLOW) that then replaces
// the target by rename, which replaces a link rather than writing through it. Writes stay inside
// the workspace and the temporary folder, whatever `..` or links the path holds.





class FileWriteError extends Error {
    constructor(message) {
        super(message);
        this.name = 'FileWriteError';
    }
}
/**
 * The folders a run writes into: the workspace (GITHUB_WORKSPACE, and the working folder, which is
 * where the CLI runs) and the run's temporary root (RUNNER_TEMP; the system's temporary folder for
 * the CLI, where its work folders are made: a path there must be named with an input).
 */
function writeRoots(deps) {
    return [deps.env.GITHUB_WORKSPACE, deps.cwd, deps.tempRoot].filter((root) => Boolean(root));
}
const WRITE_FLAGS = external_node_fs_.constants.O_WRONLY | external_node_fs_.constants.O_CREAT | external_node_fs_.constants.O_EXCL | (external_node_fs_.constants.O_NOFOLLOW ?? 0);
const CAUSES = {
    ENOSPC: 'no space left on the device',
    EDQUOT: 'the disk quota is used up',
    EROFS: 'the file system is read-only',
    EACCES: 'permission denied',
    EPERM: 'the operation is not permitted',
    EISDIR: 'it is a directory',
    ENOTDIR: 'a part of the path is not a directory',
    ENAMETOOLONG: 'the name is too long',
    ELOOP: 'the path has a loop of symbolic links'
};
class Refused extends Error {
}
const isInside = (file, root) => {
    const relative = external_node_path_.relative(root, file);
    return relative === '' || (!relative.startsWith(`..${external_node_path_.sep}`) && relative !== '..' && !external_node_path_.isAbsolute(relative));
};
async function realRoots(roots) {
    const resolved = await Promise.all(roots.map(root => (0,promises_.realpath)(root).catch(() => undefined)));
    return resolved.filter((root) => root !== undefined);
}
/** The nearest folder of `dir` that exists, links resolved. */
async function nearestExisting(dir) {
    for (let current = dir;; current = external_node_path_.dirname(current)) {
        try {
            return await (0,promises_.realpath)(current);
        }
        catch (error) {
            if (error.code !== 'ENOENT' || external_node_path_.dirname(current) === current)
                throw error;
        }
    }
}
/** Makes the target's folder once its existing part is known to be inside a root; returns it, resolved. */
async function confinedFolder(dir, roots) {
    const allowed = await realRoots(roots);
    const check = (real) => {
        if (!allowed.some(root => isInside(real, root))) {
            throw new Refused(`its folder ${real} is outside the workspace and the temporary folder (${allowed.join(', ') || 'none exists'})`);
        }
    };
    check(await nearestExisting(dir));
    await (0,promises_.mkdir)(dir, { recursive: true }).catch(error => {
        // mkdir says EEXIST when a part of the path is a file.
        throw error.code === 'EEXIST' ? Object.assign(new Error(), { code: 'ENOTDIR' }) : error;
    });
    const real = await (0,promises_.realpath)(dir);
    check(real);
    return real;
}
/** Writes `data` to `file` as described above; any failure is a FileWriteError naming the path and the cause. */
async function writeFileSafely(file, data, target) {
    const absolute = external_node_path_.resolve(file);
    let temporary;
    try {
        const folder = await confinedFolder(external_node_path_.dirname(absolute), target.roots);
        const final = external_node_path_.join(folder, external_node_path_.basename(absolute));
        const existing = await (0,promises_.lstat)(final).catch(error => {
            if (error.code === 'ENOENT')
                return undefined;
            throw error;
        });
        if (existing && !existing.isFile())
            throw new Refused(`it is ${kindOf(existing)}`);
        const shared = ((await (0,promises_.stat)(folder)).mode & 0o002) !== 0;
        temporary = external_node_path_.join(folder, `.${external_node_path_.basename(absolute)}.${(0,external_node_crypto_.randomBytes)(6).toString('hex')}.tmp`);
        const handle = await (0,promises_.open)(temporary, WRITE_FLAGS, shared ? 0o600 : (target.mode ?? 0o644));
        try {
            await handle.writeFile(data);
        }
        finally {
            await handle.close();
        }
        await (0,promises_.rename)(temporary, final);
        temporary = undefined;
    }
    catch (error) {
        const code = error.code;
        const said = error.message.replace(/^[A-Z]+: /, '');
        const cause = error instanceof Refused ? error.message : code ? `${code}: ${CAUSES[code] ?? said}` : said;
        throw new FileWriteError(`Cannot write ${target.what} ${absolute}: ${cause}`);
    }
    finally {
        if (temporary)
            await (0,promises_.unlink)(temporary).catch(() => undefined);
    }
}

;// CONCATENATED MODULE: ./src/github/api.ts

/** An HTTP error of the API, with its status (403 for a token that may not write, as on fork PRs). */
class GitHubApiError extends Error {
    status;
    constructor(message, status) {
        super(message);
        this.status = status;
    }
}
/** Comment pages read at most (100 comments each) before the search gives up. */
const MAX_COMMENT_PAGES = 100;
/** The largest answer of the API read into memory. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
function wrap(error) {
    if (error instanceof GitHubApiError)
        throw error;
    // What gave up after retries says so itself; its status is not the API's answer to the request.
    const cause = error.cause;
    if (cause instanceof HttpFailure)
        throw new GitHubApiError(`GitHub API: ${cause.message}`, 0);
    const status = error.status;
    throw new GitHubApiError(error.message, typeof status === 'number' ? status : 0);
}
/** How long GitHub asks to wait: Retry-After, or the reset of an exhausted rate limit; undefined when it does not ask. */
function rateLimitWait(status, headers) {
    const retryAfter = retryAfterMs(headers);
    if (retryAfter !== undefined)
        return retryAfter;
    if (status === 403 || status === 429) {
        const reset = Number(headers.get('x-ratelimit-reset'));
        if (headers.get('x-ratelimit-remaining') === '0' && Number.isFinite(reset))
            return Math.max(0, reset * 1000 - Date.now());
    }
    return undefined;
}
/**
 * The fetch under Octokit: only to the API's own origin, with timeouts and retries (429, 5xx, and
 * a 403 that is a rate limit), and redirects followed by hand so the token stays with the API.
 */
function apiFetch(baseUrl, inner, limits) {
    const origin = new URL(baseUrl).origin;
    return async (input, init = {}) => {
        const url = new URL(input instanceof Request ? input.url : String(input));
        const method = init.method ?? 'GET';
        const describe = `${method} ${url.pathname}`;
        if (url.origin !== origin)
            throw new HttpFailure(`${describe}: ${url.origin} is not the API (${origin}), and is not sent the token`, false);
        const headers = {};
        let authorization;
        for (const [name, value] of new Headers(init.headers)) {
            if (name === 'authorization')
                authorization = value;
            else
                headers[name] = value;
        }
        const body = typeof init.body === 'string' ? init.body : undefined;
        return withRetries(limits, async (remainingMs) => {
            const exchange = await send(url, { fetch: inner, limits, method, headers, body, authorization, credentialsOrigin: origin, describe, timeoutMs: remainingMs });
            const data = await readCapped(watchBody(exchange, limits, describe), MAX_RESPONSE_BYTES, `the answer to ${describe}`);
            const { status, statusText, headers: responseHeaders } = exchange.response;
            const wait = rateLimitWait(status, responseHeaders);
            if (isRetryableStatus(status) || (status === 403 && wait !== undefined)) {
                throw new HttpFailure(`${describe}: HTTP ${status}${status === 403 || status === 429 ? ' (rate limited)' : ''}`, true, status, wait);
            }
            return new Response([204, 205, 304].includes(status) ? null : data, { status, statusText, headers: responseHeaders });
        });
    };
}
const nextLink = (link) => /<([^<>]+)>;\s*rel="next"/.exec(link ?? '')?.[1];
function commentOf(value, what) {
    const comment = value;
    const bodyIsText = comment !== null && typeof comment === 'object' && (typeof comment.body === 'string' || comment.body === undefined || comment.body === null);
    if (!bodyIsText || !Number.isSafeInteger(comment.id)) {
        throw new GitHubApiError(`GitHub API: ${what} is not a comment`, 0);
    }
    return { id: comment.id, body: comment.body ?? '' };
}
const isSha = (value) => typeof value === 'string' && /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(value);
/** The answer to GET contents of a file, checked: a file, in base64, of at most `maxBytes`. */
function fileOf(value, what, maxBytes) {
    const file = value;
    if (file === null || typeof file !== 'object' || Array.isArray(file) || file.type !== 'file')
        throw new GitHubApiError(`GitHub API: ${what} is not a file`, 0);
    if (!isSha(file.sha))
        throw new GitHubApiError(`GitHub API: ${what} has no blob SHA`, 0);
    if (typeof file.size === 'number' && file.size > maxBytes)
        throw new GitHubApiError(`GitHub API: ${what} is ${file.size} bytes, more than the ${maxBytes} read`, 0);
    // Files over 1 MB come without content (encoding "none"): image-budget writes none that large.
    if (file.encoding === 'none')
        throw new GitHubApiError(`GitHub API: ${what} is larger than the 1 MB the contents API sends`, 0);
    if (file.encoding !== 'base64' || typeof file.content !== 'string' || !/^[A-Za-z0-9+/=\s]*$/.test(file.content)) {
        throw new GitHubApiError(`GitHub API: ${what} does not come as base64 content`, 0);
    }
    const bytes = Buffer.from(file.content, 'base64');
    if (bytes.length > maxBytes)
        throw new GitHubApiError(`GitHub API: ${what} is more than the ${maxBytes} bytes read`, 0);
    return { text: bytes.toString('utf8'), sha: file.sha };
}
const shaOf = (value, what) => {
    const sha = value?.sha;
    if (!isSha(sha))
        throw new GitHubApiError(`GitHub API: ${what} has no SHA`, 0);
    return sha;
};
const statusOf = (error) => {
    const status = error.status;
    return typeof status === 'number' ? status : 0;
};
let loadedOctokit;
/**
 * Octokit, loaded on the first API call: a run that never calls the API (the CLI, a step without a
 * token) does not pay for loading it. Loaded once for every client, its two modules one after the
 * other: they share modules, and jest's module linker fails on a module two imports load at once.
 */
function octokitModule() {
    loadedOctokit ??= (async () => {
        const { getOctokit } = await Promise.all(/* import() */[__webpack_require__.e(119), __webpack_require__.e(665), __webpack_require__.e(351)]).then(__webpack_require__.bind(__webpack_require__, 1351));
        const { defaults } = await Promise.all(/* import() */[__webpack_require__.e(119), __webpack_require__.e(665)]).then(__webpack_require__.bind(__webpack_require__, 8665));
        return { getOctokit, defaults };
    })();
    return loadedOctokit;
}
function octokitApi(token, owner, repo, baseUrl, options = {}) {
    const { fetch: fetchOption, maxPages = MAX_COMMENT_PAGES, ...limits } = options;
    let client;
    const octokit = () => (client ??= octokitModule().then(({ getOctokit, defaults }) => {
        const inner = fetchOption ?? defaults.request?.fetch ?? fetch;
        return getOctokit(token, { baseUrl, request: { fetch: apiFetch(baseUrl, inner, { ...DEFAULT_HTTP_LIMITS, ...limits }) } });
    }));
    return {
        async findComment(issue, visit) {
            try {
                const what = `the comments of #${issue}`;
                let response = await (await octokit()).rest.issues.listComments({ owner, repo, issue_number: issue, per_page: 100 });
                const pages = new Set();
                for (let page = 1;; page++) {
                    if (!Array.isArray(response.data))
                        throw new GitHubApiError(`GitHub API: page ${page} of ${what} is not a list`, 0);
                    for (const item of response.data) {
                        const found = commentOf(item, `an entry of page ${page} of ${what}`);
                        if (visit(found))
                            return found;
                    }
                    const next = nextLink(response.headers.link);
                    if (next === undefined)
                        return undefined;
                    if (page >= maxPages)
                        throw new GitHubApiError(`GitHub API: ${what} go on past ${maxPages} pages; the search stops there`, 0);
                    if (pages.has(next))
                        throw new GitHubApiError(`GitHub API: page ${page} of ${what} links back to an earlier page (${next})`, 0);
                    pages.add(next);
                    response = await (await octokit()).request(`GET ${next}`);
                }
            }
            catch (error) {
                return wrap(error);
            }
        },
        async createComment(issue, body) {
            try {
                const { data } = await (await octokit()).rest.issues.createComment({ owner, repo, issue_number: issue, body });
                return commentOf(data, `the answer to the new comment on #${issue}`);
            }
            catch (error) {
                return wrap(error);
            }
        },
        async updateComment(id, body) {
            try {
                await (await octokit()).rest.issues.updateComment({ owner, repo, comment_id: id, body });
            }
            catch (error) {
                wrap(error);
            }
        },
        async createStatus(sha, status) {
            try {
                await (await octokit()).rest.repos.createCommitStatus({ owner, repo, sha, ...status });
            }
            catch (error) {
                wrap(error);
            }
        },
        async readFile(path, branch, maxBytes) {
            try {
                const { data } = await (await octokit()).rest.repos.getContent({ owner, repo, path, ref: branch });
                return fileOf(data, `${path} of ${branch}`, maxBytes);
            }
            catch (error) {
                if (statusOf(error) === 404)
                    return undefined;
                return wrap(error);
            }
        },
        async writeFile(path, change) {
            try {
                const content = Buffer.from(change.text, 'utf8').toString('base64');
                await (await octokit()).rest.repos.createOrUpdateFileContents({ owner, repo, path, branch: change.branch, message: change.message, content, ...(change.sha ? { sha: change.sha } : {}) });
            }
            catch (error) {
                wrap(error);
            }
        },
        async branchExists(branch) {
            try {
                await (await octokit()).rest.git.getRef({ owner, repo, ref: `heads/${branch}` });
                return true;
            }
            catch (error) {
                if (statusOf(error) === 404)
                    return false;
                return wrap(error);
            }
        },
        async createOrphanBranch(path, change) {
            try {
                const { git } = (await octokit()).rest;
                const tree = await git.createTree({ owner, repo, tree: [{ path, mode: '100644', type: 'blob', content: change.text }] });
                const commit = await git.createCommit({ owner, repo, message: change.message, tree: shaOf(tree.data, 'the new tree'), parents: [] });
                await git.createRef({ owner, repo, ref: `refs/heads/${change.branch}`, sha: shaOf(commit.data, 'the new commit') });
            }
            catch (error) {
                wrap(error);
            }
        }
    };
}

;// CONCATENATED MODULE: ./src/github/context.ts

async function readGitHubContext(env) {
    if (!env.GITHUB_REPOSITORY || !env.GITHUB_EVENT_NAME)
        return undefined;
    const [owner, repo] = env.GITHUB_REPOSITORY.split('/');
    let event = {};
    if (env.GITHUB_EVENT_PATH) {
        try {
            event = JSON.parse(await (0,promises_.readFile)(env.GITHUB_EVENT_PATH, 'utf8'));
        }
        catch {
            // An unreadable event file leaves the event-specific parts unknown.
        }
    }
    const pr = event.pull_request;
    const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
    return {
        owner,
        repo,
        eventName: env.GITHUB_EVENT_NAME,
        sha: pr?.head.sha ?? env.GITHUB_SHA ?? '',
        branch: pr?.head.ref ?? (env.GITHUB_REF ?? '').replace(/^refs\/heads\//, ''),
        defaultBranch: event.repository?.default_branch ?? '',
        ...(pr
            ? {
                pullRequest: {
                    number: pr.number,
                    baseRef: pr.base.ref,
                    headSha: pr.head.sha,
                    fromFork: (pr.head.repo?.full_name ?? '') !== (pr.base.repo?.full_name ?? env.GITHUB_REPOSITORY),
                    ...(typeof pr.base.sha === 'string' && /^[0-9a-f]{40}$/.test(pr.base.sha) ? { baseSha: pr.base.sha } : {})
                }
            }
            : {}),
        runUrl: `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID ?? ''}`,
        runAttemptUrl: `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID ?? ''}/attempts/${env.GITHUB_RUN_ATTEMPT ?? '1'}`,
        serverUrl: server,
        apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
        privateRepository: event.repository?.private === true
    };
}
const isPullRequest = (context) => context?.pullRequest !== undefined && /^pull_request/.test(context.eventName);

;// CONCATENATED MODULE: ./src/names.ts

/** Longer names keep their first characters and a hash of the whole, so two long names stay apart. */
const MAX_SLUG_LENGTH = 100;
const HASH_LENGTH = 12;
/**
 * The one way a name (an image's name, target, tag, branch or registry reference) becomes part of a
 * file name, a folder name or a cache key: characters other than letters, digits, `.`, `_` and `-`
 * become `-`, dots never come in pairs, and no slug starts or ends with a dot or a dash, so that
 * `..`, `/` and `-flag` cannot reach a path or an argv. `ghcr.io/acme/api:1.4` is
 * `ghcr.io-acme-api-1.4`, `api/v2` is `api-v2`.
 */
function slugOf(name) {
    const plain = name
        .replace(/[^A-Za-z0-9._-]+/g, '-')
        .replace(/\.{2,}/g, '.')
        .replace(/^[.-]+|[.-]+$/g, '');
    if (plain === '')
        return 'image';
    if (plain.length <= MAX_SLUG_LENGTH)
        return plain;
    const hash = (0,external_node_crypto_.createHash)('sha256').update(name).digest('hex').slice(0, HASH_LENGTH);
    return `${plain.slice(0, MAX_SLUG_LENGTH - HASH_LENGTH - 1).replace(/[.-]+$/, '')}-${hash}`;
}

;// CONCATENATED MODULE: ./src/image/layer-cache.ts




// @actions/cache takes longer to load than a warm measurement takes to run: it is loaded only
// when a step uses the cache.
const actionsCache = () => Promise.all(/* import() */[__webpack_require__.e(119), __webpack_require__.e(838), __webpack_require__.e(691)]).then(__webpack_require__.bind(__webpack_require__, 1691));
const actionsCacheBackend = {
    restore: async (paths, key, restoreKeys) => (await actionsCache()).restoreCache(paths, key, restoreKeys),
    save: async (paths, key) => (await actionsCache()).saveCache(paths, key)
};
/** Whether the runner offers the Actions cache to this step. */
async function actionsCacheAvailable() {
    return (await actionsCache()).isFeatureAvailable();
}
/**
 * Keys of the layer folder of one image: a new key per run (cache entries are immutable), found by
 * its prefix on the next run, so that each run starts from the newest folder.
 */
function layerCacheKeys(name, env) {
    const prefix = `image-budget-layers-v${LAYER_STORE_VERSION}-${process.platform}-${slugOf(name)}-`;
    return { key: `${prefix}${env.GITHUB_RUN_ID ?? Date.now()}-${env.GITHUB_RUN_ATTEMPT ?? '1'}`, prefix };
}
/** The local folder of the CLI: IMAGE_BUDGET_CACHE_DIR, or image-budget/layers in the user's cache folder. */
function localLayerCacheDir(env) {
    if (env.IMAGE_BUDGET_CACHE_DIR)
        return env.IMAGE_BUDGET_CACHE_DIR;
    return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'image-budget', 'layers');
}
/** Restores the newest layer folder of the image; a failure only warns (the layers are read instead). */
async function restoreLayers(kept, host) {
    const { key, prefix } = layerCacheKeys(kept.name, kept.env);
    try {
        const matched = await kept.backend.restore([kept.dir], key, [prefix]);
        host.info(matched ? `Layer index restored from cache entry ${matched}` : 'No layer index in the cache yet: every layer is read');
        return matched;
    }
    catch (error) {
        host.warning(`The layer index could not be restored, every layer is read: ${error.message}`);
        return undefined;
    }
}
/**
 * Saves the layer folder when this run read a layer the restored folder lacked, after dropping the
 * layers this run did not use. Saving never fails the step.
 */
async function saveLayers(kept, store, restoredKey, host) {
    const { key } = layerCacheKeys(kept.name, kept.env);
    if (store.written === 0 || restoredKey === key)
        return;
    try {
        await store.prune();
        await kept.backend.save([kept.dir], key);
        host.info(`Layer index saved to the cache as ${key}`);
    }
    catch (error) {
        host.warning(`The layer index could not be saved (the next run reads every layer again): ${error.message}`);
    }
}

// EXTERNAL MODULE: ./node_modules/@actions/exec/lib/exec.js + 1 modules
var exec = __webpack_require__(1955);
;// CONCATENATED MODULE: ./src/process.ts
// Runs an outside program that must not hold the step forever nor fill its memory: it gets a
// deadline, after which its whole process group is stopped (a wrapper script's children too), and
// only the last part of what it prints is kept.


/** Of each of stdout and stderr: error messages quote the last lines only. */
const KEPT_OUTPUT = 1 << 20;
/** Between asking the program to stop and killing it. */
const GRACE_MS = 3000;
/** Keeps the last `limit` characters of a stream. */
class Tail {
    limit;
    text = '';
    decoder = new external_node_string_decoder_.StringDecoder('utf8');
    constructor(limit) {
        this.limit = limit;
    }
    add(chunk) {
        this.text += this.decoder.write(chunk);
        if (this.text.length > 2 * this.limit)
            this.text = this.text.slice(-this.limit);
    }
    toString() {
        const text = this.text + this.decoder.end();
        return text.length > this.limit ? text.slice(-this.limit) : text;
    }
}
/** Runs `command` with `args` (no shell); `timedOut` says it was stopped at the deadline. */
function runWithDeadline(command, args, options) {
    return new Promise((resolve, reject) => {
        const ownGroup = process.platform !== 'win32';
        const child = (0,external_node_child_process_.spawn)(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: ownGroup });
        const stdout = new Tail(KEPT_OUTPUT);
        const stderr = new Tail(KEPT_OUTPUT);
        let timedOut = false;
        let settled = false;
        /** Set once the program exited: undefined before, null when a signal ended it. */
        let exitCode;
        let graceTimer;
        const stop = (signal) => {
            try {
                if (ownGroup && child.pid !== undefined)
                    process.kill(-child.pid, signal);
                else
                    child.kill(signal);
            }
            catch {
                // Already gone.
            }
        };
        // A program in its own group does not die with this process: take it along.
        const onExit = () => stop('SIGKILL');
        process.once('exit', onExit);
        const settle = (code) => {
            if (settled)
                return;
            settled = true;
            clearTimeout(deadline);
            clearTimeout(graceTimer);
            process.removeListener('exit', onExit);
            resolve({ exitCode: code ?? 1, stdout: stdout.toString(), stderr: stderr.toString(), ...(timedOut ? { timedOut } : {}) });
        };
        // After a stop, a grandchild outside the group may still hold the pipes open: do not wait for it.
        const settleStopped = () => {
            stop('SIGKILL');
            child.stdout.destroy();
            child.stderr.destroy();
            settle(exitCode ?? null);
        };
        const deadline = setTimeout(() => {
            timedOut = true;
            stop('SIGTERM');
            graceTimer = setTimeout(() => stop('SIGKILL'), GRACE_MS);
            if (exitCode !== undefined)
                settleStopped();
        }, options.timeoutMs);
        options.echo?.write(`[command]${command} ${args.join(' ')}\n`);
        child.stdout.on('data', (chunk) => {
            stdout.add(chunk);
            options.echo?.write(chunk);
        });
        child.stderr.on('data', (chunk) => {
            stderr.add(chunk);
            options.echo?.write(chunk);
        });
        child.on('error', error => {
            if (settled)
                return;
            settled = true;
            clearTimeout(deadline);
            process.removeListener('exit', onExit);
            reject(error);
        });
        child.on('exit', code => {
            exitCode = code;
            if (timedOut)
                settleStopped();
        });
        child.on('close', code => settle(code));
    });
}

;// CONCATENATED MODULE: ./src/exec.ts





/**
 * Runs programs through @actions/exec: an argv array, no shell, the parent's environment kept whole
 * (buildx reads the runner's ACTIONS_* variables itself), and a non-zero exit returned, not thrown.
 * `echoTo` is where the program's output is echoed (the CLI keeps stdout for its table). A program
 * given a timeout runs under a deadline instead (see runWithDeadline).
 */
function createExec(echoTo) {
    return async (command, args, options = {}) => {
        if (options.readStdout !== undefined) {
            return runReadingStdout(command, args, { ...options, readStdout: options.readStdout }, options.silent ? undefined : (echoTo ?? process.stdout));
        }
        if (options.timeoutMs !== undefined) {
            const echo = options.silent ? undefined : (echoTo ?? process.stdout);
            return runWithDeadline(command, args, { timeoutMs: options.timeoutMs, cwd: options.cwd, echo });
        }
        const result = await (0,exec/* getExecOutput */.H)(command, args, {
            ignoreReturnCode: true,
            silent: options.silent ?? false,
            ...(options.cwd ? { cwd: options.cwd } : {}),
            ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
            ...(echoTo ? { outStream: echoTo, errStream: echoTo } : {})
        });
        return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
    };
}
/** Of a program whose standard output is read as a stream: the end of its stderr kept (build progress). */
const KEPT_STREAMED_STDERR = 8 * 1024 * 1024;
/** Of the stderr before that end: its vertex lines (`#5 [build 2/4] RUN ...`, `#5 CACHED`), which count the steps. */
const KEPT_STATUS_LINES = 2 * 1024 * 1024;
/** Between asking a program to stop and killing it, and between its exit and giving up on its stderr. */
const STOP_GRACE_MS = 3000;
const STATUS_LINE = /^#\d+ (?!\d+\.\d+ )/;
/**
 * Runs a program whose standard output is handed to a reader, with backpressure: the program
 * writes no faster than the reader reads, so nothing of it piles up in memory. Its stderr is echoed
 * and kept (its end, and the status lines before it). When the reader fails, the program is
 * stopped (killed if it does not stop) and the reader's error thrown; when the program fails on
 * its own, its exit code is returned as from any other program.
 */
function runReadingStdout(command, args, options, echo) {
    return new Promise((resolve, reject) => {
        const child = (0,external_node_child_process_.spawn)(command, args, {
            stdio: ['ignore', 'pipe', 'pipe'],
            ...(options.cwd ? { cwd: options.cwd } : {}),
            ...(options.env ? { env: { ...process.env, ...options.env } } : {})
        });
        let stderr = '';
        let status = '';
        const decoder = new external_node_string_decoder_.StringDecoder('utf8');
        echo?.write(`[command]${command} ${args.join(' ')}\n`);
        child.stderr.on('data', (chunk) => {
            echo?.write(chunk);
            stderr += decoder.write(chunk);
            if (stderr.length > 2 * KEPT_STREAMED_STDERR) {
                const cut = stderr.indexOf('\n', stderr.length - KEPT_STREAMED_STDERR) + 1;
                const dropped = stderr.slice(0, cut).split('\n').filter(line => STATUS_LINE.test(line));
                if (status.length < KEPT_STATUS_LINES)
                    status += dropped.map(line => `${line.slice(0, 512)}\n`).join('');
                stderr = stderr.slice(cut);
            }
        });
        let readerError;
        let stoppedForReader = false;
        let killTimer;
        const stop = () => {
            stoppedForReader = true;
            child.kill('SIGTERM');
            killTimer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        };
        let failed;
        const exited = new Promise(done => {
            child.on('error', error => {
                // A program that never started has no exit to wait for.
                failed ??= error;
                if (child.pid === undefined)
                    done({ code: null, signal: null });
            });
            child.once('exit', (code, signal) => done({ code, signal }));
        });
        const reading = options
            .readStdout(child.stdout)
            .catch((error) => {
            readerError = error;
            // A reader that failed at the end of the output has not cut the program short: its exit says how it went.
            if (!child.stdout.readableEnded && child.exitCode === null && child.signalCode === null)
                stop();
        })
            // Whatever the reader left unread must not hold the program (a full pipe) or its close.
            .finally(() => child.stdout.destroy());
        const stderrDone = new Promise(done => child.stderr.once('close', () => done()));
        void Promise.all([exited, reading]).then(async ([{ code, signal }]) => {
            clearTimeout(killTimer);
            // A child of the program may hold stderr open after it exited: its end is not waited for long.
            const grace = setTimeout(() => child.stderr.destroy(), STOP_GRACE_MS);
            await stderrDone;
            clearTimeout(grace);
            if (failed && child.pid === undefined)
                return reject(failed);
            const kept = status + stderr + decoder.end();
            // A program that failed by itself says why, even when the reader then found its output cut short.
            if (readerError && (stoppedForReader || code === 0))
                reject(readerError);
            else
                resolve({ exitCode: code ?? (signal ? 128 : 1), stdout: '', stderr: kept });
        });
    });
}
/** Longest line held back waiting for its end: a secret is masked whole only within a line. */
const HELD_LINE = (/* unused pure expression or super */ null && (64 * 1024));
/**
 * A stream that writes to `target` with `mask` applied, line by line so that a secret split
 * between two chunks is still masked (the CLI echoes programs' output through it).
 */
function maskingStream(target, mask) {
    const decoder = new StringDecoder('utf8');
    let pending = '';
    return new Writable({
        write(chunk, _encoding, done) {
            pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
            const end = pending.length > HELD_LINE ? pending.length : pending.lastIndexOf('\n') + 1;
            if (end > 0) {
                target.write(mask(pending.slice(0, end)));
                pending = pending.slice(end);
            }
            done();
        },
        final(done) {
            pending += decoder.end();
            if (pending !== '')
                target.write(mask(pending));
            pending = '';
            done();
        }
    });
}
/** The end of a program's stderr that is kept for a message. */
const KEPT_STDERR = 64 * 1024;
/** Runs a program with its standard output as a stream (no shell, the parent's environment). */
const spawnStream = (command, args) => {
    const child = (0,external_node_child_process_.spawn)(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text) => {
        stderr = (stderr + text).slice(-KEPT_STDERR);
    });
    const finished = new Promise(resolve => {
        child.once('error', error => resolve({ exitCode: -1, stderr: error.message }));
        // A program stopped by a signal says nothing of it itself.
        child.once('close', (code, signal) => resolve({ exitCode: code ?? -1, stderr: signal && !stderr.trim() ? `it was stopped by ${signal}` : stderr }));
    });
    return { stdout: child.stdout, finished };
};

;// CONCATENATED MODULE: ./src/host.ts
const systemClock = { now: () => Date.now() };

;// CONCATENATED MODULE: ./src/scan/retry.ts
const realSleep = milliseconds => new Promise(resolve => setTimeout(resolve, milliseconds));
class RetryableError extends Error {
}
/**
 * Runs an operation again after a RetryableError (rate limits, 5xx), waiting longer each time:
 * `delays` lists the waits, so their count is the number of retries.
 */
async function retry_withRetries(operation, delays, sleep, onRetry) {
    for (let attempt = 0;; attempt++) {
        try {
            return await operation(attempt);
        }
        catch (error) {
            if (!(error instanceof RetryableError) || attempt >= delays.length)
                throw error;
            onRetry?.(error, delays[attempt]);
            await sleep(delays[attempt]);
        }
    }
}

;// CONCATENATED MODULE: ./src/pipeline/deps.ts
// The side effects of a run besides the host: programs, clock, environment, places on disk, the
// Actions cache and the GitHub API. The action and the CLI each make their own; tests pass fakes.





function nodeDeps() {
    const tempRoot = process.env.RUNNER_TEMP || external_node_os_.tmpdir();
    return {
        exec: createExec(),
        clock: systemClock,
        env: process.env,
        cwd: process.cwd(),
        tempRoot,
        toolDir: external_node_path_.join(tempRoot, 'image-budget-trivy', 'bin'),
        trivyCacheDir: external_node_path_.join(tempRoot, 'image-budget-trivy', 'cache'),
        sleep: realSleep,
        fetch: globalThis.fetch
    };
}

;// CONCATENATED MODULE: ./src/analysis/attribution.ts

const BASE_IMAGE = 'base image';
/** The keyword a history entry was made by, from BuildKit (`RUN |1 A=b ...`) or the classic builder. */
function historyKeyword(createdBy) {
    const text = createdBy.trim();
    const nop = /^\/bin\/sh -c #\(nop\)\s+(\S+)/.exec(text);
    if (nop)
        return nop[1].toUpperCase();
    if (text.startsWith('/bin/sh -c '))
        return 'RUN';
    return (text.split(/\s/)[0] ?? '').toUpperCase();
}
/**
 * Pairs each history entry with the instruction that made it. The final image's history ends with
 * one entry per instruction of its stage chain, in order; what comes before is the base image's.
 * Matching runs backwards by keyword and passes over instructions that wrote no history.
 */
function attributeHistory(dockerfile, target, history) {
    const chain = stageChain(dockerfile, finalStage(dockerfile, target));
    const instructions = chain.flatMap(stage => stage.instructions);
    const origins = new Array(history.length);
    let next = instructions.length - 1;
    let entry = history.length - 1;
    for (; entry >= 0 && next >= 0; entry--) {
        const keyword = historyKeyword(history[entry].created_by ?? '');
        while (next >= 0 && instructions[next].keyword !== keyword)
            next--;
        if (next < 0)
            break;
        const instruction = instructions[next--];
        const source = instruction.keyword === 'COPY' ? copySource(dockerfile, instruction) : undefined;
        origins[entry] = {
            stage: stageLabel(dockerfile.stages[instruction.stage]),
            instruction,
            ...(source ? { copiedFrom: stageLabel(source) } : {})
        };
    }
    for (; entry >= 0; entry--)
        origins[entry] = { stage: BASE_IMAGE };
    return origins;
}
/** The origin of each layer: history entries that made layers, in order (see layerHistory). */
function attributeLayers(dockerfile, target, history, layerCount) {
    const origins = attributeHistory(dockerfile, target, history);
    const layered = origins.filter((_, index) => !history[index].empty_layer);
    if (layered.length !== layerCount)
        return new Array(layerCount).fill(undefined);
    return layered;
}

;// CONCATENATED MODULE: ./src/report/report.ts


function sourceOf(measurement, origins, layerIndex) {
    const origin = origins?.[layerIndex];
    return {
        layer: measurement.layers[layerIndex].digest,
        ...(origin?.instruction ? { instruction: origin.instruction.text, line: origin.instruction.line } : {}),
        ...(origin ? { stage: origin.stage } : {})
    };
}
/** Packages kept in a platform's report, largest first: far above any image's, and a bound on the report. */
const MAX_REPORTED_PACKAGES = 20_000;
/** A platform's entry of the report; `origins` (from the Dockerfile) adds instructions, lines and stages. */
function platformReport(measurement, origins) {
    const known = origins !== undefined && origins.every(origin => origin !== undefined);
    const layers = measurement.layers.map((layer, index) => {
        const origin = origins?.[index];
        return {
            digest: layer.digest,
            ...(layer.diffId ? { diffId: layer.diffId } : {}),
            size: layer.size,
            compressedSize: layer.compressedSize,
            createdBy: layer.createdBy,
            ...(origin?.instruction ? { instruction: origin.instruction.text, line: origin.instruction.line } : {}),
            ...(origin ? { stage: origin.stage } : {})
        };
    });
    const report = {
        platform: measurement.platform,
        digest: measurement.digest,
        size: measurement.size,
        compressedSize: measurement.compressedSize,
        layerCount: measurement.layerCount,
        layers,
        wastedBytes: measurement.wastedBytes,
        efficiency: measurement.efficiency,
        topFiles: measurement.topFiles.map(file => ({ path: `/${file.path}`, size: file.size, ...sourceOf(measurement, origins, file.layer) })),
        topDirectories: measurement.topDirectories.map(directory => ({
            path: `/${directory.path}`,
            size: directory.size,
            files: directory.files,
            ...sourceOf(measurement, origins, directory.layer)
        })),
        topWaste: measurement.topWaste.map(waste => ({
            path: `/${waste.path}`,
            size: waste.size,
            writtenBy: sourceOf(measurement, origins, waste.writtenBy),
            hiddenBy: sourceOf(measurement, origins, waste.hiddenBy)
        })),
        packages: measurement.packages.slice(0, MAX_REPORTED_PACKAGES).map(item => ({
            ecosystem: item.ecosystem,
            name: item.name,
            version: item.version,
            bytes: item.bytes,
            files: item.files,
            ...(item.dev !== undefined ? { dev: item.dev } : {}),
            ...(item.path !== undefined ? { path: `/${item.path}` } : {}),
            ...sourceOf(measurement, origins, item.layer)
        })),
        unpackaged: measurement.unpackaged.map(group => ({ ...group, directory: group.directory === '/' ? '/' : `/${group.directory}` })),
        ...(measurement.packageNotes.length > 0 ? { packageNotes: measurement.packageNotes } : {})
    };
    if (known) {
        const stages = new Map();
        const copies = [];
        measurement.layers.forEach((layer, index) => {
            const origin = origins[index];
            const stage = stages.get(origin.stage) ?? { stage: origin.stage, bytes: 0, layers: 0 };
            stage.bytes += layer.size;
            stage.layers++;
            stages.set(origin.stage, stage);
            if (origin.copiedFrom && origin.instruction) {
                copies.push({ from: origin.copiedFrom, bytes: layer.size, instruction: origin.instruction.text, line: origin.instruction.line });
            }
        });
        report.baseSize = stages.get(BASE_IMAGE)?.bytes ?? 0;
        report.stages = [...stages.values()];
        report.copies = copies;
    }
    return report;
}
function emptyReport(name) {
    return { schemaVersion: REPORT_SCHEMA_VERSION, name, verdict: 'pass', platforms: [], budgets: [], smells: [] };
}
/** The platform with the most bytes: the `size` and `compressed-size` outputs speak of it. */
function largestPlatform(report) {
    return report.platforms.reduce((best, platform) => (best === undefined || platform.size > best.size ? platform : best), undefined);
}

;// CONCATENATED MODULE: ./src/secrets.ts
// Programs the step runs (buildx, Trivy) may print what they were given, and what they print ends
// up in errors, the report, the pull-request comment and SARIF. Every secret the step knows of is
// replaced there, as written and in the forms text takes on its way: JSON-escaped and URL-encoded.
/** Shorter values are left alone: they would mangle everything and protect nothing. */
const MIN_SECRET_LENGTH = 4;
const MASK = '***';
/** Runner tokens a step can see: no report may carry them. */
const TOKEN_VARIABLES = ['GITHUB_TOKEN', 'ACTIONS_RUNTIME_TOKEN', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'];
/**
 * The values to scrub: those of `secrets` (id=value), those of the variables `secret-envs` names
 * (id=VARIABLE, or VARIABLE), the github token and the runner's tokens.
 */
function secretValues(inputs, env) {
    const afterEquals = (item) => {
        const separator = item.indexOf('=');
        return separator < 0 ? item : item.slice(separator + 1);
    };
    const values = [
        ...inputs.secrets.map(afterEquals),
        ...(inputs['secret-envs'] ?? []).map(item => env[afterEquals(item).trim()] ?? ''),
        inputs['github-token'],
        ...TOKEN_VARIABLES.map(name => env[name] ?? '')
    ];
    return values.filter(value => value.length >= MIN_SECRET_LENGTH);
}
const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Every form a value may take in text: as is, JSON-escaped, URL-encoded, and each line of a multi-line one. */
function formsOf(value) {
    const lines = value.includes('\n') ? value.split(/\r?\n/).map(line => line.trim()) : [];
    return [value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value), ...lines].filter(form => form.length >= MIN_SECRET_LENGTH);
}
/** One pass over the text whatever the number of secrets; the longest form first, so none is cut in half. */
function createScrubber(values) {
    const forms = [...new Set([...values].filter(value => value.length >= MIN_SECRET_LENGTH).flatMap(formsOf))].sort((a, b) => b.length - a.length);
    if (forms.length === 0)
        return text => text;
    const pattern = new RegExp(forms.map(escapeRegExp).join('|'), 'g');
    return text => text.replace(pattern, MASK);
}
/** Scrubs every string of a JSON-like value, in place (keys too), and returns it. */
function scrubDeep(value, scrub) {
    const visit = (item) => {
        if (typeof item === 'string')
            return scrub(item);
        if (Array.isArray(item)) {
            for (let index = 0; index < item.length; index++)
                item[index] = visit(item[index]);
            return item;
        }
        if (item !== null && typeof item === 'object') {
            const record = item;
            for (const key of Object.keys(record)) {
                const clean = scrub(key);
                const inner = visit(record[key]);
                if (clean !== key)
                    delete record[key];
                record[clean] = inner;
            }
        }
        return item;
    };
    return visit(value);
}

;// CONCATENATED MODULE: ./src/history/types.ts
const HISTORY_SCHEMA_VERSION = 1;

;// CONCATENATED MODULE: ./src/history/history.ts
// An image's history: one point per run on the default branch (per platform its size, compressed
// size, layers and vulnerabilities, with the commit and the date), the last MAX_HISTORY_POINTS of
// them. It is read back from a branch anyone with push access can write to: every field is
// checked, counts and lengths are capped, and whatever does not fit is refused with where it is.






/** The most bytes a history file may have: 100 points of 32 platforms fit with room to spare. */
const MAX_HISTORY_BYTES = 4 * 1024 * 1024;
const MAX_NAME_LENGTH = 256;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
/** As a report's createdAt is written: a day, a time and its zone (Date.parse alone takes "2026" or "March 1"). */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;
class HistoryFormatError extends Error {
}
/** The file of an image's history on the history branch: one per image, at the branch's root. */
function historyFile(name) {
    return `${slugOf(name)}.json`;
}
function emptyHistory(name) {
    return { schemaVersion: HISTORY_SCHEMA_VERSION, name, points: [] };
}
/** The point a run's report makes; undefined when it measured nothing or knows no commit. */
function pointOf(report) {
    // A point its readers would refuse would make the whole file unreadable, and so never written again.
    if (report.platforms.length === 0 || report.platforms.length > MAX_HISTORY_PLATFORMS)
        return undefined;
    if (!report.commit || !SHA.test(report.commit) || !report.createdAt || !ISO_DATE.test(report.createdAt))
        return undefined;
    return {
        commit: report.commit,
        date: report.createdAt,
        platforms: report.platforms.map(platform => ({
            platform: platform.platform,
            size: platform.size,
            compressedSize: platform.compressedSize,
            layers: platform.layerCount,
            ...(platform.vulnerabilities ? { vulnerabilities: { ...platform.vulnerabilities } } : {})
        }))
    };
}
/**
 * The history with the point last; the oldest go past the cap. A run again for a commit already
 * there replaces its figures in place and keeps its date: the date says when the commit was
 * measured on the branch, and a day reference pinned to it must still name it.
 */
function appendPoint(history, point, cap = MAX_HISTORY_POINTS) {
    const index = history.points.findIndex(existing => existing.commit === point.commit);
    if (index >= 0)
        return { ...history, points: history.points.map((existing, at) => (at === index ? { ...point, date: existing.date } : existing)) };
    const points = [...history.points, point];
    return { ...history, points: points.slice(Math.max(0, points.length - cap)) };
}
/**
 * One point a line: compact, so that 100 points of many platforms stay under the 1 MB the contents
 * API sends in its answer, and each run's commit on the branch is a one-line diff.
 */
function serializeHistory(history) {
    const points = history.points.map(point => JSON.stringify(point)).join(',\n');
    return `{"schemaVersion":${history.schemaVersion},"name":${JSON.stringify(history.name)},"points":[${points === '' ? '' : `\n${points}\n`}]}\n`;
}
const history_isRecord = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
function refuse(what, at, value, expected) {
    throw new HistoryFormatError(`${what}: ${at} is ${shownValue(value)}, not ${expected}`);
}
/**
 * Reads a history file's text, as `what` (for messages). Points beyond the cap are dropped, oldest
 * first; anything else that is not as written here is refused.
 */
function parseHistory(text, what) {
    if (text.length > MAX_HISTORY_BYTES || Buffer.byteLength(text) > MAX_HISTORY_BYTES) {
        throw new HistoryFormatError(`${what} is larger than ${MAX_HISTORY_BYTES} bytes, the most a history may have`);
    }
    let value;
    try {
        value = JSON.parse(text);
    }
    catch (error) {
        throw new HistoryFormatError(`${what} is not JSON (${error.message})`);
    }
    if (!history_isRecord(value))
        return refuse(what, 'the history', value, 'an object');
    if (value.schemaVersion !== HISTORY_SCHEMA_VERSION)
        refuse(what, 'schemaVersion', value.schemaVersion, String(HISTORY_SCHEMA_VERSION));
    const name = checkName(value.name, 'name', what);
    if (!Array.isArray(value.points))
        return refuse(what, 'points', value.points, 'a list');
    // A list far longer than any writer makes is not walked at all.
    if (value.points.length > MAX_HISTORY_POINTS * 10)
        refuse(what, 'points', `${value.points.length} entries`, `at most ${MAX_HISTORY_POINTS * 10} (the last ${MAX_HISTORY_POINTS} of them are kept)`);
    const kept = value.points.slice(Math.max(0, value.points.length - MAX_HISTORY_POINTS));
    const offset = value.points.length - kept.length;
    const points = kept.map((point, index) => checkPoint(point, `points[${index + offset}]`, what));
    // A writer keeps one point per commit: a second one (planted, or of an older writer) would make "the point of a commit" ambiguous.
    const seen = new Set();
    points.forEach((point, index) => {
        if (seen.has(point.commit))
            refuse(what, `points[${index + offset}].commit`, point.commit, 'a commit no other point has');
        seen.add(point.commit);
    });
    return { schemaVersion: HISTORY_SCHEMA_VERSION, name, points };
}
function checkName(value, at, what) {
    if (typeof value !== 'string' || value.length === 0 || value.length > MAX_NAME_LENGTH || CONTROL.test(value)) {
        return refuse(what, at, value, `a name (1 to ${MAX_NAME_LENGTH} characters, no control characters)`);
    }
    return value;
}
function count(value, at, what) {
    if (!Number.isSafeInteger(value) || value < 0)
        return refuse(what, at, value, 'a whole, non-negative number');
    return value;
}
function checkPoint(value, at, what) {
    if (!history_isRecord(value))
        return refuse(what, at, value, 'an object');
    if (typeof value.commit !== 'string' || !SHA.test(value.commit))
        refuse(what, `${at}.commit`, value.commit, 'a commit SHA');
    if (typeof value.date !== 'string' || !ISO_DATE.test(value.date) || Number.isNaN(Date.parse(value.date)))
        refuse(what, `${at}.date`, value.date, 'an ISO 8601 date');
    if (!Array.isArray(value.platforms))
        return refuse(what, `${at}.platforms`, value.platforms, 'a list');
    if (value.platforms.length === 0 || value.platforms.length > MAX_HISTORY_PLATFORMS) {
        refuse(what, `${at}.platforms`, `${value.platforms.length} entries`, `1 to ${MAX_HISTORY_PLATFORMS} platforms`);
    }
    const names = new Set();
    const platforms = value.platforms.map((item, index) => {
        const where = `${at}.platforms[${index}]`;
        if (!history_isRecord(item))
            return refuse(what, where, item, 'an object');
        const name = checkName(item.platform, `${where}.platform`, what);
        if (names.has(name))
            refuse(what, `${where}.platform`, name, 'a platform no other of the point has');
        names.add(name);
        const platform = {
            platform: name,
            size: count(item.size, `${where}.size`, what),
            compressedSize: count(item.compressedSize, `${where}.compressedSize`, what),
            layers: count(item.layers, `${where}.layers`, what)
        };
        if (item.vulnerabilities !== undefined) {
            const counts = item.vulnerabilities;
            if (!history_isRecord(counts))
                return refuse(what, `${where}.vulnerabilities`, counts, 'counts by severity');
            platform.vulnerabilities = Object.fromEntries(SEVERITIES.map(severity => [severity, count(counts[severity], `${where}.vulnerabilities.${severity}`, what)]));
        }
        return platform;
    });
    return { commit: value.commit, date: new Date(value.date).toISOString(), platforms };
}
/** The platform of a point that speaks for the image: the one named, else the largest. */
function platformOf(point, platform) {
    if (platform !== undefined)
        return point.platforms.find(candidate => candidate.platform === platform);
    return point.platforms.reduce((best, candidate) => (best === undefined || candidate.size > best.size ? candidate : best), undefined);
}

;// CONCATENATED MODULE: ./src/history/store.ts
// The history kept on a branch of the repository, through the contents API: it lasts as long as the
// repository does, unlike the Actions cache (an entry unused for 7 days is dropped) or an artifact
// (kept 90 days at most). Writes are optimistic: each names the blob it replaces, and a write that
// lost a race with another job (409, 422) reads the file again and adds its point to what it finds.


/**
 * Writes that lose a race before the save gives up. Every job of a matrix writes the same branch
 * (each its image's file): each write that lands moves the branch under the others, so a job may
 * lose one race per other job of the matrix.
 */
const MAX_WRITE_ATTEMPTS = 12;
/** The longest wait between two attempts: a random share of it, doubling from 250 ms, so that jobs that lost together do not collide again. */
const MAX_RETRY_WAIT_MS = 4000;
const sleep = (ms) => new Promise(resolve => setTimeout(resolve, ms));
/** The history of an image on the branch; an empty one when the branch or its file does not exist. */
async function readStoredHistory(api, branch, name) {
    const file = historyFile(name);
    const found = await api.readFile(file, branch, MAX_HISTORY_BYTES);
    if (!found)
        return { history: emptyHistory(name) };
    const history = parseHistory(found.text, `${file} of branch ${branch}`);
    // Two names may share a file (their slugs are the same): the file says whose it is.
    if (history.name !== name)
        throw new GitHubApiError(`${file} of branch ${branch} is the history of "${history.name}", not of "${name}": rename one of the images`, 0);
    return { history, sha: found.sha };
}
const isConflict = (error) => error instanceof GitHubApiError && (error.status === 409 || error.status === 422);
/** Adds the point to the image's history on the branch, making the branch (without parents) when it does not exist. */
async function saveStoredHistory(api, branch, name, point, options = {}) {
    const wait = options.wait ?? sleep;
    const file = historyFile(name);
    const message = `image-budget: history of ${name} at ${point.commit.slice(0, 12)}`;
    for (let attempt = 1;; attempt++) {
        const stored = await readStoredHistory(api, branch, name);
        const history = appendPoint(stored.history, point);
        const text = serializeHistory(history);
        try {
            if (stored.sha !== undefined)
                await api.writeFile(file, { branch, message, text, sha: stored.sha });
            else if (await api.branchExists(branch))
                await api.writeFile(file, { branch, message, text });
            else
                await api.createOrphanBranch(file, { branch, message, text });
            return history;
        }
        catch (error) {
            if (!isConflict(error))
                throw error;
            if (attempt >= MAX_WRITE_ATTEMPTS)
                throw new GitHubApiError(`${file} of branch ${branch} changed under ${MAX_WRITE_ATTEMPTS} writes in a row: ${error.message}`, error.status);
            await wait(Math.floor(Math.random() * Math.min(MAX_RETRY_WAIT_MS, 250 * 2 ** (attempt - 1))));
        }
    }
}

;// CONCATENATED MODULE: ./src/history/step.ts
// The history in a run: read before the budgets are judged (on every event: a pull request charts
// itself against it, and max-drift may need a point of it), written after a clean run on a push to
// the default branch only. A pull request never writes it, whatever its token may do.





/** Reads the image's history into the report (as `history`), and each platform's drift when max-drift asks for it. */
async function recallHistory(inputs, name, budgets, report, deps) {
    let history;
    let problem;
    if (inputs.history === 'branch') {
        const branch = inputs['history-branch'];
        const api = deps.github?.api;
        if (!api) {
            problem = deps.github ? `no token to read branch ${branch} with ("${Input.GithubToken}")` : 'the run is not on GitHub';
        }
        else {
            try {
                history = (await readStoredHistory(api, branch, name)).history;
                deps.host.info(history.points.length > 0 ? `History of ${name}: ${history.points.length} points from branch ${branch}` : `No history of ${name} on branch ${branch} yet`);
            }
            catch (error) {
                problem = error.message;
                const denied = error.status === 403;
                deps.host.warning(`The history of ${name} could not be read from branch ${branch}${denied ? ' (the token needs "contents: read")' : ''}: ${problem}`);
            }
        }
        report.history = { branch, points: history?.points ?? [], ...(problem ? { error: problem } : {}) };
    }
    const drift = budgets[Rule.MaxDrift];
    if (drift?.from && report.platforms.length > 0) {
        // A run that will be the history's next point is one of the points a reference may name (the
        // first run of the pinned day, the pinned commit's own run); a pull request's run never is.
        const own = history && writesHistory(inputs, deps.github?.context) ? pointOf(report) : undefined;
        const drifts = platformDrifts(report.platforms, drift.from, own ? appendPoint(history, own) : history, problem);
        report.platforms.forEach((platform, index) => (platform.drift = drifts[index]));
    }
}
/** Whether this run may write the history: a push to the default branch, with `history: branch`. */
function writesHistory(inputs, github) {
    if (inputs.history !== 'branch' || !github || isPullRequest(github))
        return false;
    return github.eventName === 'push' && github.branch !== '' && github.branch === github.defaultBranch;
}
/** Adds the run's point to the history on the branch. Never fails the step: a token that may not write gets a notice, anything else a warning. */
async function keepHistory(inputs, report, deps) {
    const github = deps.github;
    if (!writesHistory(inputs, github?.context))
        return false;
    const branch = inputs['history-branch'];
    const point = pointOf(report);
    if (!point) {
        if (report.platforms.length > 0) {
            deps.host.warning(`The history of ${report.name} was not kept: the run makes no point of it (its commit "${report.commit ?? ''}" is not a SHA, or it has more than ${MAX_HISTORY_PLATFORMS} platforms)`);
        }
        return false;
    }
    // One JSON file per image committed on the branch the workflow runs for would land among the code (and may take the name of one of its files).
    if (branch === github.context.defaultBranch) {
        deps.host.warning(`The history of ${report.name} was not kept: "${Input.HistoryBranch}" is ${branch}, the default branch; the history is kept on a branch of its own (the default is ${DEFAULT_HISTORY_BRANCH})`);
        return false;
    }
    if (!github?.api) {
        deps.host.warning(`The history of ${report.name} was not kept: no token to write branch ${branch} with ("${Input.GithubToken}")`);
        return false;
    }
    try {
        const history = await saveStoredHistory(github.api, branch, report.name, point);
        deps.host.info(`History of ${report.name} kept on branch ${branch}: ${history.points.length} points`);
        return true;
    }
    catch (error) {
        if (error.status === 403) {
            deps.host.notice(`The history of ${report.name} was not kept: the token may not write branch ${branch} (the job needs "contents: write"): ${error.message}`, { title: 'image-budget' });
        }
        else {
            deps.host.warning(`The history of ${report.name} could not be kept on branch ${branch}: ${error.message}`);
        }
        return false;
    }
}

;// CONCATENATED MODULE: ./src/analysis/analyze.ts








/** A build context at least this large with no .dockerignore is a smell. */
const LARGE_CONTEXT_BYTES = 10_000_000;
/** Sums file sizes below a folder, stopping as soon as the sum reaches `limit`. */
async function folderBytesUpTo(dir, limit) {
    let total = 0;
    const pending = [dir];
    while (pending.length > 0 && total < limit) {
        const current = pending.pop();
        for (const entry of await (0,promises_.readdir)(current, { withFileTypes: true }).catch(() => [])) {
            const full = external_node_path_.join(current, entry.name);
            if (entry.isDirectory())
                pending.push(full);
            else if (entry.isFile())
                total += (await (0,promises_.lstat)(full)).size;
            if (total >= limit)
                break;
        }
    }
    return total;
}
async function contextFinding(dockerfile, contextDir) {
    const ignoreFiles = [external_node_path_.join(contextDir, '.dockerignore'), `${external_node_path_.resolve(dockerfile.path)}.dockerignore`];
    for (const file of ignoreFiles) {
        if (await (0,promises_.lstat)(file).then(() => true, () => false))
            return undefined;
    }
    const bytes = await folderBytesUpTo(contextDir, LARGE_CONTEXT_BYTES);
    if (bytes < LARGE_CONTEXT_BYTES)
        return undefined;
    const copy = dockerfile.stages
        .flatMap(stage => stage.instructions)
        .find(instruction => (instruction.keyword === 'COPY' || instruction.keyword === 'ADD') && instruction.flags.from === undefined);
    return {
        rule: 'no-dockerignore',
        message: `the build context has at least ${size_formatSize(bytes)} and no .dockerignore: all of it is sent to the builder and can end up in the image`,
        file: dockerfile.path,
        line: copy?.line ?? 1
    };
}
/** Measures every platform with its attribution, and finds the smells of the Dockerfile and the image. */
async function analyzeImage(input) {
    const { dockerfile, target } = input;
    const findings = [];
    const originsOf = new Map();
    for (const platform of input.image.platforms) {
        if (dockerfile)
            originsOf.set(platform.manifest.digest, attributeLayers(dockerfile, target, platform.history, platform.layers.length));
    }
    // A layer that came with the base image is placed on the FROM line of the stage chain's root.
    const baseLine = dockerfile ? stageChain(dockerfile, finalStage(dockerfile, target))[0].line : undefined;
    const lineOf = (origins, layer) => origins?.[layer]?.instruction?.line ?? (origins?.[layer] ? baseLine : undefined);
    const file = dockerfile?.path;
    const ignored = new FilesystemSmells(input.settings.ignore);
    // Filesystem smells of each platform, fed by the measurement's walk of its final filesystem.
    const filesystemSmells = new Map();
    await measureImage(input.source, input.image, {
        store: input.store,
        onLayer: input.onLayer,
        visitFiles: platform => {
            const smells = new FilesystemSmells(input.settings.ignore);
            filesystemSmells.set(platform.manifest.digest, smells);
            return (filePath, size, layer, owner) => smells.visit(filePath, size, layer, owner);
        },
        onPlatform: measurement => {
            const origins = originsOf.get(measurement.digest);
            const ownerOf = (owner) => measurement.packageOwners[owner];
            const fromBase = (layer) => origins?.[layer]?.stage === BASE_IMAGE;
            const platformFindings = [
                ...(filesystemSmells.get(measurement.digest)?.finish(size_formatSize, ownerOf, fromBase) ?? []),
                ...devDependencyFindings(measurement.packages.filter(item => item.path === undefined || !ignored.ignores(item.path)), size_formatSize),
                ...hiddenVersionFindings(measurement.wasteByLayers, layer => lineOf(origins, layer), fromBase, size_formatSize)
            ];
            for (const { layer, ...finding } of platformFindings) {
                findings.push({ ...finding, file, line: lineOf(origins, layer), platform: measurement.platform });
            }
            for (const secret of measurement.secrets) {
                if (ignored.ignores(secret.path))
                    continue;
                findings.push({
                    rule: 'secret-file',
                    message: `/${secret.path} holds ${secret.what}: anyone who pulls the image can read it`,
                    file,
                    line: lineOf(origins, secret.layer),
                    platform: measurement.platform
                });
            }
            input.onPlatform(platformReport(measurement, origins));
        }
    });
    if (dockerfile) {
        findings.push(...dockerfileFindings(dockerfile, target, input.image.platforms[0]?.user));
        if (input.contextDir) {
            const context = await contextFinding(dockerfile, input.contextDir);
            if (context)
                findings.push(context);
        }
    }
    return applyLevels(findings, input.settings);
}

;// CONCATENATED MODULE: ./src/image/reference.ts
// Image references, normalised as Docker does: `alpine` is docker.io/library/alpine:latest.
const DOCKER_HUB = 'docker.io';
class ReferenceError extends Error {
}
function parseReference(text) {
    const value = text.trim();
    const invalid = () => {
        throw new ReferenceError(`"${text}" is not an image reference (expected [registry/]repository[:tag][@digest])`);
    };
    if (value === '' || /\s/.test(value))
        invalid();
    let rest = value;
    let digest;
    const at = rest.indexOf('@');
    if (at >= 0) {
        digest = rest.slice(at + 1);
        rest = rest.slice(0, at);
        if (!/^[a-z0-9]+:[a-f0-9]{32,}$/.test(digest))
            invalid();
    }
    let tag;
    const lastColon = rest.lastIndexOf(':');
    if (lastColon > rest.lastIndexOf('/')) {
        tag = rest.slice(lastColon + 1);
        rest = rest.slice(0, lastColon);
        if (!/^[\w][\w.-]{0,127}$/.test(tag))
            invalid();
    }
    const slash = rest.indexOf('/');
    const first = slash >= 0 ? rest.slice(0, slash) : '';
    let registry = DOCKER_HUB;
    let repository = rest;
    if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
        registry = first;
        repository = rest.slice(slash + 1);
    }
    if (registry === DOCKER_HUB && !repository.includes('/'))
        repository = `library/${repository}`;
    if (!/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(repository))
        invalid();
    if (tag === undefined && digest === undefined)
        tag = 'latest';
    return { registry, repository, tag, digest };
}
function formatReference(reference) {
    const base = `${reference.registry}/${reference.repository}`;
    return reference.digest ? `${base}@${reference.digest}` : `${base}:${reference.tag}`;
}
/** Whether a host name (without port) is this machine's loopback interface. */
const isLoopbackHost = (host) => host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
/** Docker speaks plain HTTP to registries on the loopback interface, and HTTPS to any other. */
function registryBaseUrl(registry) {
    if (registry === DOCKER_HUB)
        return 'https://registry-1.docker.io';
    return `${isLoopbackHost(registry.replace(/:\d+$/, '')) ? 'http' : 'https'}://${registry}`;
}

;// CONCATENATED MODULE: ./src/image/registry.ts







const MANIFEST_ACCEPT = [...INDEX_TYPES, ...MANIFEST_TYPES].join(', ');
class RegistryError extends Error {
}
/** Credentials for a registry from Docker's config file (`auths`), when it has them inline. */
async function dockerConfigAuth(registry, env) {
    const configDir = env.DOCKER_CONFIG ?? external_node_path_.join(external_node_os_.homedir(), '.docker');
    try {
        const config = JSON.parse(await (0,promises_.readFile)(external_node_path_.join(configDir, 'config.json'), 'utf8'));
        const keys = registry === 'docker.io' ? ['https://index.docker.io/v1/', 'docker.io'] : [registry, `https://${registry}`];
        for (const key of keys) {
            const auth = config.auths?.[key]?.auth;
            if (auth)
                return auth;
        }
    }
    catch {
        // No config file, or not readable: anonymous access.
    }
    return undefined;
}
function parseChallenge(header) {
    const space = header.indexOf(' ');
    const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
    const params = {};
    for (const match of header.slice(space + 1).matchAll(/(\w+)="([^"]*)"/g))
        params[match[1]] = match[2];
    return { scheme, params };
}
/**
 * Reads an image from a registry with the distribution API: manifests and configs as JSON, layers
 * as streams, each verified against its digest and size. Anonymous or basic credentials, and the
 * bearer-token flow registries ask for; credentials never follow a redirect to another host (blob
 * storage), and basic credentials reach a token service only over HTTPS or on the loopback.
 */
class RegistrySource {
    reference;
    basicAuth;
    label;
    baseUrl;
    origin;
    limits;
    fetchImpl;
    authorization;
    root;
    constructor(reference, basicAuth, options = {}) {
        this.reference = reference;
        this.basicAuth = basicAuth;
        this.label = `registry image ${formatReference(reference)}`;
        this.baseUrl = registryBaseUrl(reference.registry);
        this.origin = new URL(this.baseUrl).origin;
        const { fetch: fetchImpl, ...limits } = options;
        this.fetchImpl = fetchImpl ?? fetch;
        this.limits = { ...DEFAULT_HTTP_LIMITS, ...limits };
    }
    /**
     * One attempt of a call, until its response headers; a 401 gets credentials once, then the call
     * again. Callers retry attempts with the body read included (JSON) or not (a streamed layer).
     */
    async attempt(kind, ref, remainingMs, accept) {
        const url = new URL(`${this.baseUrl}/v2/${this.reference.repository}/${kind}/${ref}`);
        const describe = `GET ${url.pathname} from ${url.host}`;
        const headers = accept ? { Accept: accept } : {};
        const options = { fetch: this.fetchImpl, limits: this.limits, headers, credentialsOrigin: this.origin, describe, timeoutMs: remainingMs };
        let exchange = await send(url, { ...options, authorization: this.authorization });
        if (exchange.response.status === 401 && exchange.url.origin === this.origin && this.authorization === undefined) {
            await exchange.response.body?.cancel().catch(() => undefined);
            this.authorization = await this.authorize(exchange.response.headers.get('www-authenticate') ?? '');
            exchange = await send(url, { ...options, authorization: this.authorization });
        }
        const { status } = exchange.response;
        if (exchange.response.ok)
            return exchange;
        await exchange.response.body?.cancel().catch(() => undefined);
        const what = status === 404 ? 'not found' : `HTTP ${status}`;
        throw new HttpFailure(`${what} for ${describe}`, isRetryableStatus(status), status, retryAfterMs(exchange.response.headers));
    }
    /** Runs attempts with retries; what finally fails names this image. */
    async retried(attempt) {
        try {
            return await withRetries(this.limits, attempt);
        }
        catch (error) {
            if (error instanceof HttpFailure)
                throw new RegistryError(`${this.label}: ${error.message}`);
            throw error;
        }
    }
    async authorize(challenge) {
        const { scheme, params } = parseChallenge(challenge);
        if (scheme === 'basic') {
            if (!this.basicAuth)
                throw new RegistryError(`${this.label}: the registry asks for credentials (docker login)`);
            return `Basic ${this.basicAuth}`;
        }
        if (scheme !== 'bearer' || !params.realm)
            throw new RegistryError(`${this.label}: unsupported authentication "${challenge}"`);
        let url;
        try {
            url = new URL(params.realm);
        }
        catch {
            throw new RegistryError(`${this.label}: the token service "${params.realm}" is not a URL`);
        }
        if (url.protocol !== 'https:' && url.protocol !== 'http:')
            throw new RegistryError(`${this.label}: the token service "${params.realm}" is not an HTTP URL`);
        if (params.service)
            url.searchParams.set('service', params.service);
        url.searchParams.set('scope', params.scope ?? `repository:${this.reference.repository}:pull`);
        // A token service may live on another host; credentials go there only where they cannot be read on the way.
        const withheld = this.basicAuth !== undefined && url.protocol !== 'https:' && !isLoopbackHost(url.hostname);
        const authorization = this.basicAuth && !withheld ? `Basic ${this.basicAuth}` : undefined;
        const describe = `the token request to ${url.host}`;
        const body = await this.retried(async (remainingMs) => {
            const exchange = await send(url, { fetch: this.fetchImpl, limits: this.limits, authorization, credentialsOrigin: url.origin, describe, timeoutMs: remainingMs });
            const { status } = exchange.response;
            if (!exchange.response.ok) {
                await exchange.response.body?.cancel().catch(() => undefined);
                const note = withheld ? ' (the credentials were not sent: the token service is not HTTPS)' : '';
                throw new HttpFailure(`${describe} was refused (HTTP ${status})${note}`, isRetryableStatus(status), status, retryAfterMs(exchange.response.headers));
            }
            return readCapped(watchBody(exchange, this.limits, describe), MAX_TOKEN_BYTES, `the answer to ${describe}`);
        });
        const answer = parseJson(body, `${this.label}: the answer to ${describe}`);
        const token = answer?.token ?? answer?.access_token;
        if (typeof token !== 'string' || !/^[\x21-\x7e]+$/.test(token))
            throw new RegistryError(`${this.label}: the answer to ${describe} has no usable token`);
        return `Bearer ${token}`;
    }
    /**
     * The manifest the reference names, read once: by digest it must have that digest; by tag, the
     * digest the registry gives (Docker-Content-Digest) when it gives one. Later reads of the same
     * digest use these bytes, so a tag that moves meanwhile cannot mix two images.
     */
    async roots() {
        if (this.root)
            return [this.root.descriptor];
        const ref = this.reference.digest ?? this.reference.tag ?? 'latest';
        const named = this.reference.digest === undefined ? undefined : this.checked(this.reference.digest, 'the reference');
        const body = await this.retried(async (remainingMs) => {
            const exchange = await this.attempt('manifests', ref, remainingMs, MANIFEST_ACCEPT);
            const data = await readCapped(watchBody(exchange, this.limits, `GET manifest ${ref} from ${exchange.url.host}`), MAX_MANIFEST_BYTES, `${this.label}: manifest ${ref}`);
            return { data, headers: exchange.response.headers };
        });
        const header = body.headers.get('docker-content-digest') ?? undefined;
        const claimed = named ?? (header === undefined ? undefined : this.checked(header, 'the Docker-Content-Digest header'));
        const actual = digestOf(body.data, claimed);
        if (claimed !== undefined && actual !== claimed) {
            throw new BlobIntegrityError(`${this.label}: manifest ${ref} has digest ${actual}, but ${named ? 'the reference names' : 'the registry says'} ${claimed}`);
        }
        const document = parseJson(body.data, `${this.label}: manifest ${ref}`);
        const mediaType = typeof document?.mediaType === 'string' ? document.mediaType : (body.headers.get('content-type')?.split(';')[0].trim() ?? '');
        this.root = { descriptor: { mediaType, digest: actual, size: body.data.length }, body: body.data };
        return [this.root.descriptor];
    }
    checked(digest, where) {
        try {
            return checkDigest(digest);
        }
        catch (error) {
            throw new RegistryError(`${this.label}: ${where}: ${error.message}`);
        }
    }
    async readJson(descriptor) {
        if (this.root && descriptor.digest === this.root.descriptor.digest && descriptor.size === this.root.body.length) {
            return parseJson(this.root.body, `${this.label}: manifest ${descriptor.digest}`);
        }
        checkJsonSize(descriptor, this.label);
        const isManifest = jsonLimit(descriptor.mediaType) === MAX_MANIFEST_BYTES;
        // The body is part of the attempt: a registry that stalls in it is asked again.
        return this.retried(remainingMs => readJsonBlob(async () => {
            const exchange = await this.attempt(isManifest ? 'manifests' : 'blobs', checkDigest(descriptor.digest), remainingMs, isManifest ? MANIFEST_ACCEPT : undefined);
            return watchBody(exchange, this.limits, `GET ${descriptor.digest} from ${exchange.url.host}`);
        }, descriptor, this.label));
    }
    async open(descriptor) {
        const exchange = await this.retried(remainingMs => this.attempt('blobs', checkDigest(descriptor.digest), remainingMs));
        // An early refusal of a wrong size; with a content encoding, the length is of the encoded bytes.
        const length = exchange.response.headers.get('content-length');
        const encoded = (exchange.response.headers.get('content-encoding') ?? 'identity') !== 'identity';
        if (!encoded && length !== null && /^\d+$/.test(length) && Number(length) !== descriptor.size) {
            exchange.controller.abort();
            throw new BlobIntegrityError(`${this.label}: blob ${descriptor.digest} is sent as ${length} bytes, but its descriptor declares ${descriptor.size}`);
        }
        return verifyBlob(watchBody(exchange, this.limits, `GET blob ${descriptor.digest} from ${exchange.url.host}`), descriptor, this.label);
    }
}

;// CONCATENATED MODULE: ./src/baseline/step.ts










const REPORT_FILE = 'report.json';
/** The folder an image's kept baseline is restored into and saved from, one per image under the temporary root. */
function baselineDir(tempRoot, name) {
    return external_node_path_.join(tempRoot, 'image-budget-baseline', slugOf(name));
}
/** Cache keys of an image's reports on a branch: one per commit, found by the branch's prefix. */
function reportCacheKeys(name, branch, sha) {
    const prefix = `image-budget-report-v1-${slugOf(name)}-${slugOf(branch)}-`;
    return { key: `${prefix}${sha}`, prefix };
}
const looksLikeFile = (value) => value.endsWith('.json') || value.startsWith('.') || value.startsWith('/');
/** The baseline the `baseline` input asks for; undefined when there is none (yet). */
async function loadBaseline(inputs, name, deps) {
    const wanted = inputs.baseline;
    if (wanted === 'none')
        return undefined;
    // `build` takes the base branch's report where one is kept, and builds the merge base only where none is.
    if (wanted === 'auto' || wanted === 'build') {
        const github = deps.github;
        if (!isPullRequest(github) || !deps.cache)
            return undefined;
        const { key, prefix } = reportCacheKeys(name, github.pullRequest.baseRef, github.sha);
        let matched;
        try {
            matched = await deps.cache.restore([deps.dir], key, [prefix]);
        }
        catch (error) {
            deps.host.warning(`The baseline report could not be restored: ${error.message}`);
            return undefined;
        }
        if (!matched) {
            deps.host.info(`No report of ${github.pullRequest.baseRef} in the cache yet${wanted === 'build' ? '' : ': nothing to compare with'}`);
            return undefined;
        }
        const baseline = await readBaselineFile(external_node_path_.join(deps.dir, REPORT_FILE), matched);
        return { ...baseline, source: 'cache', reference: `${github.pullRequest.baseRef}@${matched.slice(prefix.length, prefix.length + 12)}` };
    }
    const file = external_node_path_.resolve(deps.cwd, wanted);
    if (looksLikeFile(wanted) || (await (0,promises_.stat)(file).catch(() => undefined)))
        return readBaselineFile(file, wanted);
    let reference;
    try {
        reference = parseReference(wanted);
    }
    catch (error) {
        if (error instanceof ReferenceError)
            throw new BaselineError(`Input "baseline": "${wanted}" is not auto, build, none, a report file or an image reference`);
        throw error;
    }
    const source = new RegistrySource(reference, await dockerConfigAuth(reference.registry, deps.env), { fetch: deps.fetch });
    try {
        return await baselineFromImage(source, wanted);
    }
    catch (error) {
        throw new BaselineError(`Input "baseline": the image "${wanted}" could not be read: ${error.message}`);
    }
}
/** Puts the baseline and each platform's change into the report. */
function applyBaseline(report, baseline) {
    report.baseline = {
        source: baseline.source,
        reference: baseline.reference,
        ...(baseline.digest ? { digest: baseline.digest } : {}),
        ...(baseline.createdAt ? { createdAt: baseline.createdAt } : {}),
        unavailable: baseline.unavailable
    };
    for (const platform of report.platforms) {
        const base = baseline.platforms.find(candidate => candidate.platform === platform.platform);
        if (base)
            platform.delta = computeDelta(platform, base);
    }
}
/**
 * On a push to the default branch with `baseline: auto` (or `build`), keeps the report in the Actions cache for
 * the pull requests that follow. Saving never fails the step.
 */
async function saveBaseline(inputs, name, reportPath, deps) {
    const github = deps.github;
    if ((inputs.baseline !== 'auto' && inputs.baseline !== 'build') || !deps.cache || !github)
        return false;
    if (github.eventName !== 'push' || github.branch === '' || github.branch !== github.defaultBranch)
        return false;
    const { key } = reportCacheKeys(name, github.branch, github.sha);
    try {
        // The copy stays inside the folder of kept baselines, whatever links or names lead elsewhere.
        const report = await readRegularFile(reportPath, FILE_LIMITS[Input.Baseline]);
        await (0,promises_.mkdir)(external_node_path_.dirname(deps.dir), { recursive: true });
        await writeFileSafely(external_node_path_.join(deps.dir, REPORT_FILE), report, { roots: [external_node_path_.dirname(deps.dir)], what: 'the baseline copy of the report' });
        await deps.cache.save([deps.dir], key);
        deps.host.info(`Report kept as the baseline of ${github.branch} (${key})`);
        return true;
    }
    catch (error) {
        deps.host.warning(`The report could not be kept as the baseline of ${github.branch}: ${error.message}`);
        return false;
    }
}

;// CONCATENATED MODULE: ./src/build/args.ts



/** Whether the runner exposes the Actions cache service that `type=gha` talks to. */
function hasActionsCache(env) {
    return Boolean(env.ACTIONS_RUNTIME_TOKEN && (env.ACTIONS_RESULTS_URL || env.ACTIONS_CACHE_URL));
}
/** Cache scopes are keys of the cache service: the same slug as every name-derived file name. */

/**
 * The cache the build uses: the user's, or on GitHub with the Actions cache available and none given,
 * the GHA cache scoped by image name so that several images never evict each other.
 */
function cacheSpecs(inputs, name, env) {
    if (inputs['cache-from'].length > 0 || inputs['cache-to'].length > 0 || !hasActionsCache(env)) {
        return { from: inputs['cache-from'], to: inputs['cache-to'] };
    }
    const scope = slugOf(name);
    return { from: [`type=gha,scope=${scope}`], to: [`type=gha,scope=${scope},mode=max,ignore-error=true`] };
}
/** Reads the driver from `docker buildx inspect` output (`Driver: docker-container`). */
function parseDriver(inspectOutput) {
    return /^Driver:\s*(\S+)/m.exec(inspectOutput)?.[1] ?? '';
}
const BOOLEAN_WORDS = { true: true, '1': true, t: true, false: false, '0': false, f: false };
/** `type=provenance,false` means `disabled=true`, as buildx and docker/build-push-action read it. */
function attestationAttributes(attributes) {
    return attributes
        .split(',')
        .map(attribute => attribute.trim())
        .filter(attribute => attribute !== '')
        .map(attribute => {
        const flag = BOOLEAN_WORDS[attribute.toLowerCase()];
        return flag === undefined ? attribute : `disabled=${!flag}`;
    })
        .join(',');
}
/** Whether an attestation spec (`type=sbom,generator=...`) is of the given type. */
function isAttestationType(type, attributes) {
    return attributes.split(',').some(attribute => attribute.trim() === `type=${type}`);
}
/** Adds the workflow run as the builder, unless the spec names one. */
function withBuilderId(attributes, runUrl) {
    return /(^|,)\s*builder-id=/.test(attributes) ? attributes : `${attributes},builder-id=${runUrl}`;
}
function exporterType(output) {
    const type = output.split(',').find(part => part.trim().startsWith('type='));
    if (type)
        return type.trim().slice('type='.length);
    // buildx reads a bare path as a local export, and `-` as a tar to stdout.
    return output.trim() === '-' ? 'tar' : 'local';
}
/** Exporters that buildx names after the tags. */
const NAMED_EXPORTERS = ['image', 'registry', 'docker', 'oci'];
/**
 * An output named after the tags as buildx names it given --tag: an exporter of an image with no
 * name of its own gets a `name` field (quoted, as buildx reads outputs as CSV).
 */
function namedOutput(output, tags) {
    if (!NAMED_EXPORTERS.includes(exporterType(output)) || output.split(',').some(part => part.trim().startsWith('name=')))
        return output;
    return `${output},"name=${tags.join(',').replaceAll('"', '""')}"`;
}
function hasDockerExporter(inputs) {
    return inputs.load || inputs.outputs.some(output => exporterType(output) === 'docker');
}
/** The `--attest` flags, with the precedence and defaults of docker/build-push-action. */
function attestArgs(inputs, setting) {
    const args = [];
    const attestsProvenance = inputs.attests.some(attest => isAttestationType('provenance', attest));
    if (inputs.provenance !== '') {
        args.push('--attest', attestationAttributes(`type=provenance,${inputs.provenance}`));
    }
    else if (!attestsProvenance && !setting.noDefaultAttestations && !setting.noAttestations && setting.run && !hasDockerExporter(inputs)) {
        const mode = setting.run.privateRepository ? 'mode=min,inline-only=true' : 'mode=max';
        args.push('--attest', `type=provenance,${mode},builder-id=${setting.run.url}`);
    }
    if (inputs.sbom !== '')
        args.push('--attest', attestationAttributes(`type=sbom,${inputs.sbom}`));
    for (const attest of inputs.attests) {
        const provenance = isAttestationType('provenance', attest);
        const sbom = isAttestationType('sbom', attest);
        if (!provenance && !sbom)
            args.push('--attest', attestationAttributes(attest));
        else if (provenance && inputs.provenance === '')
            args.push('--attest', setting.run ? withBuilderId(attest, setting.run.url) : attest);
        else if (sbom && inputs.sbom === '')
            args.push('--attest', attest);
    }
    return args;
}
/** `KEY=ENV_VAR` of secret-envs as buildx's `id=KEY,env=ENV_VAR`. */
function secretEnvSpec(item) {
    const separator = item.indexOf('=');
    if (separator <= 0 || separator === item.length - 1) {
        throw new InputError(`Input "${Input.SecretEnvs}": "${item}" is not of the form id=ENV_VAR`);
    }
    return `id=${item.slice(0, separator).trim()},env=${item.slice(separator + 1).trim()}`;
}
/**
 * Whether an output spec writes to buildx's standard output: `-`, `dest=-`, or a tar or OCI export
 * with no `dest` (buildx then writes it there, standard output being no terminal).
 */
function writesToStdout(output) {
    const dest = output.split(',').find(part => part.trim().startsWith('dest='));
    if (output.trim() === '-' || dest?.trim() === 'dest=-')
        return true;
    const type = exporterType(output);
    return dest === undefined && (type === 'tar' || type === 'oci');
}
/**
 * With `export-mode: stream`, a build that is not pushed is read from buildx's standard output: an
 * output of the user's that writes there too would mix with it, and is refused before anything is built.
 */
function refuseStdoutOutputs(inputs) {
    if (inputs['export-mode'] !== 'stream' || inputs.call !== '' || measuredFromRegistry(inputs))
        return;
    const taken = inputs.outputs.find(writesToStdout);
    if (taken !== undefined) {
        throw new InputError(`Input "${Input.Outputs}": "${taken}" writes to standard output, where image-budget reads the image from the build: give it a file (dest=image.tar)`);
    }
}
/**
 * Whether a build is measured from the registry it pushes to rather than from an OCI export beside
 * the push: the registry then sends only the manifests and the layers not read before, and no copy
 * of the image is exported. Trivy then scans the pushed image there too, by its digest.
 */
function measuredFromRegistry(inputs) {
    return inputs.push && inputs.tags.length > 0 && inputs.call === '';
}
/**
 * The argv of `docker buildx build`, built without side effects, flag for flag as
 * docker/build-push-action builds it, plus the OCI export that is measured. With `call` (checks,
 * outline, targets) nothing is exported, so nothing is measured either.
 */
function getArgs(inputs, cache, paths, setting = {}) {
    const args = ['buildx', 'build', '--progress=plain', '--metadata-file', paths.metadataFile];
    const repeat = (flag, values) => {
        for (const value of values)
            args.push(flag, value);
    };
    if (inputs.builder !== '')
        args.push('--builder', inputs.builder);
    repeat('--add-host', inputs['add-hosts']);
    repeat('--allow', inputs.allow);
    repeat('--annotation', inputs.annotations);
    if (inputs.platforms.length > 0)
        args.push('--platform', inputs.platforms.join(','));
    if (inputs.file !== '')
        args.push('--file', inputs.file);
    if (inputs.target !== '')
        args.push('--target', inputs.target);
    repeat('--build-arg', inputs['build-args']);
    repeat('--build-context', inputs['build-contexts']);
    repeat('--label', inputs.labels);
    // buildx names every image exporter after --tag, the step's own included, which would then push
    // to the tags: given a registry of the step's to push to, the tags name the other exporters instead.
    const tagsNamedHere = paths.pushTo !== undefined && inputs.tags.length > 0;
    if (paths.loadAs !== undefined) {
        // Every tag names the loaded image: the user's only when they asked for it in the engine.
        repeat('--tag', [...(inputs.load ? inputs.tags : []), paths.loadAs]);
    }
    else if (!tagsNamedHere)
        repeat('--tag', inputs.tags);
    repeat('--secret', inputs['secret-envs'].map(secretEnvSpec));
    repeat('--secret', paths.secretFiles.map(secret => `id=${secret.id},src=${secret.path}`));
    repeat('--ssh', inputs.ssh);
    repeat('--cache-from', cache.from);
    repeat('--cache-to', cache.to);
    if (inputs['cgroup-parent'] !== '')
        args.push('--cgroup-parent', inputs['cgroup-parent']);
    if (inputs.network !== '')
        args.push('--network', inputs.network);
    if (inputs['shm-size'] !== '')
        args.push('--shm-size', inputs['shm-size']);
    repeat('--ulimit', inputs.ulimit);
    if (inputs['no-cache'])
        args.push('--no-cache');
    repeat('--no-cache-filter', inputs['no-cache-filters']);
    if (inputs.pull)
        args.push('--pull');
    if (inputs.call !== '') {
        args.push('--call', inputs.call, inputs.context);
        return args;
    }
    args.push(...attestArgs(inputs, setting));
    // buildx refuses an image ID file next to a local or tar exporter ("incompatible with image ID
    // file"); docker/build-push-action leaves it out then, and so does the step (imageid then comes
    // from the config digest in buildx's metadata).
    const writesFiles = inputs.outputs.some(output => ['local', 'tar'].includes(exporterType(output)));
    if (paths.imageIdFile && !writesFiles)
        args.push('--iidfile', paths.imageIdFile);
    repeat('--output', tagsNamedHere ? inputs.outputs.map(output => namedOutput(output, inputs.tags)) : inputs.outputs);
    if (tagsNamedHere && inputs.load) {
        args.push('--output', namedOutput('type=docker', inputs.tags));
    }
    else if (inputs.push && inputs.load && setting.driver === 'docker') {
        // The docker driver's image exporter stores the image in the engine as it pushes. Given as
        // --push --load next to a third output, buildx runs two exporters that race to create the same
        // image name in the engine ("already exists"); one exporter does both without a race.
        args.push('--output', 'type=image,push=true');
    }
    else {
        if (inputs.push)
            args.push('--push');
        if (inputs.load || paths.loadAs !== undefined)
            args.push('--load');
    }
    // Last on purpose: several exporters each write their own index, and the export is read from
    // its own blobs, whatever the metadata file names.
    if (paths.pushTo !== undefined)
        args.push('--output', `type=image,name=${paths.pushTo},push=true,store=false,registry.insecure=true`);
    else if (paths.ociStream)
        args.push('--output', 'type=oci,dest=-');
    else if (paths.ociDir !== undefined)
        args.push('--output', `type=oci,dest=${paths.ociDir},tar=false`);
    args.push(inputs.context);
    return args;
}
/** A Git URL or a tarball's: the context is fetched by BuildKit, not read from the checkout. */
const isRemoteContext = (context) => /^[a-z]+:\/\/|^git@/.test(context);
/** A `build-contexts` value that names a folder (`src=../lib`), not an image, a URL or a layout. */
const isFolderContext = (value) => !/^[a-z][a-z0-9+.-]*:/i.test(value) && !value.startsWith('git@');
/** A remote context has no merge base in the checkout to build. */
function refuseRemoteBase(inputs) {
    if (isRemoteContext(inputs.context)) {
        throw new InputError(`Input "${Input.Baseline}": build needs a context in the checkout, and "${inputs.context}" (${Input.Context}) is remote: compare with a report or an image instead`);
    }
}
/**
 * The inputs of the build of the merge base (`baseline: build`), from the head's: the same build
 * with paths in the base's worktree (`inTree` maps them), and
 * nothing that leaves the build: no push, load, outputs, tags, attestations or cache-to. The cache
 * is read as the head's build reads it (type=gha included), and never written.
 */
function baseBuildInputs(inputs, cache, inTree) {
    refuseRemoteBase(inputs);
    const context = inTree(inputs.context);
    if (!context.inRepository) {
        throw new InputError(`Input "${Input.Baseline}": build needs a context in the repository, and "${inputs.context}" (${Input.Context}) is outside it`);
    }
    // A file outside the repository is not versioned: the same one builds both.
    const mapped = (file) => inTree(file).path;
    const buildContexts = inputs['build-contexts'].map(item => {
        const separator = item.indexOf('=');
        const value = item.slice(separator + 1);
        return separator > 0 && isFolderContext(value) ? `${item.slice(0, separator)}=${mapped(value)}` : item;
    });
    return {
        inputs: {
            ...inputs,
            context: context.path,
            file: inputs.file === '' ? '' : mapped(inputs.file),
            'build-contexts': buildContexts,
            push: false,
            load: false,
            outputs: [],
            tags: [],
            call: '',
            provenance: 'false',
            sbom: '',
            attests: [],
            'cache-from': cache.from,
            'cache-to': []
        },
        cache: { from: cache.from, to: [] }
    };
}

;// CONCATENATED MODULE: ./src/build/progress.ts
// Reads buildx `--progress=plain` output: each vertex is `#N <name>`, followed by its log lines
// (`#N 0.123 text`), `#N CACHED`, `#N DONE 1.2s` or `#N ERROR: message`.
const VERTEX_LINE = /^#(\d+) (.*)$/;
const LOG_LINE = /^\d+\.\d+ /;
function parseVertices(output) {
    const vertices = new Map();
    for (const line of output.split(/\r?\n/)) {
        const match = VERTEX_LINE.exec(line);
        if (!match)
            continue;
        const [, id, rest] = match;
        let vertex = vertices.get(id);
        if (vertex === undefined) {
            vertex = { name: rest, cached: false, log: [] };
            vertices.set(id, vertex);
            continue;
        }
        if (rest === 'CACHED')
            vertex.cached = true;
        else if (rest.startsWith('ERROR: '))
            vertex.error = rest.slice('ERROR: '.length);
        else if (LOG_LINE.test(rest))
            vertex.log.push(rest.replace(LOG_LINE, ''));
    }
    return vertices;
}
function isDockerfileStep(name) {
    return name.startsWith('[') && !name.startsWith('[internal]') && !name.startsWith('[auth]');
}
/**
 * Steps and cached steps of a build; with `target`, of that bake target only (bake names its
 * vertices `[target stage n/m]`; a step several targets share is counted for the first).
 */
function parseProgress(output, target) {
    let steps = 0;
    let cachedSteps = 0;
    for (const vertex of parseVertices(output).values()) {
        const name = target === undefined ? vertex.name : vertex.name.startsWith(`[${target} `) ? `[${vertex.name.slice(target.length + 2)}` : '';
        if (!isDockerfileStep(name))
            continue;
        steps++;
        if (vertex.cached)
            cachedSteps++;
    }
    return { steps, cachedSteps };
}
/**
 * A short account of why a build failed: the failing step, its last log lines and BuildKit's own
 * error, or the output's last lines when no step failed (a bad flag, an unreachable builder).
 */
function describeFailure(output, maxLines = 15) {
    const failed = [...parseVertices(output).values()].filter(vertex => vertex.error !== undefined);
    const finalError = output
        .split(/\r?\n/)
        .filter(line => /^(ERROR|error):? /.test(line))
        .pop();
    if (failed.length === 0) {
        const tail = output.trimEnd().split(/\r?\n/).slice(-maxLines).join('\n');
        return tail === '' ? 'buildx printed nothing' : tail;
    }
    const step = failed[failed.length - 1];
    const parts = [`failed step: ${step.name}`];
    if (step.log.length > 0)
        parts.push(...step.log.slice(-maxLines).map(line => `  ${line}`));
    parts.push(finalError ?? `ERROR: ${step.error}`);
    return parts.join('\n');
}
const ENGINE_UNREACHABLE = /Cannot connect to the Docker daemon|Is the docker daemon running|error during connect|docker daemon is not running/i;
function isEngineUnreachable(output) {
    return ENGINE_UNREACHABLE.test(output);
}

;// CONCATENATED MODULE: ./src/build/build.ts







class BuildError extends Error {
    constructor(message) {
        super(message);
        this.name = 'BuildError';
    }
}
/** Parses `docker buildx version` output: `github.com/docker/buildx v0.21.1 abc` or `... 0.13.1+ds1 ...`. */
function parseBuildxVersion(output) {
    return /\bv?(\d+\.\d+\.\d+)/.exec(output)?.[1];
}
function versionAtLeast(version, minimum) {
    const a = version.split('.').map(Number);
    const b = minimum.split('.').map(Number);
    for (let i = 0; i < 3; i++) {
        if (a[i] !== b[i])
            return a[i] > b[i];
    }
    return true;
}
async function writeSecrets(config, dir) {
    await (0,promises_.mkdir)(dir, { recursive: true, mode: 0o700 });
    const written = [];
    for (const [index, secret] of config.secrets.entries()) {
        const file = external_node_path_.join(dir, `secret-${index}`);
        await (0,promises_.writeFile)(file, secret.value, { mode: 0o600 });
        await (0,promises_.chmod)(file, 0o600);
        written.push({ id: secret.id, path: file });
    }
    return [...written, ...config.secretFiles];
}
/** The method of a `call` input: `check`, `outline`, `targets` (`check,format=json` → `check`). */
function callMethod(call) {
    return call.split(',')[0].trim();
}
/** `check` with the JSON format, so that its findings can be read; the user's other options stay. */
function callSpec(call) {
    return callMethod(call) === 'check' && !/(^|,)\s*format=/.test(call) ? `${call},format=json` : call;
}
/** Reads the JSON `--call check,format=json` prints: `{ warnings: [{ ruleName, location: { ranges } }] }`. */
function parseChecks(stdout) {
    const start = stdout.indexOf('{');
    if (start < 0)
        return undefined;
    let parsed;
    try {
        parsed = JSON.parse(stdout.slice(start));
    }
    catch {
        return undefined;
    }
    const text = (value) => (typeof value === 'string' ? value : '');
    // A Dockerfile the checks could not even read is a failed build, never a clean check.
    if (parsed.buildError !== undefined && parsed.buildError !== null)
        return undefined;
    return (parsed.warnings ?? []).map(warning => {
        const ranges = warning.location?.ranges;
        const line = ranges?.[0]?.start?.line;
        return {
            rule: text(warning.ruleName),
            description: text(warning.description),
            detail: text(warning.detail),
            url: text(warning.url),
            ...(typeof line === 'number' && Number.isSafeInteger(line) && line > 0 ? { line } : {})
        };
    });
}
/** buildx's refusal of `--builder` for the `docker` driver of another endpoint, in the user's terms. */
const OTHER_CONTEXT_BUILDER = /use `docker --context=(\S+) buildx` to switch to context/;
function explainFailure(output, inputs) {
    const builder = inputs.builder;
    const otherContext = OTHER_CONTEXT_BUILDER.exec(output);
    if (otherContext) {
        return (`Input "${Input.Builder}": "${builder}" is the docker driver of another Docker context (${otherContext[1]}), ` +
            'which buildx does not allow while DOCKER_CONTEXT or DOCKER_HOST selects another endpoint. Leave builder empty to build ' +
            'on the selected endpoint, or create a docker-container builder there (docker/setup-buildx-action).');
    }
    if (isEngineUnreachable(output))
        return 'The Docker engine is not reachable: start it, or check DOCKER_HOST and DOCKER_CONTEXT.';
    if (/Attestation is not supported for the docker driver/.test(output)) {
        const asked = [Input.Provenance, Input.Sbom, Input.Attests].filter(name => (name === Input.Attests ? inputs.attests.length > 0 : inputs[name] !== ''));
        return (`${asked.length === 0 ? 'The build' : asked.map(name => `Input "${name}"`).join(', ')} ${asked.length === 1 ? 'asks' : 'ask'} for an attestation, which the docker driver on the classic image store does not make: ` +
            'leave it out, or build with the docker-container driver (docker/setup-buildx-action) or the containerd image store.');
    }
    return undefined;
}
/** The driver of the builder a build runs on (`docker`, `docker-container`, ...), from `buildx inspect`. */
async function builderDriver(exec, builder, cwd) {
    const builderArgs = builder !== '' ? ['--builder', builder] : [];
    return parseDriver((await exec('docker', ['buildx', 'inspect', ...builderArgs], { silent: true, cwd })).stdout);
}
async function imageStore(exec, builder, cwd) {
    const driver = await builderDriver(exec, builder, cwd);
    if (driver !== 'docker')
        return { driver };
    const storage = await exec('docker', ['info', '--format', '{{json .DriverStatus}}'], { silent: true, cwd });
    return storage.exitCode === 0 && isClassicStore(storage.stdout) ? 'classic' : 'containerd';
}
/**
 * Whether the engine runs on this machine, in its network: what a registry the step serves on
 * 127.0.0.1 needs of the BuildKit inside it. Told by the engine's host name, which is this
 * machine's for a local engine, and another for a remote one or when the step runs in a job
 * container beside the engine; a rootless engine runs in a network namespace of its own.
 */
async function engineOnThisHost(exec, cwd, hostname = external_node_os_.hostname()) {
    const info = await exec('docker', ['info', '--format', '[{{json .Name}},{{json .SecurityOptions}}]'], { silent: true, cwd });
    if (info.exitCode !== 0)
        return false;
    let answer;
    try {
        answer = JSON.parse(info.stdout);
    }
    catch {
        return false;
    }
    if (!Array.isArray(answer) || answer[0] !== hostname)
        return false;
    const options = Array.isArray(answer[1]) ? answer[1] : [];
    return !options.some(option => typeof option === 'string' && /(^|,)name=rootless(,|$)/.test(option));
}
/**
 * How a build that is not pushed reaches the measuring, `export-mode: auto` resolved: pushed to the
 * step's registry when its builder reaches it (the docker driver of an engine on this machine, on
 * the containerd image store), which is sent only the layers not read before and writes nothing of
 * the image to disk; else an OCI layout folder (which the classic store replaces by a load).
 */
function chosenExportMode(requested, store, engineHere) {
    if (requested !== 'auto')
        return requested;
    return store === 'containerd' && engineHere ? 'registry' : 'folder';
}
/**
 * Whether `docker info`'s DriverStatus is a graph driver's: a list of pairs without the containerd
 * snapshotter's `driver-type`. Anything else (no answer, another shape) is taken for the containerd
 * store, where the export is tried and buildx says what it refuses.
 */
function isClassicStore(driverStatus) {
    let status;
    try {
        status = JSON.parse(driverStatus);
    }
    catch {
        return false;
    }
    if (!Array.isArray(status) || status.length === 0 || !status.every(pair => Array.isArray(pair) && pair.every(item => typeof item === 'string')))
        return false;
    return !status.some((pair) => pair.some(item => item.startsWith('io.containerd.snapshotter')));
}
/** The digest the registry gives the first pushed tag (what a pull of that tag resolves to). */
async function pushedDigest(exec, tag, cwd) {
    const inspected = await exec('docker', ['buildx', 'imagetools', 'inspect', tag, '--format', '{{json .Manifest}}'], { silent: true, cwd });
    if (inspected.exitCode !== 0)
        return undefined;
    try {
        const digest = JSON.parse(inspected.stdout).digest;
        return typeof digest === 'string' && /^sha256:[a-f0-9]{64}$/.test(digest) ? digest : undefined;
    }
    catch {
        return undefined;
    }
}
/** Whether the Git context is this repository on GitHub, which needs the token to be fetched. */
function isGitContextOf(context, serverUrl, repository) {
    return serverUrl !== '' && repository !== '' && context.startsWith(`${serverUrl}/${repository}.git`);
}
/** The build's metadata without the name the step gave the image (its registry's, or the engine's), which only the step reads. */
function withoutName(metadata, name) {
    // buildx writes a name of Docker Hub's library in full.
    const isOwn = (item) => item === name || item === `docker.io/library/${name}`;
    const names = typeof metadata['image.name'] === 'string' ? metadata['image.name'].split(',').filter(item => !isOwn(item)) : undefined;
    const { 'image.name': _named, ...rest } = metadata;
    return names === undefined || names.length === 0 ? rest : { ...rest, 'image.name': names.join(',') };
}
async function runBuild(config, deps) {
    const { exec, host, clock, env, workDir, cwd } = deps;
    const inputs = config.inputs;
    for (const secret of config.secrets)
        host.setSecret(secret.value);
    // Asked once, and only when a default depends on it, unless the caller knows it.
    let store = deps.imageStore === undefined ? undefined : Promise.resolve(deps.imageStore);
    const classicStore = async () => (await (store ??= imageStore(exec, inputs.builder, cwd))) === 'classic';
    let cache = deps.buildCache ?? cacheSpecs(inputs, config.name, env);
    let actionsCache;
    if ([...cache.from, ...cache.to].some(isGhaCacheSpec)) {
        const version = parseBuildxVersion((await exec('docker', ['buildx', 'version'], { silent: true })).stdout);
        if (version !== undefined && !versionAtLeast(version, MIN_BUILDX_FOR_GHA_CACHE)) {
            const reason = `buildx ${version} predates the GitHub Actions cache service v2 (buildx ${MIN_BUILDX_FOR_GHA_CACHE} or newer, with BuildKit ${MIN_BUILDKIT_FOR_GHA_CACHE} or newer)`;
            host.warning(`${reason}: the type=gha cache will not be read or written. Use docker/setup-buildx-action to get a recent buildx.`);
            actionsCache = { used: false, reason };
        }
        else if (await classicStore()) {
            // BuildKit there knows no gha importer and buildx refuses any cache export: the build would fail.
            const reason = 'the docker driver on the classic image store neither reads nor writes a build cache';
            cache = { from: cache.from.filter(spec => !isGhaCacheSpec(spec)), to: cache.to.filter(spec => !isGhaCacheSpec(spec)) };
            host.warning(`The GitHub Actions cache is not used for this build: ${reason}. Use docker/setup-buildx-action (the docker-container driver) or the containerd image store to cache the build.`);
            actionsCache = { used: false, reason };
        }
        else if (deps.actionsCache && !deps.actionsCache.usable) {
            // Left out rather than handed to BuildKit, which would retry it for as long as the build lets it.
            cache = { from: cache.from.filter(spec => !isGhaCacheSpec(spec)), to: cache.to.filter(spec => !isGhaCacheSpec(spec)) };
            host.warning(`The GitHub Actions cache is not used for this build: ${deps.actionsCache.reason}`);
            actionsCache = { used: false, reason: deps.actionsCache.reason };
        }
        else {
            actionsCache = { used: true };
        }
    }
    const secrets = [...config.secrets];
    const github = deps.run;
    if (github?.token && isGitContextOf(inputs.context, github.serverUrl, github.repository) && !secrets.some(secret => secret.id.startsWith('GIT_AUTH_TOKEN'))) {
        // As docker/build-push-action does: BuildKit fetches a Git context of this repository with the token.
        secrets.push({ id: `GIT_AUTH_TOKEN.${new URL(github.serverUrl).host}`, value: github.token });
    }
    const streamed = deps.exportTo !== undefined && inputs.call === '';
    const imageIdFile = external_node_path_.join(workDir, 'iidfile');
    const paths = {
        metadataFile: external_node_path_.join(workDir, 'metadata.json'),
        imageIdFile,
        ...(deps.pushTo !== undefined && inputs.call === ''
            ? { pushTo: deps.pushTo }
            : deps.loadAs !== undefined && inputs.call === ''
                ? { loadAs: deps.loadAs }
                : streamed
                    ? { ociStream: true }
                    : measuredFromRegistry(inputs)
                        ? {}
                        : { ociDir: external_node_path_.join(workDir, 'oci') }),
        secretFiles: await writeSecrets({ ...config, secrets }, external_node_path_.join(workDir, 'secrets'))
    };
    const driver = inputs.push && inputs.load ? await builderDriver(exec, inputs.builder, cwd) : '';
    const called = inputs.call !== '' ? { ...inputs, call: callSpec(inputs.call) } : inputs;
    const defaultProvenance = github !== undefined && inputs.provenance === '' && inputs.call === '';
    const args = getArgs(called, cache, paths, {
        driver,
        ...(defaultProvenance && (await classicStore()) ? { noAttestations: true } : {}),
        ...(github ? { run: { url: github.runAttemptUrl, privateRepository: github.privateRepository } } : {}),
        noDefaultAttestations: /^(1|true|t)$/i.test(env.BUILDX_NO_DEFAULT_ATTESTATIONS ?? '')
    });
    const started = clock.now();
    const result = await exec('docker', args, { cwd, ...(streamed ? { readStdout: deps.exportTo } : {}) });
    const seconds = Math.round((clock.now() - started) / 100) / 10;
    // buildx writes progress to stderr; both streams are kept for the error message.
    const output = `${result.stdout}\n${result.stderr}`;
    const progress = parseProgress(result.stderr);
    if (inputs.call !== '') {
        const method = callMethod(inputs.call);
        const checks = method === 'check' ? parseChecks(result.stdout) : undefined;
        // A check that finds something exits 1; anything else non-zero is a failure of the build itself.
        if (result.exitCode !== 0 && checks === undefined) {
            throw new BuildError(explainFailure(output, inputs) ?? `docker buildx build --call ${inputs.call} failed (exit code ${result.exitCode})\n${describeFailure(output)}`);
        }
        return { ...progress, seconds, metadata: {}, ...(actionsCache ? { actionsCache } : {}), call: { method, output: result.stdout, ...(checks ? { checks } : {}) } };
    }
    if (result.exitCode !== 0) {
        const explained = explainFailure(output, inputs);
        if (explained)
            throw new BuildError(`${explained}\n${describeFailure(output)}`);
        throw new BuildError(`docker buildx build failed (exit code ${result.exitCode})\n${describeFailure(output)}`);
    }
    let metadata = {};
    try {
        metadata = JSON.parse(await (0,promises_.readFile)(paths.metadataFile, 'utf8'));
        const ownName = paths.pushTo ?? paths.loadAs;
        if (ownName !== undefined)
            metadata = withoutName(metadata, ownName);
    }
    catch {
        host.warning('buildx wrote no metadata file: the digest and imageid outputs come from the measured image');
    }
    const imageId = (await (0,promises_.readFile)(imageIdFile, 'utf8').catch(() => '')).trim();
    const pushTag = inputs.push ? inputs.tags[0] : undefined;
    const pushed = pushTag ? await pushedDigest(exec, pushTag, cwd) : undefined;
    if (pushTag && pushed === undefined)
        host.warning(`The registry's digest of ${pushTag} could not be read: the digest output is buildx's`);
    return {
        ...progress,
        seconds,
        ...(actionsCache ? { actionsCache } : {}),
        metadata,
        ...(paths.ociDir ? { ociDir: paths.ociDir } : {}),
        ...(/^sha256:[a-f0-9]{64}$/.test(imageId) ? { imageId } : {}),
        ...(pushed ? { pushedDigest: pushed } : {})
    };
}

;// CONCATENATED MODULE: ./src/image/layout-roots.ts
// The images an OCI layout folder really holds. When a build runs several exporters (a push or a
// load beside the layout that is measured), BuildKit may name in the layout's index.json the index
// another exporter made (with an attestation the layout lacks: buildx #3306), so index.json alone
// cannot be trusted. The layout's own blobs can: its manifests are found among them, and those that
// no index in the layout refers to are its roots.




/** Manifests and indexes are small; a larger blob is a layer and is not opened. */
const layout_roots_MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
async function readSmallJson(file) {
    const handle = await (0,promises_.open)(file, 'r');
    try {
        const { size } = await handle.stat();
        if (size > layout_roots_MAX_MANIFEST_BYTES || size < 2)
            return undefined;
        const first = Buffer.alloc(1);
        await handle.read(first, 0, 1, 0);
        if (first[0] !== 0x7b)
            return undefined;
        const text = (await handle.readFile()).toString('utf8');
        try {
            return { document: JSON.parse(text), size };
        }
        catch {
            return undefined;
        }
    }
    finally {
        await handle.close();
    }
}
/** Every index and manifest among the layout's blobs. */
async function manifestsOf(dir) {
    const found = [];
    for (const algorithm of ['sha256', 'sha512']) {
        const names = await (0,promises_.readdir)(external_node_path_.join(dir, 'blobs', algorithm)).catch(() => []);
        for (const name of names.sort()) {
            const read = await readSmallJson(external_node_path_.join(dir, 'blobs', algorithm, name));
            if (read === undefined || typeof read.document !== 'object' || read.document === null)
                continue;
            const document = read.document;
            const kind = manifestKind(document);
            if (kind === 'other')
                continue;
            const mediaType = document.mediaType ?? (kind === 'index' ? MediaType.OciIndex : MediaType.OciManifest);
            found.push({ descriptor: { mediaType, digest: `${algorithm}:${name}`, size: read.size }, document });
        }
    }
    return found;
}
/**
 * The layout's roots: index.json's when every one of them and every manifest they name is in the
 * layout; otherwise the indexes and manifests among the blobs that no other index refers to,
 * attestations left out. Their platforms come from each manifest's own config.
 */
async function layoutRoots(dir, named) {
    if (named.length > 0 && (await namesOnlyPresentBlobs(dir, named)))
        return named;
    const found = await manifestsOf(dir);
    const referenced = new Set();
    for (const { document } of found) {
        if (manifestKind(document) === 'index')
            for (const child of document.manifests ?? [])
                referenced.add(child.digest);
    }
    return found
        .filter(({ descriptor }) => !referenced.has(descriptor.digest))
        .filter(({ document }) => manifestKind(document) === 'index' || !isAttestationManifest(document))
        .map(({ descriptor }) => descriptor);
}
function blobFile(dir, digest) {
    const [algorithm, hex] = digest.split(':');
    return external_node_path_.join(dir, 'blobs', algorithm, hex);
}
async function present(dir, digest) {
    return (0,promises_.access)(blobFile(dir, digest)).then(() => true, () => false);
}
async function namesOnlyPresentBlobs(dir, named) {
    for (const root of named) {
        if (!(await present(dir, root.digest)))
            return false;
        if (!INDEX_TYPES.includes(root.mediaType))
            continue;
        const read = await readSmallJson(blobFile(dir, root.digest));
        const children = read?.document?.manifests;
        if (!Array.isArray(children))
            return false;
        for (const child of children) {
            if (!(await present(dir, child.digest)))
                return false;
        }
    }
    return true;
}

;// CONCATENATED MODULE: ./src/image/blobs.ts









class MissingBlobError extends Error {
}
function blobPath(digest) {
    const [algorithm, hex] = checkDigest(digest).split(':');
    return `blobs/${algorithm}/${hex}`;
}
/** The manifests index.json lists: what the layout starts from (their descriptors are checked by resolveImage). */
async function rootsOf(size, open, what) {
    if (size > MAX_MANIFEST_BYTES)
        throw new BlobIntegrityError(`${what} is ${size} bytes, more than an index may have`);
    const index = parseJson(await readCapped(await open(), MAX_MANIFEST_BYTES, what), what);
    if (typeof index !== 'object' || index === null || !Array.isArray(index.manifests ?? []))
        throw new BlobIntegrityError(`${what} has no list of manifests`);
    return (index.manifests ?? []);
}
function checkBlobSize(label, descriptor, stored) {
    if (stored !== descriptor.size) {
        throw new BlobIntegrityError(`${label}: blob ${descriptor.digest} is ${stored} bytes, but its descriptor declares ${descriptor.size}`);
    }
}
/** An OCI image layout in a folder, as `--output type=oci,tar=false` writes it. */
class OciDirectorySource {
    dir;
    label;
    constructor(dir) {
        this.dir = dir;
        this.label = `OCI layout ${dir}`;
    }
    async roots() {
        const file = external_node_path_.join(this.dir, 'index.json');
        let size;
        try {
            size = (await (0,promises_.stat)(file)).size;
        }
        catch {
            throw new MissingBlobError(`${this.label} has no index.json`);
        }
        return layoutRoots(this.dir, await rootsOf(size, async () => (0,external_node_fs_.createReadStream)(file), `${this.label}: index.json`));
    }
    async readJson(descriptor) {
        return readJsonBlob(() => this.open(descriptor), descriptor, this.label);
    }
    async open(descriptor) {
        const file = external_node_path_.join(this.dir, blobPath(descriptor.digest));
        let stored;
        try {
            stored = (await (0,promises_.stat)(file)).size;
        }
        catch {
            throw new MissingBlobError(`${this.label} names blob ${descriptor.digest} but does not contain it`);
        }
        checkBlobSize(this.label, descriptor, stored);
        return verifyBlob((0,external_node_fs_.createReadStream)(file, { highWaterMark: 1 << 20 }), descriptor, this.label);
    }
}
/**
 * An OCI image layout inside an uncompressed tar, as `docker save` writes it. The tar is indexed by
 * reading its headers only (each one's position follows from the previous size), then blobs are
 * streamed from their offsets: nothing is extracted.
 */
class OciTarSource {
    file;
    label;
    members;
    constructor(file) {
        this.file = file;
        this.label = `image archive ${file}`;
    }
    async index() {
        if (this.members)
            return this.members;
        const members = new Map();
        const handle = await (0,promises_.open)(this.file, 'r');
        try {
            const { size: fileSize } = await handle.stat();
            const reader = new TarHeaderReader();
            const block = Buffer.alloc(BLOCK_SIZE);
            // An archive may end without its zero blocks, as Go's reader allows, but not inside a header.
            for (let position = 0; position < fileSize;) {
                await this.readAt(handle, block, position);
                const step = reader.next(block, 0, position);
                position += BLOCK_SIZE;
                if (step === 'end')
                    break;
                if (step === 'block')
                    continue;
                const size = reader.dataBytes;
                if (position + size > fileSize) {
                    const what = step === 'metadata' ? 'the metadata of an entry' : `entry "${reader.entry.path}"`;
                    throw new TarFormatError(`${what} needs ${size} bytes at byte ${position}, past the end of the archive (${fileSize} bytes): it is truncated`);
                }
                if (step === 'metadata') {
                    const data = Buffer.alloc(size);
                    await this.readAt(handle, data, position);
                    reader.metadata(data);
                }
                else if (reader.entry.type === 'file' && reader.entry.sparse === undefined) {
                    members.set(reader.entry.path, { offset: position, size });
                }
                position += paddedSize(size);
            }
        }
        catch (error) {
            if (error instanceof TarFormatError)
                throw new TarFormatError(`${this.label}: ${error.message}`);
            throw error;
        }
        finally {
            await handle.close();
        }
        this.members = members;
        return members;
    }
    async readAt(handle, buffer, position) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        if (bytesRead !== buffer.length)
            throw new TarFormatError(`the archive ends at byte ${position + bytesRead}, inside a tar header: it is truncated`);
    }
    async member(name) {
        const member = (await this.index()).get(name);
        if (member === undefined)
            throw new MissingBlobError(`${this.label} has no ${name}`);
        return member;
    }
    async stream(name) {
        const { offset, size } = await this.member(name);
        if (size === 0)
            return external_node_stream_.Readable.from([]);
        return (0,external_node_fs_.createReadStream)(this.file, { start: offset, end: offset + size - 1, highWaterMark: 1 << 20 });
    }
    async roots() {
        return rootsOf((await this.member('index.json')).size, () => this.stream('index.json'), `${this.label}: index.json`);
    }
    async readJson(descriptor) {
        return readJsonBlob(() => this.open(descriptor), descriptor, this.label);
    }
    async open(descriptor) {
        const name = blobPath(descriptor.digest);
        checkBlobSize(this.label, descriptor, (await this.member(name)).size);
        return verifyBlob(await this.stream(name), descriptor, this.label);
    }
}

// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __webpack_require__(7067);
;// CONCATENATED MODULE: ./src/image/streamed-layout.ts
// An OCI layout tar read once, as it streams (`docker image save` to a pipe): nothing of the image
// is written to disk. The archive is sorted by name, so its layers come before index.json says what
// they are: each large blob is read as a layer as it passes (verified, decompressed by what its
// first bytes are, scanned into the layer store), small blobs are kept in memory, and once the
// stream ends the image is resolved from those. Measuring then replays the layers from the store.










const streamed_layout_MiB = 2 ** 20;
/** Blobs up to this size are kept in memory whatever they are (manifests, configs, small layers). */
const SMALL_BLOB_BYTES = streamed_layout_MiB;
/** All that is kept in memory of one archive: beyond it, large JSON blobs (attestations) are not kept. */
const MAX_KEPT_BYTES = 64 * streamed_layout_MiB;
/** The largest pax or GNU long-name record read into memory. */
const streamed_layout_MAX_METADATA_BYTES = streamed_layout_MiB;
const LAYER_TYPES = {
    gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
    zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
    none: 'application/vnd.oci.image.layer.v1.tar'
};
/** The compression a blob's first bytes say (gzip and zstd magic numbers; anything else is a plain tar). */
function sniff(first) {
    if (first[0] === 0x1f && first[1] === 0x8b)
        return 'gzip';
    if (first.length >= 4 && first.readUInt32LE(0) === 0xfd2fb528)
        return 'zstd';
    return 'none';
}
/** Bytes of a stream taken as they are asked for: whole fields, or pieces of a member's content. */
class StreamBytes {
    chunks;
    chunk = Buffer.alloc(0);
    position = 0;
    constructor(chunks) {
        this.chunks = chunks;
    }
    async fill() {
        while (this.chunk.length === 0) {
            const next = await this.chunks.next();
            if (next.done)
                return false;
            this.chunk = next.value;
        }
        return true;
    }
    /** Exactly `count` bytes; undefined when the stream ends before the first of them. */
    async exactly(count, what) {
        const parts = [];
        let got = 0;
        while (got < count) {
            if (!(await this.fill())) {
                if (got === 0)
                    return undefined;
                throw new TarFormatError(`the archive ends at byte ${this.position}, inside ${what}: it is truncated`);
            }
            const piece = this.chunk.subarray(0, count - got);
            this.chunk = this.chunk.subarray(piece.length);
            parts.push(piece);
            got += piece.length;
            this.position += piece.length;
        }
        return parts.length === 1 ? parts[0] : Buffer.concat(parts);
    }
    /** The next `count` bytes without taking them (at most what one chunk holds, at least 1). */
    async peek(count) {
        if (!(await this.fill()))
            return Buffer.alloc(0);
        if (this.chunk.length < count) {
            const more = await this.chunks.next();
            if (!more.done)
                this.chunk = Buffer.concat([this.chunk, more.value]);
        }
        return this.chunk.subarray(0, count);
    }
    /** Hands the next `count` bytes to `take` piece by piece, as they arrive. */
    async pieces(count, what, take) {
        for (let left = count; left > 0;) {
            if (!(await this.fill()))
                throw new TarFormatError(`the archive ends at byte ${this.position}, inside ${what}: it is truncated`);
            const piece = this.chunk.subarray(0, left);
            this.chunk = this.chunk.subarray(piece.length);
            left -= piece.length;
            this.position += piece.length;
            await take(piece);
        }
    }
    /**
     * Reads what follows the archive's end, which may only be zeros (padding to a record): anything
     * else is a second archive or trailing data, which is never ignored unread.
     */
    async drainZeros() {
        for (;;) {
            if (this.chunk.some(byte => byte !== 0))
                throw new TarFormatError(`data follows the end of the archive at byte ${this.position}: it is not one OCI layout`);
            this.position += this.chunk.length;
            const next = await this.chunks.next();
            if (next.done)
                return;
            this.chunk = next.value;
        }
    }
}
class StreamedLayoutSource {
    label;
    start;
    kept = new Map();
    layers = new Map();
    index;
    keptBytes = 0;
    walked = false;
    constructor(label, start) {
        this.label = label;
        this.start = start;
    }
    /**
     * Reads the whole archive once: layers into the store (those it already holds are skipped
     * unread), the rest kept to resolve the image from. Call before anything else.
     */
    async readAll(store, onLayer) {
        if (this.walked)
            return;
        await this.readFrom(this.start(), store, onLayer);
    }
    /**
     * Takes one blob handed in alone (a build pushing it, see PushSink), as a blob of the archive is
     * taken: a layer read into the store as it comes, anything else kept; its bytes are exactly `size`.
     */
    async take(digest, size, body, store, onLayer, files) {
        checkDigest(digest);
        const bytes = new StreamBytes(body[Symbol.asyncIterator]());
        if (size === 0) {
            this.kept.set(digest, Buffer.alloc(0));
            const file = await files?.open(digest);
            await file?.close();
        }
        else {
            await this.blob(digest, size, bytes, store, onLayer, files);
        }
        if ((await bytes.peek(1)).length > 0)
            throw new BlobIntegrityError(`${this.label}: blob ${digest} has more bytes than the ${size} it was sent with`);
    }
    /**
     * Ends what was handed in with take: `root` (the image pushed by tag) is what the source holds,
     * as index.json names the images of an archive.
     */
    handedIn(root) {
        this.index = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [root] }));
        this.walked = true;
    }
    /**
     * Reads an archive handed in (a build's export as it is written), as readAll does. With `keepIn`,
     * every blob is also written there as it passes, as the `blobs` folder of an OCI layout, for a
     * reader that needs the image on disk (Trivy): one pass makes both.
     */
    async readFrom(layout, store, onLayer, keepIn) {
        const { stream, finished } = layout;
        // The program may end (a failure, or a signal that stops the step) while a blob is still being
        // read: its failure is taken below, and must not be an unhandled rejection until then.
        finished.catch(() => undefined);
        const files = keepIn === undefined ? undefined : new BlobFiles(keepIn, this.label);
        const seen = new Set();
        const bytes = new StreamBytes(stream[Symbol.asyncIterator]());
        const reader = new TarHeaderReader();
        try {
            for (;;) {
                const position = bytes.position;
                // An archive may end without its zero blocks, as Go's reader allows, but not inside a header.
                const block = await bytes.exactly(512, 'a tar header');
                if (block === undefined)
                    break;
                const step = reader.next(block, 0, position);
                if (step === 'end')
                    break;
                if (step === 'block')
                    continue;
                const size = reader.dataBytes;
                if (step === 'metadata') {
                    if (size > streamed_layout_MAX_METADATA_BYTES)
                        throw new TarFormatError(`the metadata record at byte ${position} declares ${size} bytes, more than a name may need`);
                    reader.metadata((await bytes.exactly(paddedSize(size), 'a metadata record')).subarray(0, size));
                    continue;
                }
                const { path, type, sparse } = reader.entry;
                const blob = /^blobs\/(sha256|sha512)\/([a-f0-9]+)$/.exec(path);
                const what = `entry "${path}"`;
                if (type === 'file' && sparse === undefined && path === 'index.json') {
                    if (size > MAX_MANIFEST_BYTES)
                        throw new BlobIntegrityError(`${this.label}: index.json is ${size} bytes, more than an index may have`);
                    this.index = size === 0 ? Buffer.alloc(0) : await bytes.exactly(size, what);
                }
                else if (type === 'file' && sparse === undefined && blob && isDigest(`${blob[1]}:${blob[2]}`) && size > 0) {
                    const digest = `${blob[1]}:${blob[2]}`;
                    // Two versions of one blob: which one was measured, and which one a reader takes, would differ.
                    if (seen.has(digest))
                        throw new BlobIntegrityError(`${this.label}: the archive holds blob ${digest} twice`);
                    seen.add(digest);
                    await this.blob(digest, size, bytes, store, onLayer, files);
                }
                else {
                    await bytes.pieces(size, what, () => undefined);
                }
                await bytes.pieces(paddedSize(size) - size, what, () => undefined);
            }
            await bytes.drainZeros();
        }
        catch (error) {
            // Output that ended by itself, cut short, is explained by the program's failure when it failed.
            const endedEarly = stream.readableEnded;
            stream.destroy();
            await files?.abandon();
            const failure = await finished.then(() => undefined, (failed) => failed ?? new Error('the program writing it failed'));
            if (endedEarly && failure !== undefined)
                throw failure;
            if (error instanceof TarFormatError)
                throw new TarFormatError(`${this.label}: ${error.message}`);
            throw error;
        }
        await finished;
        this.walked = true;
    }
    async blob(digest, size, bytes, store, onLayer, files) {
        const what = `blob ${digest}`;
        const first = await bytes.peek(4);
        const json = first[0] === 0x7b;
        const file = await files?.open(digest);
        const passOn = async (piece) => file?.write(piece);
        const pass = async () => {
            if (size <= SMALL_BLOB_BYTES || (json && size <= MAX_CONFIG_BYTES)) {
                if (this.keptBytes + size <= MAX_KEPT_BYTES) {
                    // Counted before it is read: blobs handed in side by side share one bound.
                    this.keptBytes += size;
                    const kept = (await bytes.exactly(size, what));
                    await passOn(kept);
                    this.kept.set(digest, kept);
                    if (!json)
                        this.layers.set(digest, { compression: sniff(first) });
                    return;
                }
                if (size <= SMALL_BLOB_BYTES)
                    throw new BlobIntegrityError(`${this.label} holds more than ${MAX_KEPT_BYTES / streamed_layout_MiB} MiB of small blobs`);
            }
            if (json && size <= MAX_CONFIG_BYTES) {
                // A large JSON blob past what is kept (an attestation): not needed unless a manifest names it as a config.
                await bytes.pieces(size, what, passOn);
                return;
            }
            await this.layer(digest, size, first, bytes, store, onLayer, file);
        };
        try {
            await pass();
        }
        catch (error) {
            // What stopped the reading is the error; the file, cut short, goes with the folder.
            await file?.close().catch(() => undefined);
            throw error;
        }
        await file?.close();
    }
    async layer(digest, size, first, bytes, store, onLayer, file) {
        const what = `blob ${digest}`;
        const passOn = async (piece) => file?.write(piece);
        const compression = sniff(first);
        const layer = { compression };
        this.layers.set(digest, layer);
        const stored = await store.stored(digest);
        if (stored !== undefined) {
            // Read before: its bytes are not needed (the digest names what the store holds).
            await stored.close();
            await bytes.pieces(size, what, passOn);
            return;
        }
        onLayer?.(digest, size);
        // Its bytes go through the verifier below: they are not hashed a second time for the file.
        file?.verifiedElsewhere();
        const descriptor = { mediaType: LAYER_TYPES[compression], digest, size };
        // The bytes are verified here, upstream of what readLayer reads: when its decoder stops on a
        // corrupt blob, the rest still passes through the verifier, which then says whether it was the blob.
        const verifier = new BlobVerifier(descriptor, this.label);
        const member = new external_node_stream_.PassThrough({ highWaterMark: streamed_layout_MiB });
        verifier.on('error', error => member.destroy(error));
        // The failure reaches the reading through `verified`; a reader that already stopped must not make it unhandled.
        member.on('error', () => undefined);
        member.on('close', () => verifier.resume());
        verifier.pipe(member);
        const verified = new Promise((resolve, reject) => {
            verifier.on('end', resolve);
            verifier.on('error', reject);
        });
        verified.catch(() => undefined);
        let opened = 0;
        const source = {
            label: this.label,
            roots: async () => [],
            readJson: async () => {
                throw new MissingBlobError(`${this.label}: a layer has no JSON`);
            },
            open: async () => (opened++ === 0 ? member : external_node_stream_.Readable.from((async function* () {
                await verified;
            })()))
        };
        const reading = readLayer(source, descriptor, store, () => undefined).then(() => undefined, (error) => {
            member.destroy();
            return error;
        });
        try {
            await bytes.pieces(size, what, async (piece) => {
                await passOn(piece);
                if (verifier.destroyed)
                    return;
                if (!verifier.write(piece))
                    await drained(verifier);
            });
        }
        catch (error) {
            // The archive failed inside the layer: nothing of it is kept, and its hashing stops.
            verifier.destroy(error);
            await reading;
            throw error;
        }
        verifier.end();
        const failure = await reading;
        if (failure) {
            const prefix = `layer ${digest} of ${this.label}: `;
            layer.failure = failure.message.startsWith(prefix) && !(failure instanceof BlobIntegrityError) ? new Error(failure.message.slice(prefix.length)) : failure;
        }
    }
    walkedOnly() {
        if (!this.walked)
            throw new Error(`${this.label} is read as it streams: readAll comes first`);
    }
    async roots() {
        this.walkedOnly();
        if (this.index === undefined)
            throw new MissingBlobError(`${this.label} has no index.json`);
        const index = parseJson(this.index, `${this.label}: index.json`);
        if (typeof index !== 'object' || index === null || !Array.isArray(index.manifests ?? []))
            throw new BlobIntegrityError(`${this.label}: index.json has no list of manifests`);
        return (index.manifests ?? []);
    }
    async readJson(descriptor) {
        return readJsonBlob(() => this.open(descriptor), descriptor, this.label);
    }
    async open(descriptor) {
        this.walkedOnly();
        const kept = this.kept.get(descriptor.digest);
        if (kept !== undefined) {
            if (kept.length !== descriptor.size)
                throw new BlobIntegrityError(`${this.label}: blob ${descriptor.digest} is ${kept.length} bytes, but its descriptor declares ${descriptor.size}`);
            return verifyBlob(external_node_stream_.Readable.from([kept]), descriptor, this.label);
        }
        const failure = this.layers.get(descriptor.digest)?.failure;
        if (failure)
            throw failure;
        throw new MissingBlobError(`${this.label} names blob ${descriptor.digest} but does not contain it (or it was read as a layer and is not one)`);
    }
    /**
     * Refuses a layer the manifests declare in another compression than its bytes are in: it was read
     * by what its bytes are, and a layer that does not decompress as declared is not an image's.
     */
    checkLayers(image) {
        for (const platform of image.platforms) {
            for (const layer of platform.layers) {
                const streamed = this.layers.get(layer.digest);
                if (streamed === undefined || streamed.failure)
                    continue;
                const declared = compressionOf(layer.mediaType);
                if (declared !== streamed.compression) {
                    throw new BlobIntegrityError(`${this.label}: layer ${layer.digest} is declared ${layer.mediaType}, but its bytes are ${streamed.compression === 'none' ? 'not compressed' : `${streamed.compression} data`}`);
                }
            }
        }
    }
}
/**
 * The `blobs` folder of an OCI layout, written as an archive streams past. Every blob written that
 * is not read as a layer is hashed as it is: a layer the store already holds is not read again, but
 * what Trivy reads of it must be what its digest names all the same.
 */
class BlobFiles {
    dir;
    label;
    constructor(dir, label) {
        this.dir = dir;
        this.label = label;
    }
    async open(digest) {
        const [algorithm, hex] = digest.split(':');
        let hash = (0,external_node_crypto_.createHash)(algorithm);
        const folder = external_node_path_.join(this.dir, 'blobs', algorithm);
        await (0,promises_.mkdir)(folder, { recursive: true });
        const file = external_node_path_.join(folder, hex);
        // Never written over (readFrom refuses a blob the archive holds twice).
        const handle = await (0,promises_.open)(file, 'wx');
        let closed = false;
        return {
            verifiedElsewhere: () => {
                hash = undefined;
            },
            write: async (piece) => {
                hash?.update(piece);
                for (let offset = 0; offset < piece.length;)
                    offset += (await handle.write(piece, offset)).bytesWritten;
            },
            close: async () => {
                if (closed)
                    return;
                closed = true;
                await handle.close();
                const actual = hash?.digest('hex') ?? hex;
                if (actual !== hex)
                    throw new BlobIntegrityError(`${this.label}: blob ${digest} holds other content: its bytes have digest ${algorithm}:${actual}`);
            }
        };
    }
    /** Removes what was written of an archive that failed: no half layout is left to scan. */
    async abandon() {
        await (0,promises_.rm)(external_node_path_.join(this.dir, 'blobs'), { recursive: true, force: true });
    }
}
function isDigest(digest) {
    try {
        checkDigest(digest);
        return true;
    }
    catch {
        return false;
    }
}
function drained(stream) {
    return new Promise(resolve => {
        const done = () => {
            stream.off('drain', done);
            stream.off('close', done);
            resolve();
        };
        stream.on('drain', done);
        stream.on('close', done);
    });
}
/**
 * The image a source holds, resolved for measuring. An image read as it streams is read whole
 * first, into the store: its layers come before the manifests that name them.
 */
async function resolveForMeasuring(source, store, onLayer) {
    if (source instanceof StreamedLayoutSource)
        await source.readAll(store, onLayer);
    const image = await resolveImage(source);
    if (source instanceof StreamedLayoutSource)
        source.checkLayers(image);
    return image;
}

;// CONCATENATED MODULE: ./src/image/push-sink.ts
// The image of a build that is not pushed, taken as the build pushes it to a registry that the step
// serves on 127.0.0.1 for the build's duration (`export-mode: registry`). The registry protocol lets
// the receiver say which blobs it has: the layers the layer store already read are never sent, and
// those that are sent are read into the store as they arrive, with no copy of the image on disk
// (unless Trivy scans it, when the blobs are written to a layout folder as they pass).







/** The tag the build pushes the image under: the only manifest pushed by name, the image's root. */
const TAG = 'measured';
/** Uploads open at once: a builder pushes a few blobs side by side, never thousands. */
const MAX_OPEN_UPLOADS = 256;
const DEFAULT_LIMITS = { idleMs: 10 * 60 * 1000 };
/** What the registry protocol answers an error with (distribution spec, "Error Codes"). */
function sendError(response, status, code, message) {
    response.writeHead(status, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify({ errors: [{ code, message }] }));
}
async function drain(request) {
    for await (const chunk of request)
        void chunk;
}
/** A request's Content-Length as a whole number of bytes, or undefined. */
function declaredLength(request) {
    const header = request.headers['content-length'];
    if (header === undefined || !/^\d{1,15}$/.test(header))
        return undefined;
    return Number(header);
}
class PushSink {
    label;
    store;
    onLayer;
    keepIn;
    limits;
    now;
    source;
    /**
     * A repository name no other pusher uses by chance. It is on the build's command line, so not a
     * secret: what another local process pushes under it can only make the build fail (every blob
     * and manifest is checked against its digest, and the tag is taken once).
     */
    repository = `image-budget-${(0,external_node_crypto_.randomBytes)(12).toString('hex')}`;
    /** The blobs taken in this run, with their lengths. */
    received = new Map();
    /** The uploads begun and not finished, with when each began. */
    uploads = new Map();
    /** The manifests taken, by digest, with their sizes (their bytes are kept by the source, within its bound). */
    manifests = new Map();
    files;
    pending = new Set();
    server;
    failure;
    root;
    uploadCount = 0;
    /** What the build sent, and the layers it did not send because the store had read them. */
    traffic = { blobs: 0, bytes: 0, layersHad: new Set() };
    constructor(label, store, onLayer, 
    /** Every blob is also written here as the `blobs` folder of an OCI layout (Trivy reads it): none is skipped. */
    keepIn, limits = DEFAULT_LIMITS, now = Date.now) {
        this.label = label;
        this.store = store;
        this.onLayer = onLayer;
        this.keepIn = keepIn;
        this.limits = limits;
        this.now = now;
        this.source = new StreamedLayoutSource(label, () => {
            throw new BlobIntegrityError(`${label} was pushed to the step: there is nothing to read again`);
        });
        this.files = keepIn === undefined ? undefined : new BlobFiles(keepIn, label);
    }
    /** Starts serving on a free port of 127.0.0.1 and returns the image name to push to. */
    async start() {
        // A PUT is read at the pace its layer is analysed: a large layer takes longer than Node's
        // default 300 s for a whole request. A connection idle for the limit (10 minutes) still ends.
        const server = (0,external_node_http_.createServer)({ requestTimeout: 0 }, (request, response) => {
            const handled = this.handle(request, response).catch((error) => {
                this.failure ??= error;
                if (!response.headersSent)
                    sendError(response, 500, 'UNKNOWN', error.message);
                else
                    response.destroy();
            });
            this.pending.add(handled);
            void handled.finally(() => this.pending.delete(handled));
        });
        server.timeout = this.limits.idleMs;
        await new Promise((resolve, reject) => {
            server.once('error', reject);
            server.listen(0, '127.0.0.1', () => resolve());
        });
        // An error of the listening socket later on (too many open files) fails the build, not the process.
        server.on('error', error => {
            this.failure ??= error;
        });
        this.server = server;
        return `127.0.0.1:${server.address().port}/${this.repository}:${TAG}`;
    }
    /**
     * Stops serving once the build is over and makes the source hold what was pushed: the image
     * pushed by tag. Throws the first thing that went wrong in the pushing, or when nothing was pushed.
     */
    async finish() {
        await this.stop();
        if (this.failure)
            throw this.failure;
        if (!this.root)
            throw new BlobIntegrityError(`${this.label}: the build pushed no image to the step`);
        this.source.handedIn(this.root);
        return this.source;
    }
    /** Stops serving and removes any layout folder begun: for a build that failed. */
    async abandon() {
        await this.stop();
        await this.files?.abandon();
    }
    async stop() {
        const server = this.server;
        if (!server)
            return;
        this.server = undefined;
        const closed = new Promise(resolve => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        await Promise.all([...this.pending]);
    }
    async handle(request, response) {
        const url = new URL(request.url ?? '/', 'http://127.0.0.1');
        const method = request.method ?? '';
        if (url.pathname === '/v2/' || url.pathname === '/v2') {
            await drain(request);
            response.writeHead(200, { 'Docker-Distribution-API-Version': 'registry/2.0', 'Content-Type': 'application/json' });
            response.end('{}');
            return;
        }
        const prefix = `/v2/${this.repository}/`;
        if (!url.pathname.startsWith(prefix)) {
            await drain(request);
            return sendError(response, 404, 'NAME_UNKNOWN', 'repository name not known to registry');
        }
        const rest = url.pathname.slice(prefix.length);
        const upload = /^blobs\/uploads\/([^/]*)$/.exec(rest);
        const blob = /^blobs\/([^/]+)$/.exec(rest);
        const manifest = /^manifests\/([^/]+)$/.exec(rest);
        if (upload && method === 'POST')
            return this.startUpload(request, response);
        if (upload && method === 'PUT')
            return this.finishUpload(upload[1], url.searchParams.get('digest') ?? '', request, response);
        if (upload) {
            await drain(request);
            // A builder sends each blob in one PUT; a chunked upload is not taken rather than half taken.
            return sendError(response, 405, 'UNSUPPORTED', `${method} of an upload is not supported: blobs are taken in one PUT`);
        }
        if (blob && (method === 'HEAD' || method === 'GET'))
            return this.blobExists(decodeURIComponent(blob[1]), request, response);
        if (manifest && method === 'PUT')
            return this.putManifest(decodeURIComponent(manifest[1]), request, response);
        if (manifest && (method === 'HEAD' || method === 'GET'))
            return this.manifestExists(decodeURIComponent(manifest[1]), method, request, response);
        await drain(request);
        sendError(response, 405, 'UNSUPPORTED', `${method} ${rest} is not supported`);
    }
    async startUpload(request, response) {
        await drain(request);
        // An upload left unfinished for the idle limit is dropped: a pusher that gave up on it cannot hold a place.
        for (const [open, began] of this.uploads)
            if (this.now() - began >= this.limits.idleMs)
                this.uploads.delete(open);
        if (this.uploads.size >= MAX_OPEN_UPLOADS)
            return sendError(response, 429, 'TOOMANYREQUESTS', 'too many uploads open at once');
        // A cross-repository mount (?mount=&from=) is answered with a plain upload: this registry holds no other repository.
        const id = `${++this.uploadCount}-${(0,external_node_crypto_.randomBytes)(8).toString('hex')}`;
        this.uploads.set(id, this.now());
        response.writeHead(202, { Location: `/v2/${this.repository}/blobs/uploads/${id}`, 'Docker-Upload-UUID': id, Range: '0-0', 'Content-Length': '0' });
        response.end();
    }
    async finishUpload(id, digest, request, response) {
        if (!this.uploads.delete(id)) {
            await drain(request);
            return sendError(response, 404, 'BLOB_UPLOAD_UNKNOWN', `upload ${id} is not known`);
        }
        try {
            checkDigest(digest);
        }
        catch (error) {
            await drain(request);
            return sendError(response, 400, 'DIGEST_INVALID', error.message);
        }
        const size = declaredLength(request);
        if (size === undefined) {
            await drain(request);
            return sendError(response, 411, 'SIZE_INVALID', 'a blob is sent with its Content-Length');
        }
        if (this.received.has(digest)) {
            // Sent twice (two platforms share it): the first copy was taken.
            await drain(request);
        }
        else {
            this.received.set(digest, size);
            this.traffic.blobs++;
            this.traffic.bytes += size;
            try {
                await this.source.take(digest, size, request, this.store, this.onLayer, this.files);
            }
            catch (error) {
                this.failure ??= error;
                request.resume();
                return sendError(response, 400, 'BLOB_UPLOAD_INVALID', error.message);
            }
        }
        response.writeHead(201, { Location: `/v2/${this.repository}/blobs/${digest}`, 'Docker-Content-Digest': digest, 'Content-Length': '0' });
        response.end();
    }
    /**
     * Whether the registry has a blob. A layer the layer store read before is had: the build then
     * never sends it, and measuring replays it from the store. With a layout folder to write, only
     * the blobs sent in this run are had.
     */
    async blobExists(digest, request, response) {
        await drain(request);
        let length = this.received.get(digest);
        if (length === undefined && this.keepIn === undefined && /^sha256:[a-f0-9]{64}$/.test(digest)) {
            const stored = await this.store.stored(digest);
            if (stored) {
                await stored.close();
                length = stored.summary.blobBytes;
                this.traffic.layersHad.add(digest);
            }
        }
        if (length === undefined || request.method === 'GET') {
            // Nothing is served back: the build only asks whether to send.
            return sendError(response, 404, 'BLOB_UNKNOWN', `blob ${digest} is not held`);
        }
        response.writeHead(200, { 'Docker-Content-Digest': digest, 'Content-Length': String(length) });
        response.end();
    }
    async putManifest(reference, request, response) {
        const mediaType = (request.headers['content-type'] ?? '').split(';')[0].trim();
        if (!MANIFEST_TYPES.includes(mediaType) && !INDEX_TYPES.includes(mediaType)) {
            await drain(request);
            return this.refuseManifest(response, 'MANIFEST_INVALID', `a manifest of type "${mediaType}" is not an image's`);
        }
        let body;
        try {
            body = await readCapped(request, MAX_MANIFEST_BYTES, 'a manifest');
        }
        catch (error) {
            if (!(error instanceof TooLargeError))
                throw error;
            return this.refuseManifest(response, 'SIZE_INVALID', `a manifest is more than ${MAX_MANIFEST_BYTES} bytes`);
        }
        const digest = `sha256:${(0,external_node_crypto_.createHash)('sha256').update(body).digest('hex')}`;
        const byDigest = reference.includes(':');
        if (byDigest && reference !== digest)
            return this.refuseManifest(response, 'DIGEST_INVALID', `manifest ${reference} has digest ${digest}`);
        if (!byDigest && reference !== TAG)
            return this.refuseManifest(response, 'TAG_INVALID', `the image is pushed as ${TAG}, not ${reference}`);
        if (!this.manifests.has(digest)) {
            this.manifests.set(digest, body.length);
            await this.source.take(digest, body.length, external_node_stream_.Readable.from([body]), this.store, undefined, this.files);
        }
        if (!byDigest) {
            if (this.root && this.root.digest !== digest)
                return this.refuseManifest(response, 'TAG_INVALID', `${TAG} was pushed twice, as ${this.root.digest} and ${digest}`);
            this.root = { mediaType, digest, size: body.length };
        }
        response.writeHead(201, { Location: `/v2/${this.repository}/manifests/${digest}`, 'Docker-Content-Digest': digest, 'Content-Length': '0' });
        response.end();
    }
    refuseManifest(response, code, message) {
        this.failure ??= new BlobIntegrityError(`${this.label}: ${message}`);
        sendError(response, 400, code, message);
    }
    async manifestExists(reference, method, request, response) {
        await drain(request);
        const size = this.manifests.get(reference);
        if (size === undefined || method === 'GET')
            return sendError(response, 404, 'MANIFEST_UNKNOWN', `manifest ${reference} is not held`);
        response.writeHead(200, { 'Docker-Content-Digest': reference, 'Content-Length': String(size) });
        response.end();
    }
}

;// CONCATENATED MODULE: ./src/image/source.ts







class ImageNotFoundError extends Error {
}
/**
 * Opens the image named by the `image` input: from the local engine when it has it (as Docker
 * itself resolves names), otherwise from its registry. A local image is read as `docker image save`
 * streams it, unless Trivy scans it: Trivy reads the archive, which is then saved to a file.
 */
async function openImageInput(reference, deps) {
    const inspect = await deps.exec('docker', ['image', 'inspect', '--format', '{{.Id}}', reference], { silent: true });
    if (inspect.exitCode === 0 && !deps.archiveNeeded) {
        const run = deps.streamExec ?? spawnStream;
        const source = new StreamedLayoutSource(`image ${reference} from the engine`, () => {
            const saved = run('docker', ['image', 'save', reference]);
            const finished = saved.finished.then(({ exitCode, stderr }) => {
                if (exitCode !== 0)
                    throw new ImageNotFoundError(`docker image save ${reference} failed: ${stderr.trim()}`);
            });
            return { stream: saved.stdout, finished };
        });
        return { source, origin: 'engine', imageId: inspect.stdout.trim() };
    }
    if (inspect.exitCode === 0) {
        const archive = external_node_path_.join(deps.workDir, 'image.tar');
        const saved = await deps.exec('docker', ['image', 'save', '--output', archive, reference], { silent: true });
        if (saved.exitCode !== 0)
            throw new ImageNotFoundError(`docker image save ${reference} failed: ${saved.stderr.trim()}`);
        return { source: new OciTarSource(archive), origin: 'engine', imageId: inspect.stdout.trim(), archive };
    }
    const localProblem = isEngineUnreachable(inspect.stderr)
        ? 'the Docker engine is not reachable'
        : 'the local engine does not have it';
    let parsed;
    try {
        parsed = parseReference(reference);
    }
    catch (error) {
        if (error instanceof ReferenceError)
            throw new ImageNotFoundError(`Input "image": ${error.message}`);
        throw error;
    }
    const source = new RegistrySource(parsed, await dockerConfigAuth(parsed.registry, deps.env), { fetch: deps.fetch });
    try {
        await source.roots();
    }
    catch (error) {
        throw new ImageNotFoundError(`Input "image": "${reference}" was not found: ${localProblem}, and ${error.message}`);
    }
    return { source, origin: 'registry' };
}

;// CONCATENATED MODULE: ./src/scan/install.ts




/** A recent Trivy release, pinned: the `trivy-version` input changes it. */


const TRIVY_RELEASES = 'https://github.com/aquasecurity/trivy/releases/download';
const DOWNLOAD_DELAYS = [1000, 4000, 10000];
/** A `trivy --version` that hangs (a broken wrapper on PATH) counts as no Trivy. */
const VERSION_TIMEOUT_MS = 60_000;
class TrivyInstallError extends Error {
}
/** The release asset for this machine, as Trivy names them (`trivy_0.68.0_Linux-64bit.tar.gz`). */
function assetName(version, platform, arch) {
    const os = platform === 'darwin' ? 'macOS' : platform === 'linux' ? 'Linux' : undefined;
    const cpu = arch === 'x64' ? '64bit' : arch === 'arm64' ? 'ARM64' : undefined;
    if (!os || !cpu)
        throw new TrivyInstallError(`Trivy has no release for ${platform}/${arch}`);
    return `trivy_${version}_${os}-${cpu}.tar.gz`;
}
/** Reads `trivy --version` output (`Version: 0.68.0`). */
function parseTrivyVersion(output) {
    return /Version:\s*v?(\d+\.\d+\.\d+)/.exec(output)?.[1];
}
function checkVersionInput(version) {
    const value = version.trim().replace(/^v/, '');
    if (!/^\d+\.\d+\.\d+$/.test(value))
        throw new TrivyInstallError(`Input "trivy-version": "${version}" is not a version like ${DEFAULT_TRIVY_VERSION}`);
    return value;
}
async function download(url, deps) {
    return retry_withRetries(async () => {
        let response;
        try {
            response = await deps.fetch(url, { redirect: 'follow' });
        }
        catch (error) {
            throw new RetryableError(`cannot reach ${url}: ${error.message}`);
        }
        if (response.status === 429 || response.status >= 500)
            throw new RetryableError(`${url}: HTTP ${response.status}`);
        if (!response.ok)
            throw new TrivyInstallError(`${url}: HTTP ${response.status}`);
        return Buffer.from(await response.arrayBuffer());
    }, DOWNLOAD_DELAYS, deps.sleep, (error, wait) => deps.host.warning(`${error.message}; trying again in ${wait / 1000} s`));
}
async function installedVersion(binary, exec) {
    const result = await exec(binary, ['--version'], { silent: true, timeoutMs: VERSION_TIMEOUT_MS }).catch(() => undefined);
    return result && result.exitCode === 0 ? parseTrivyVersion(result.stdout) : undefined;
}
/**
 * Makes Trivy `version` available and returns the program to run: a `trivy` on PATH of that
 * version, the binary kept in the cache, or the release downloaded and checked against the
 * release's SHA-256 checksums (a mismatch is an error, never a warning).
 */
async function installTrivy(version, deps) {
    const { host } = deps;
    if ((await installedVersion('trivy', deps.exec)) === version) {
        host.info(`Using trivy ${version} from PATH`);
        return 'trivy';
    }
    const dir = external_node_path_.join(deps.toolDir, version);
    const binary = external_node_path_.join(dir, 'trivy');
    const asset = assetName(version, deps.platform ?? process.platform, deps.arch ?? process.arch);
    const cacheKey = `image-budget-trivy-${version}-${deps.platform ?? process.platform}-${deps.arch ?? process.arch}`;
    const present = async () => (await (0,promises_.stat)(binary).catch(() => undefined)) !== undefined && (await installedVersion(binary, deps.exec)) === version;
    if (await present())
        return binary;
    if (deps.cache) {
        const restored = await deps.cache.restore([dir], cacheKey, []).catch(error => {
            host.warning(`The Trivy binary could not be restored from the cache: ${error.message}`);
            return undefined;
        });
        if (restored && (await present())) {
            host.info(`Using trivy ${version} from the cache`);
            return binary;
        }
    }
    const base = `${deps.releases ?? TRIVY_RELEASES}/v${version}`;
    host.info(`Downloading ${base}/${asset}`);
    const [archive, checksums] = [await download(`${base}/${asset}`, deps), await download(`${base}/trivy_${version}_checksums.txt`, deps)];
    const expected = checksums
        .toString('utf8')
        .split(/\r?\n/)
        .map(line => line.trim().split(/\s+/))
        .find(([, name]) => name === asset)?.[0];
    if (!expected)
        throw new TrivyInstallError(`trivy_${version}_checksums.txt lists no checksum for ${asset}`);
    const actual = (0,external_node_crypto_.createHash)('sha256').update(archive).digest('hex');
    if (actual !== expected.toLowerCase()) {
        throw new TrivyInstallError(`${asset} does not match its published SHA-256 (expected ${expected}, got ${actual}): not installed`);
    }
    await (0,promises_.mkdir)(dir, { recursive: true });
    const archiveFile = external_node_path_.join(dir, asset);
    await (0,promises_.writeFile)(archiveFile, archive);
    const extracted = await deps.exec('tar', ['-xzf', archiveFile, '-C', dir, 'trivy'], { silent: true });
    if (extracted.exitCode !== 0)
        throw new TrivyInstallError(`${asset} could not be unpacked: ${extracted.stderr.trim()}`);
    await (0,promises_.chmod)(binary, 0o755);
    await (0,promises_.rm)(archiveFile, { force: true });
    const got = await installedVersion(binary, deps.exec);
    if (got !== version)
        throw new TrivyInstallError(`${asset} holds trivy ${got ?? 'of no known version'}, not ${version}`);
    if (deps.cache) {
        await deps.cache.save([dir], cacheKey).catch(error => host.warning(`The Trivy binary could not be saved to the cache: ${error.message}`));
    }
    return binary;
}

;// CONCATENATED MODULE: ./src/scan/ignores.ts

class IgnoreFileError extends Error {
}
const ignores_DATE = /^\d{4}-\d{2}-\d{2}$/;
/** The plain format: `CVE-2023-1234 exp:2025-01-31`, comments after `#`. */
function parsePlainIgnores(text, source) {
    const rules = [];
    text.split(/\r?\n/).forEach((raw, index) => {
        const line = raw.replace(/#.*$/, '').trim();
        if (line === '')
            return;
        const [id, ...options] = line.split(/\s+/);
        const rule = { id, source: `${source}:${index + 1}` };
        for (const option of options) {
            const expiry = /^exp:(.*)$/.exec(option);
            if (!expiry)
                continue;
            if (!ignores_DATE.test(expiry[1]))
                throw new IgnoreFileError(`${source}:${index + 1}: "${option}" is not exp:YYYY-MM-DD`);
            rule.expires = expiry[1];
        }
        rules.push(rule);
    });
    return rules;
}
/** The YAML format: `vulnerabilities: [{ id, paths, expired_at, statement }]`. */
function parseYamlIgnores(text, source) {
    let document;
    try {
        // Without the package's duplicate-key check, which compares each key with all before it.
        document = (0,dist/* parse */.qg)(text, { uniqueKeys: false });
    }
    catch (error) {
        throw new IgnoreFileError(`${source}: invalid YAML: ${error.message.split('\n')[0]}`);
    }
    const entries = document?.vulnerabilities ?? [];
    if (!Array.isArray(entries))
        throw new IgnoreFileError(`${source}: vulnerabilities must be a list`);
    return entries.map((entry, index) => {
        if (typeof entry?.id !== 'string')
            throw new IgnoreFileError(`${source}: vulnerabilities[${index}] has no id`);
        const expiredAt = entry.expired_at instanceof Date ? entry.expired_at.toISOString().slice(0, 10) : entry.expired_at;
        if (expiredAt !== undefined && (typeof expiredAt !== 'string' || !ignores_DATE.test(expiredAt))) {
            throw new IgnoreFileError(`${source}: vulnerabilities[${index}].expired_at: "${String(expiredAt)}" is not a date (YYYY-MM-DD)`);
        }
        return {
            id: entry.id,
            ...(expiredAt ? { expires: expiredAt } : {}),
            ...(Array.isArray(entry.paths) ? { paths: entry.paths.map(String) } : {}),
            source: `${source}: vulnerabilities[${index}]`
        };
    });
}
function parseIgnoreFile(text, source) {
    return /\.ya?ml$/i.test(source) ? parseYamlIgnores(text, source) : parsePlainIgnores(text, source);
}
/**
 * Splits findings into those that count and those a rule suppresses. A rule past its expiry date
 * suppresses nothing: the finding counts again, and `expired` names the rule so it can be said.
 */
function applyIgnores(findings, rules, today) {
    const expired = rules.filter(rule => rule.expires !== undefined && rule.expires < today);
    // By id: a large report against a large ignore file stays linear.
    const active = new Map();
    for (const rule of rules) {
        if (rule.expires !== undefined && rule.expires < today)
            continue;
        const same = active.get(rule.id);
        if (same)
            same.push(rule);
        else
            active.set(rule.id, [rule]);
    }
    const kept = [];
    const ignored = [];
    for (const finding of findings) {
        const suppressed = (active.get(finding.id) ?? []).some(rule => !rule.paths || rule.paths.some(path => finding.target === path || finding.target.startsWith(`${path}/`)));
        (suppressed ? ignored : kept).push(finding);
    }
    return { kept, ignored, expired };
}

;// CONCATENATED MODULE: ./src/scan/filter.ts


/**
 * What counts of a scan: findings of the asked severities, with a fix when only those are asked
 * for, and not suppressed by a live ignore rule. Applied the same way to Trivy's output and to a
 * report given with `trivy-report`, so both gate alike.
 */
function filterFindings(result, filter) {
    const wanted = result.findings.filter(finding => filter.severities.includes(finding.severity) && (!filter.ignoreUnfixed || finding.fixed !== undefined));
    const { kept, ignored, expired } = applyIgnores(wanted, filter.ignores, filter.today);
    return { ...countFindings(kept), findings: kept, ignored: ignored.length, expired };
}
const ORDER = { critical: 0, high: 1, medium: 2, low: 3, unknown: 4 };
/** Worst first: by severity, then those with a fix before those without, then by id. */
function worstFirst(findings) {
    return [...findings].sort((a, b) => ORDER[a.severity] - ORDER[b.severity] || Number(b.fixed !== undefined) - Number(a.fixed !== undefined) || a.id.localeCompare(b.id));
}

;// CONCATENATED MODULE: ./src/scan/sarif.ts
const LEVEL = { critical: 'error', high: 'error', medium: 'warning', low: 'note', unknown: 'note' };
const SCORE = { critical: '9.5', high: '8.0', medium: '5.5', low: '2.0', unknown: '0.0' };
/**
 * SARIF 2.1.0 for github/codeql-action/upload-sarif: one rule per vulnerability id, one result
 * per finding and platform, placed on the Dockerfile line that brought the package (line 1 of the
 * Dockerfile when the layer is the base image's or unknown).
 */
function toSarif(findings, dockerfile, version) {
    const rules = new Map();
    for (const finding of findings) {
        if (rules.has(finding.id))
            continue;
        rules.set(finding.id, {
            id: finding.id,
            name: 'OsPackageVulnerability',
            shortDescription: { text: finding.title ?? finding.id },
            ...(finding.link ? { helpUri: finding.link } : {}),
            help: { text: `${finding.id} in ${finding.package}${finding.link ? `: ${finding.link}` : ''}` },
            properties: { tags: ['vulnerability', 'security', finding.severity.toUpperCase()], 'security-severity': SCORE[finding.severity] }
        });
    }
    const results = findings.map(finding => ({
        ruleId: finding.id,
        ruleIndex: [...rules.keys()].indexOf(finding.id),
        level: LEVEL[finding.severity],
        message: {
            text: `${finding.package} ${finding.installed} has ${finding.id} (${finding.severity})${finding.fixed ? `, fixed in ${finding.fixed}` : ', no fix yet'}, on ${finding.platform}`
        },
        locations: [
            {
                physicalLocation: {
                    artifactLocation: { uri: finding.file ?? dockerfile ?? 'Dockerfile', uriBaseId: '%SRCROOT%' },
                    region: { startLine: finding.line ?? 1 }
                }
            }
        ]
    }));
    return {
        $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
        version: '2.1.0',
        runs: [{ tool: { driver: { name: 'image-budget', informationUri: 'https://github.com/image-budget/image-budget', version, rules: [...rules.values()] } }, results }]
    };
}

;// CONCATENATED MODULE: ./src/scan/scan.ts








/** Trivy's own list of DB repositories: the mirror first, then GitHub's registry. */
const DEFAULT_DB_REPOSITORIES = ['mirror.gcr.io/aquasec/trivy-db:2', 'ghcr.io/aquasecurity/trivy-db:2'];
const SCAN_DELAYS = [5000, 15000, 45000];
/** How long one Trivy run may take, unless `scan-timeout` says otherwise: a DB download and a large image. */
const DEFAULT_SCAN_TIMEOUT = '20m';
class ScanError extends Error {
}
/** The argv of one `trivy image` run, built without side effects. */
function trivyArgs(target, output, settings) {
    const args = ['image', '--format', 'json', '--output', output, '--scanners', 'vuln', '--cache-dir', settings.cacheDir, '--quiet'];
    args.push('--db-repository', settings.dbRepositories.join(','));
    if (target.kind === 'layout')
        return [...args, '--input', target.dir];
    if (target.kind === 'archive')
        return [...args, '--platform', target.platform, '--input', target.file];
    // From the registry itself: an image of the same name in the local engine is not what was measured.
    return [...args, '--platform', target.platform, '--image-src', 'remote', target.reference];
}
/**
 * A folder holding an OCI layout of one platform of a multi-platform layout: its own index.json,
 * and the blobs of the original through a link, so nothing is copied. Trivy scans layouts of one
 * image; this is also the final stage only, never a builder stage.
 */
async function platformLayout(layoutDir, manifest, into) {
    await (0,promises_.mkdir)(into, { recursive: true });
    await (0,promises_.writeFile)(external_node_path_.join(into, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    await (0,promises_.writeFile)(external_node_path_.join(into, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [manifest] }));
    await (0,promises_.symlink)(external_node_path_.resolve(layoutDir, 'blobs'), external_node_path_.join(into, 'blobs')).catch(error => {
        if (error.code !== 'EEXIST')
            throw error;
    });
    return into;
}
const RATE_LIMITED = /TOOMANYREQUESTS|too many requests|\b429\b|\b5\d\d\b (Internal Server Error|Bad Gateway|Service Unavailable|Gateway Timeout)|status code 5\d\d/i;
function lastLines(text, count = 12) {
    return text.trimEnd().split(/\r?\n/).slice(-count).join('\n');
}
/**
 * Runs Trivy on one target and reads its report; rate limits and server errors are retried. A run
 * past its deadline is stopped and not retried, and the report it wrote is read with a cap.
 */
async function scanTarget(target, settings, deps) {
    const output = external_node_path_.join(deps.workDir, `trivy-${slugOf(target.platform)}.json`);
    await (0,promises_.mkdir)(deps.workDir, { recursive: true });
    const args = trivyArgs(target, output, settings);
    await retry_withRetries(async () => {
        const result = await deps.exec(settings.binary, args, { timeoutMs: settings.timeoutMs });
        const said = deps.scrub(`${result.stderr}\n${result.stdout}`);
        if (result.timedOut) {
            throw new ScanError(`trivy did not finish on ${target.platform} within ${formatDuration(settings.timeoutMs)} (input "${Input.ScanTimeout}") and was stopped:\n${lastLines(said)}`);
        }
        if (result.exitCode === 0)
            return;
        if (RATE_LIMITED.test(said))
            throw new RetryableError(`trivy was refused by a registry (rate limit or server error): ${lastLines(said, 3)}`);
        throw new ScanError(`trivy failed on ${target.platform} (exit code ${result.exitCode}):\n${lastLines(said)}`);
    }, SCAN_DELAYS, deps.sleep, (error, wait) => deps.host.warning(`${error.message}; trying again in ${wait / 1000} s`));
    let text;
    try {
        text = await readRegularFile(output, FILE_LIMITS[Input.TrivyReport]);
    }
    catch (error) {
        if (error.code === 'ENOENT')
            throw new ScanError(`trivy exited without error on ${target.platform} but wrote no report at ${output}`);
        throw new ScanError(`trivy's report for ${target.platform} cannot be read (${error.message})`);
    }
    return parseTrivyReport(text, `trivy's report for ${target.platform}`);
}
/** Keys of the vulnerability DB cache: one per day, falling back to the newest earlier one. */
function dbCacheKeys(today) {
    const prefix = 'image-budget-trivy-db-';
    return { key: `${prefix}${today}`, prefix };
}
/** Restores yesterday's (or today's) DB into the cache folder; returns the key it came from. */
async function restoreDatabase(cache, cacheDir, today, host) {
    const { key, prefix } = dbCacheKeys(today);
    try {
        const matched = await cache.restore([cacheDir], key, [prefix]);
        host.info(matched ? `Trivy DB restored from cache entry ${matched}` : 'No Trivy DB in the cache: Trivy downloads it');
        return matched;
    }
    catch (error) {
        host.warning(`The Trivy DB could not be restored from the cache: ${error.message}`);
        return undefined;
    }
}
/** Saves the DB once a day (a restored entry of today is not saved again); never fails the step. */
async function saveDatabase(cache, cacheDir, today, restoredKey, host) {
    const { key } = dbCacheKeys(today);
    if (restoredKey === key)
        return;
    try {
        await cache.save([cacheDir], key);
    }
    catch (error) {
        host.warning(`The Trivy DB could not be saved to the cache: ${error.message}`);
    }
}

;// CONCATENATED MODULE: ./src/scan/scan-step.ts














async function readIgnores(inputs, cwd) {
    const rules = [];
    for (const file of inputs.trivyignores) {
        const text = await readInputFile(Input.Trivyignores, file, external_node_path_.resolve(cwd, file));
        try {
            rules.push(...parseIgnoreFile(text, file));
        }
        catch (error) {
            if (error instanceof IgnoreFileError)
                throw new InputError(`Input "${Input.Trivyignores}": ${error.message}`);
            throw error;
        }
    }
    return rules;
}
function findingReports(result, platform) {
    return worstFirst(result.findings).map(finding => {
        // Trivy names a layer by its blob digest when it read the blob, and by its DiffID always.
        const layer = platform.layers.find(candidate => (finding.layer?.digest && candidate.digest === finding.layer.digest) || (finding.layer?.diffId && candidate.diffId === finding.layer.diffId));
        return {
            id: finding.id,
            package: finding.package,
            installed: finding.installed,
            ...(finding.fixed ? { fixed: finding.fixed } : {}),
            severity: finding.severity,
            ...(finding.link ? { link: finding.link } : {}),
            ...(finding.title ? { title: finding.title } : {}),
            ...(layer
                ? { layer: { layer: layer.digest, ...(layer.instruction ? { instruction: layer.instruction, line: layer.line } : {}), ...(layer.stage ? { stage: layer.stage } : {}) } }
                : finding.layer?.digest
                    ? { layer: { layer: finding.layer.digest } }
                    : {})
        };
    });
}
/** The worst count of each severity over the platforms: the `vulnerabilities` output. */
function worstCounts(platforms) {
    const counts = emptyCounts();
    for (const platform of platforms) {
        for (const severity of SEVERITIES)
            counts[severity] = Math.max(counts[severity], platform.vulnerabilities?.[severity] ?? 0);
    }
    return counts;
}
/**
 * Scans the final image of every platform with Trivy (or reads the report given with
 * `trivy-report`), keeps the findings that count, and puts counts and findings in the report.
 * When Trivy cannot run, the step fails or warns as `scan-failure` says; sizes are reported either way.
 */
async function scanStep(input, deps) {
    const { inputs, report } = input;
    if (!inputs.scan && inputs['trivy-report'] === '')
        return {};
    let timeoutMs;
    try {
        timeoutMs = parseDuration(inputs['scan-timeout'] || DEFAULT_SCAN_TIMEOUT);
    }
    catch (error) {
        if (error instanceof SizeError)
            throw new InputError(`Input "${Input.ScanTimeout}": ${error.message}`);
        throw error;
    }
    const ignores = await readIgnores(inputs, deps.cwd);
    const scrub = createScrubber(secretValues(inputs, deps.env ?? process.env));
    const today = new Date(deps.clock.now()).toISOString().slice(0, 10);
    const filter = { severities: inputs.severity, ignoreUnfixed: inputs['ignore-unfixed'], ignores, today };
    report.scan = { source: '', severities: inputs.severity, ignoreUnfixed: inputs['ignore-unfixed'], ignored: 0, expiredIgnores: [] };
    const scan = report.scan;
    const sarifFindings = [];
    try {
        const results = new Map();
        if (inputs['trivy-report'] !== '') {
            const text = await readInputFile(Input.TrivyReport, inputs['trivy-report'], external_node_path_.resolve(deps.cwd, inputs['trivy-report']));
            const parsed = parseTrivyReport(text, inputs['trivy-report']);
            scan.source = inputs['trivy-report'];
            for (const platform of input.platforms)
                results.set(platform.platform, parsed);
        }
        else {
            const version = checkVersionInput(inputs['trivy-version']);
            const binary = await deps.host.group(`Install trivy ${version}`, () => installTrivy(version, { exec: deps.exec, host: deps.host, fetch: deps.fetch, sleep: deps.sleep, toolDir: deps.toolDir, cache: deps.cache, releases: deps.releases }));
            scan.source = `trivy ${version}`;
            const restored = deps.cache ? await restoreDatabase(deps.cache, deps.trivyCacheDir, today, deps.host) : undefined;
            const settings = {
                binary,
                cacheDir: deps.trivyCacheDir,
                dbRepositories: inputs['trivy-db-repository'].length > 0 ? inputs['trivy-db-repository'] : DEFAULT_DB_REPOSITORIES,
                timeoutMs
            };
            for (const platform of input.platforms) {
                const target = await input.targetFor(platform, external_node_path_.join(deps.workDir, 'scan', slugOf(platform.platform)));
                const result = await deps.host.group(`Scan ${platform.platform} with trivy`, () => scanTarget(target, settings, { exec: deps.exec, host: deps.host, sleep: deps.sleep, workDir: deps.workDir, scrub }));
                results.set(platform.platform, result);
            }
            if (deps.cache)
                await saveDatabase(deps.cache, deps.trivyCacheDir, today, restored, deps.host);
        }
        const expired = new Set();
        for (const platform of report.platforms) {
            const result = results.get(platform.platform);
            if (!result)
                continue;
            const counted = filterFindings(result, filter);
            platform.vulnerabilities = counted.vulnerabilities;
            platform.fixable = counted.fixable;
            // What Trivy or a given report says is quoted in the report, the comment and SARIF.
            platform.findings = scrubDeep(findingReports(counted, platform), scrub);
            scan.ignored += counted.ignored;
            for (const rule of counted.expired)
                expired.add(`${rule.id} (${rule.source}, expired ${rule.expires})`);
            for (const finding of platform.findings) {
                sarifFindings.push({ ...finding, platform: platform.platform, file: input.dockerfile, line: finding.layer?.line });
            }
        }
        scan.expiredIgnores = [...expired];
        for (const rule of scan.expiredIgnores)
            deps.host.warning(`An ignore rule has expired and no longer suppresses: ${rule}`);
    }
    catch (error) {
        if (error instanceof Error)
            error.message = scrub(error.message);
        if (error instanceof InputError || inputs['scan-failure'] === 'error')
            throw error;
        scan.error = error.message;
        deps.host.warning(`The image was not scanned (scan-failure: warning): ${scan.error}`);
        return {};
    }
    // Outside the scan's failure policy: an output that cannot be written is an error, not a skipped scan.
    if (inputs.sarif === '')
        return {};
    const sarifPath = external_node_path_.resolve(deps.cwd, inputs.sarif);
    const roots = writeRoots({ cwd: deps.cwd, tempRoot: deps.tempRoot ?? deps.workDir, env: deps.env ?? process.env });
    await writeFileSafely(sarifPath, `${JSON.stringify(toSarif(sarifFindings, input.dockerfile, input.version), null, 2)}\n`, { roots, what: `the SARIF file (input "${Input.Sarif}")` });
    return { sarifPath };
}

;// CONCATENATED MODULE: ./src/preflight.ts
// Checks of every input that names a file, a version or a reference, made before the build starts:
// a bad value never costs a build, and is named in the error with the input it came from.










async function checkTrivyReport(file, cwd) {
    let text;
    try {
        text = await (0,promises_.readFile)(external_node_path_.resolve(cwd, file), 'utf8');
    }
    catch (error) {
        throw new InputError(`Input "${Input.TrivyReport}": cannot read "${file}" (${error.code ?? error.message})`);
    }
    try {
        parseTrivyReport(text, file);
    }
    catch (error) {
        throw new InputError(`Input "${Input.TrivyReport}": ${error.message}`);
    }
}
async function checkBaseline(wanted, cwd) {
    if (wanted === 'auto' || wanted === 'none' || wanted === 'build')
        return;
    const file = external_node_path_.resolve(cwd, wanted);
    if (looksLikeFile(wanted) || (await (0,promises_.stat)(file).catch(() => undefined))) {
        try {
            await readBaselineFile(file, wanted);
        }
        catch (error) {
            throw new InputError(error.message);
        }
        return;
    }
    try {
        parseReference(wanted);
    }
    catch (error) {
        if (error instanceof ReferenceError) {
            throw new InputError(`Input "${Input.Baseline}": "${wanted}" is not auto, build, none, a report file or an image reference (${error.message})`);
        }
        throw error;
    }
}
/** Throws an InputError for the first input that cannot work; reads files, builds nothing. */
async function preflight(inputs, cwd) {
    if (inputs.scan && inputs['trivy-report'] === '') {
        try {
            checkVersionInput(inputs['trivy-version']);
        }
        catch (error) {
            throw new InputError(error.message);
        }
    }
    if (inputs['trivy-report'] !== '')
        await checkTrivyReport(inputs['trivy-report'], cwd);
    await readIgnores(inputs, cwd);
    await checkBaseline(inputs.baseline, cwd);
}

;// CONCATENATED MODULE: ./src/pipeline/stages.ts
// The stages of one image, in order: prepare → build | open → measure → scan → compare → judge.
// Each takes the spec (and what earlier stages returned) and returns a value; side effects come in
// through the context. Only scan writes into the report it is handed, the findings of each platform.





























/** The version written into SARIF files. */
const ACTION_VERSION = '1.0.0';
/**
 * Reads the Dockerfile before building, failing with the input's name when it or the context is
 * missing. Undefined for a remote context whose Dockerfile is not local.
 */
async function readDockerfile(inputs, cwd) {
    if (isRemoteContext(inputs.context) && inputs.file === '')
        return undefined;
    if (isRemoteContext(inputs.context)) {
        const file = external_node_path_.resolve(cwd, inputs.file);
        return parseDockerfile(external_node_path_.relative(cwd, file), await readRegularFile(file, FILE_LIMITS[Input.File]));
    }
    const context = external_node_path_.resolve(cwd, inputs.context);
    const contextStat = await (0,promises_.stat)(context).catch(() => undefined);
    if (!contextStat?.isDirectory()) {
        throw new InputError(`Input "${Input.Context}": "${inputs.context}" is not a directory (resolved to ${context})`);
    }
    const dockerfile = inputs.file !== '' ? external_node_path_.resolve(cwd, inputs.file) : external_node_path_.join(context, 'Dockerfile');
    let text;
    try {
        text = await readRegularFile(dockerfile, FILE_LIMITS[Input.File]);
    }
    catch (error) {
        const code = error.code;
        const problem = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? error.message})`;
        const shown = inputs.file !== '' ? inputs.file : external_node_path_.relative(cwd, dockerfile);
        throw new InputError(`Input "${Input.File}": the Dockerfile "${shown}" ${problem} (resolved to ${dockerfile})`);
    }
    const parsed = parseDockerfile(external_node_path_.relative(cwd, dockerfile), text);
    // A target that is not a stage fails here, with the input's name, rather than in the build.
    finalStage(parsed, inputs.target);
    return parsed;
}
/** Every input that names a file, version or reference is checked, and the Dockerfile read: before anything is built. */
async function prepare(spec, context) {
    if (spec.budgetFile)
        context.host.info(`Budgets from ${spec.budgetFile}`);
    await preflight(spec.inputs, context.cwd);
    checkBaseBuild(spec, context);
    if (spec.origin.kind === 'build')
        refuseStdoutOutputs(spec.inputs);
    if (spec.origin.kind === 'image')
        return {};
    return { dockerfile: await readDockerfile(spec.inputs, context.cwd) };
}
/** Opens the layer store, restoring the image's layer index from the Actions cache when there is one. */
async function openLayers(spec, context) {
    const store = new LayerStore(context.layerCacheDir ?? external_node_path_.join(context.workDir, 'layers'));
    const kept = context.cache && context.layerCacheDir ? { backend: context.cache, dir: context.layerCacheDir, name: spec.name, env: context.env } : undefined;
    const restoredKey = kept ? await restoreLayers(kept, context.host) : undefined;
    return { store, kept, restoredKey };
}
const streamedLayerNote = (host) => (digest, size) => host.info(`reading layer ${digest} (${size_formatSize(size)} compressed) as the image streams`);
/**
 * Builds an image that is not pushed and opens what it exported: pushed to the step's registry
 * (`export-mode: registry`, what auto picks where the builder reaches it), the layout folder buildx
 * wrote (`folder`), or (`stream`) the OCI tar on buildx's standard output, read as it comes with no
 * copy on disk; then with `keepLayout` (Trivy scans it) its blobs are also written to a layout
 * folder as they pass.
 */
async function exportedBuild(spec, deps, context, keepLayout) {
    const { host } = context;
    const keepIn = keepLayout ? external_node_path_.join(deps.workDir, 'oci') : undefined;
    // Asked here once: the build's defaults depend on it too.
    const store = await imageStore(context.exec, spec.inputs.builder, context.cwd);
    const requested = spec.inputs['export-mode'];
    const mode = chosenExportMode(requested, store, requested === 'auto' && store === 'containerd' && (await engineOnThisHost(context.exec, context.cwd)));
    // The classic store's load says so itself.
    if (requested === 'auto' && store !== 'classic')
        host.info(autoModeNote(mode, store));
    if (mode === 'registry')
        return pushedToStep(spec, deps, context, keepIn, store);
    const known = { ...deps, imageStore: store };
    if (store === 'classic')
        return loadedIntoEngine(spec, known, context, keepLayout);
    if (mode === 'folder') {
        const build = await host.group(`Build ${spec.name}`, () => runBuild(spec, known));
        return { build, source: new OciDirectorySource(build.ociDir) };
    }
    const layers = await openLayers(spec, context);
    const source = new StreamedLayoutSource(`the build of ${spec.name}`, () => {
        throw new BlobIntegrityError(`the build of ${spec.name} exported no image to read`);
    });
    const exportTo = (stdout) => source.readFrom({ stream: stdout, finished: Promise.resolve() }, layers.store, streamedLayerNote(host), keepIn);
    const build = await host.group(`Build ${spec.name}`, () => runBuild(spec, { ...known, exportTo }));
    return { build: { ...build, ...(keepIn ? { ociDir: keepIn } : {}) }, source, layers };
}
/** What `export-mode: auto` chose, and why, for the log. */
function autoModeNote(mode, store) {
    if (mode === 'registry') {
        return 'export-mode auto: the build is pushed to a registry the step serves on 127.0.0.1 (the docker driver of an engine on this machine, with the containerd image store), which is sent only the layers not read before';
    }
    const builder = typeof store === 'object' ? `the ${store.driver || 'unknown'} driver, whose BuildKit does not reach 127.0.0.1 of this machine` : 'an engine that is not on this machine';
    return `export-mode auto: the build is written to an OCI layout folder (${builder})`;
}
/**
 * `export-mode: registry`: the build pushes the image to a registry the step serves on 127.0.0.1,
 * which says it has every layer the layer store read before (never sent) and reads the others as
 * they are pushed. Only a builder on this machine's network reaches it: the docker driver's.
 */
async function pushedToStep(spec, deps, context, keepIn, store) {
    const { host } = context;
    if (typeof store === 'object') {
        const builder = spec.inputs.builder === '' ? 'the current builder' : `builder "${spec.inputs.builder}"`;
        throw new InputError(`Input "${Input.ExportMode}": "registry" needs a builder that reaches 127.0.0.1 of this machine (the docker driver), and ${builder} uses the ${store.driver || 'unknown'} driver: use folder or stream`);
    }
    if (store === 'classic') {
        // On the classic store the engine stores the image and pushes it itself, in chunks: untested, and refused rather than half taken.
        throw new InputError(`Input "${Input.ExportMode}": "registry" needs an engine with the containerd image store, and this engine uses the classic store: use folder or stream`);
    }
    // Refused before the layer index is restored: nothing is fetched for a build that cannot run.
    const layers = await openLayers(spec, context);
    const sink = new PushSink(`the build of ${spec.name}`, layers.store, streamedLayerNote(host), keepIn);
    const pushTo = await sink.start();
    let build;
    let source;
    try {
        build = await host.group(`Build ${spec.name}`, () => runBuild(spec, { ...deps, pushTo, imageStore: store }));
        source = await sink.finish();
        const { blobs, bytes, layersHad } = sink.traffic;
        host.info(`The build sent ${blobs} blobs (${size_formatSize(bytes)}) to the step; ${layersHad.size} layers read before were not sent`);
    }
    catch (error) {
        await sink.abandon();
        throw error;
    }
    return { build: { ...build, ...(keepIn ? { ociDir: keepIn } : {}) }, source, layers };
}
/**
 * A docker driver on the classic image store exports no OCI layout (buildx refuses): the build is
 * loaded into the engine under a name of the step's, measured from there as an engine image is,
 * and that name removed once the run is over (the user's tags stay when `load` asked for them).
 */
async function loadedIntoEngine(spec, deps, context, archiveNeeded) {
    const { host } = context;
    if (spec.inputs.platforms.length > 1) {
        throw new InputError(`Input "${Input.Platforms}": "${spec.inputs.platforms.join(',')}" needs the docker-container driver (docker/setup-buildx-action) or the containerd image store, and this engine's docker driver keeps images in the classic store, which holds one platform`);
    }
    const loadAs = `image-budget-${(0,external_node_crypto_.randomBytes)(12).toString('hex')}:measured`;
    host.info(`The engine keeps images in its classic store, from which buildx exports no OCI layout: the build is loaded into the engine as ${loadAs} and measured there`);
    const release = async () => {
        const removed = await context.exec('docker', ['image', 'rm', loadAs], { silent: true, cwd: context.cwd });
        // A build that failed loaded nothing.
        if (removed.exitCode !== 0 && !/No such image/i.test(removed.stderr))
            host.warning(`${loadAs} could not be removed from the engine: ${removed.stderr.trim()}`);
    };
    try {
        const build = await host.group(`Build ${spec.name}`, () => runBuild(spec, { ...deps, loadAs }));
        const opened = await openImageInput(loadAs, { ...context, archiveNeeded });
        if (opened.origin !== 'engine')
            throw new Error(`the build was not loaded into the engine as ${loadAs}`);
        return { build, source: opened.source, archive: opened.archive, release };
    }
    catch (error) {
        await release();
        throw error;
    }
}
/** Builds the image (build) or finds the existing one (open). */
async function produce(spec, context) {
    const { host } = context;
    if (spec.origin.kind === 'image') {
        const reference = spec.origin.reference;
        const opened = await host.group(`Open image ${reference}`, () => openImageInput(reference, { ...context, archiveNeeded: trivyScans(spec.inputs) }));
        return { source: opened.source, archive: opened.archive, engineImageId: opened.imageId };
    }
    if (spec.origin.kind === 'bake') {
        const build = context.bake?.get(spec.origin.target);
        if (!build)
            throw new Error(`the bake run has no result for target ${spec.origin.target}`);
        return { build, source: new OciDirectorySource(build.ociDir) };
    }
    const github = context.github;
    const run = github
        ? { runAttemptUrl: github.context.runAttemptUrl, privateRepository: github.context.privateRepository, serverUrl: github.context.serverUrl, token: github.token ?? '', repository: `${github.context.owner}/${github.context.repo}` }
        : undefined;
    const deps = { ...context, run, actionsCache: context.actionsCache };
    if (spec.inputs.call !== '')
        return { build: await host.group(`Build ${spec.name}`, () => runBuild(spec, deps)) };
    if (!measuredFromRegistry(spec.inputs))
        return exportedBuild(spec, deps, context, trivyScans(spec.inputs));
    const build = await host.group(`Build ${spec.name}`, () => runBuild(spec, deps));
    try {
        const pushed = await pushedSource(spec.inputs.tags[0], build, context);
        return { build, source: pushed.source, pushed: pushed.reference };
    }
    catch (error) {
        // Credentials the registry wants may live where only the engine reads them (a credential helper).
        host.warning(`The pushed image could not be read from its registry (${error.message}): it is exported from the build to be measured instead`);
        const exportSpec = { ...spec, inputs: { ...spec.inputs, push: false, load: false, outputs: [] } };
        const exported = await exportedBuild(exportSpec, { ...deps, workDir: external_node_path_.join(context.workDir, 'export') }, context, trivyScans(spec.inputs));
        return { ...exported, build: { ...build, ...(exported.build?.ociDir ? { ociDir: exported.build.ociDir } : {}) } };
    }
}
/**
 * The image a build pushed, read from its registry by digest: the registry's digest of the tag,
 * else the one buildx wrote (the tag alone when neither is known). Its root manifest is read here,
 * so that a registry this step cannot read is known before measuring.
 */
async function pushedSource(tag, build, context) {
    const named = parseReference(tag);
    const written = build.metadata['containerimage.digest'];
    const digest = build.pushedDigest ?? (typeof written === 'string' && /^sha256:[a-f0-9]{64}$/.test(written) ? written : undefined);
    const reference = digest ? { ...named, tag: undefined, digest } : named;
    const source = new RegistrySource(reference, await dockerConfigAuth(reference.registry, context.env), { fetch: context.fetch });
    await source.roots();
    return { source, reference: digest ? formatReference(reference) : tag };
}
/**
 * Measures every platform from its layers (the layer index kept between runs where there is one).
 * `onPlatform` receives each platform as soon as it is measured, so that a later failure keeps it.
 */
async function measure(spec, prepared, produced, context, onPlatform) {
    const { host } = context;
    const { source } = produced;
    return host.group(`Measure ${spec.name}`, async () => {
        const { store, kept, restoredKey } = produced.layers ?? (await openLayers(spec, context));
        const image = await resolveForMeasuring(source, store, streamedLayerNote(host));
        const smells = await analyzeImage({
            source,
            image,
            store,
            dockerfile: prepared.dockerfile,
            target: spec.inputs.target,
            contextDir: prepared.dockerfile && !isRemoteContext(spec.inputs.context) ? external_node_path_.resolve(context.cwd, spec.inputs.context) : undefined,
            settings: spec.smells,
            onLayer: (platform, index, layer) => host.info(`${platform}: reading layer ${index + 1}, ${layer.digest} (${size_formatSize(layer.size)} compressed)`),
            onPlatform
        });
        if (kept)
            await saveLayers(kept, store, restoredKey, host);
        return { image, smells };
    });
}
/** Scans each platform's final image with Trivy (or reads the given report) into the report's platforms. */
async function scan(spec, prepared, produced, measured, report, context) {
    const ociDir = produced.build?.ociDir;
    // The scan opens log groups of its own (install, one per platform): Actions does not nest them.
    return scanStep({
        inputs: spec.inputs,
        report,
        platforms: measured.image.platforms,
        targetFor: async (platform, dir) => {
            if (ociDir)
                return { kind: 'layout', dir: await platformLayout(ociDir, platform.manifest, dir), platform: platform.platform };
            if (produced.archive)
                return { kind: 'archive', file: produced.archive, platform: platform.platform };
            return { kind: 'registry', reference: produced.pushed ?? spec.inputs.image, platform: platform.platform };
        },
        dockerfile: prepared.dockerfile?.path,
        version: ACTION_VERSION
    }, { ...context, releases: context.trivyReleases });
}
/** `baseline: build` can never work here: refused before anything is built. */
function checkBaseBuild(spec, context) {
    const { inputs } = spec;
    if (inputs.baseline !== 'build')
        return;
    if (spec.origin.kind !== 'build') {
        throw new InputError(`Input "${Input.Baseline}": build builds the merge base of what is built, and "${Input.Image}" measures an existing image: compare with a report or an image instead`);
    }
    refuseRemoteBase(inputs);
    // Handed to git as an argument: never an option (`--upload-pack=…`), never more than a revision.
    if (inputs['baseline-ref'] !== '' && !/^[\w./~^@{}+][\w./~^@{}+-]*$/.test(inputs['baseline-ref'])) {
        throw new InputError(`Input "${Input.BaselineRef}": "${inputs['baseline-ref']}" is not a branch, tag or commit`);
    }
    if (!context.github && inputs['baseline-ref'] === '') {
        throw new InputError(`Input "${Input.Baseline}": build outside a pull request needs "${Input.BaselineRef}", the branch or commit to compare with (e.g. --${Input.BaselineRef} origin/main)`);
    }
}
/** The baseline the spec asks for, applied to the report's platforms; none when there is none (yet). */
async function compare(spec, report, context) {
    const loaded = await loadBaseline(spec.inputs, spec.name, baselineDepsOf(spec, context));
    const built = loaded || spec.inputs.baseline !== 'build' ? { baseline: loaded } : await buildBaseline(spec, context);
    if (built.baseline)
        applyBaseline(report, built.baseline);
    return built;
}
/**
 * The commit or ref whose merge base with HEAD `baseline: build` builds, or why there is none. A
 * pull request whose event names no base commit (or one that is not a commit ID) has a base all
 * the same: with nothing to build, its increase fails unjudged rather than passing unchecked.
 */
function baseToBuild(inputs, github) {
    const pullRequest = isPullRequest(github) ? github.pullRequest : undefined;
    const wanted = inputs['baseline-ref'] || pullRequest?.baseSha;
    if (wanted)
        return wanted;
    if (pullRequest)
        return { missing: 'the pull request event names no base commit to build', failed: true };
    return { missing: `this ${github?.eventName ?? ''} run is not for a pull request, and no ${Input.BaselineRef} names the commit to build` };
}
/**
 * `baseline: build` with no report of the base kept: the merge base is checked out in a worktree,
 * built with the same inputs (its paths in the worktree, nothing pushed, loaded or cached) and
 * measured as the head was. A merge base that cannot be found fails the run; a base that does not
 * build is a warning and no baseline, which the notices name.
 */
async function buildBaseline(spec, context) {
    const { host, exec } = context;
    const chosen = baseToBuild(spec.inputs, context.github?.context);
    if (typeof chosen !== 'string')
        return chosen;
    const wanted = chosen;
    const root = await repositoryRoot(exec, context.cwd);
    const commit = await findMergeBase(exec, root, wanted, message => host.info(message));
    const short = commit.slice(0, 12);
    const tree = external_node_path_.join(context.workDir, 'base-tree');
    const workDir = external_node_path_.join(context.workDir, 'base');
    const inTree = treePath(await (0,promises_.realpath)(context.cwd), root, tree);
    const derived = baseBuildInputs(spec.inputs, cacheSpecs(spec.inputs, spec.name, context.env), inTree);
    const base = { ...spec, name: `${spec.name} at ${short}`, inputs: derived.inputs };
    const baseCwd = inTree(context.cwd).path;
    let removeTree;
    let release;
    try {
        removeTree = await addWorktree(exec, root, commit, tree);
        const file = derived.inputs.file !== '' ? derived.inputs.file : external_node_path_.join(derived.inputs.context, 'Dockerfile');
        if (!(await (0,promises_.stat)(file).catch(() => undefined))) {
            const shown = external_node_path_.relative(tree, file);
            // A Dockerfile the head's commit does not hold either (made by an earlier step) says nothing of
            // the base: its absence there is no new image, and the increase cannot be judged.
            if (!(await isCommitted(exec, root, shown))) {
                throw new Error(`${shown} is not in the commit checked out (made by an earlier step?), so the merge base has none to build`);
            }
            host.info(`The merge base ${commit} has no ${shown}: there is no baseline to build`);
            return { missing: `the merge base ${short} has no ${shown} (the image is new)` };
        }
        const dockerfile = await readDockerfile(derived.inputs, baseCwd);
        await (0,promises_.mkdir)(workDir, { recursive: true });
        // No Actions cache: the layer index the head restored is read, and saved by the head alone.
        const baseContext = { ...context, cache: undefined, cwd: baseCwd, workDir };
        const built = await exportedBuild({ ...base, name: `the baseline of ${spec.name} from ${short}` }, 
        // Run where the head's build runs: what is not taken from the worktree (a local cache, an
        // oci-layout context, an ssh key) is read where the head reads it, not looked for in the worktree.
        { ...context, workDir, buildCache: derived.cache, actionsCache: context.actionsCache }, baseContext, false);
        release = built.release;
        const platforms = [];
        const measured = await measure(base, { dockerfile }, { source: built.source, layers: built.layers }, baseContext, platform => platforms.push(platform));
        host.info(`Baseline built from ${commit}`);
        return { baseline: { ...baselineFromReport({ platforms }, 'build', commit), digest: measured.image.digest } };
    }
    catch (error) {
        const message = error.message;
        host.warning(`The baseline could not be built from ${commit}: ${message}`);
        return { missing: `the merge base ${short} could not be built (${message.split('\n')[0]})`, failed: true };
    }
    finally {
        // What the base's build left in the engine (on the classic store) goes once it is measured.
        await release?.().catch((error) => host.warning(error.message));
        await removeTree?.();
    }
}
function baselineDepsOf(spec, context) {
    return {
        host: context.host,
        cwd: context.cwd,
        env: context.env,
        fetch: context.fetch,
        cache: context.cache,
        github: context.github?.context,
        dir: baselineDir(context.tempRoot, spec.name)
    };
}
/** The budgets of the spec against what was measured, and the verdict. */
function judge(spec, report, compared = {}) {
    // A baseline asked to be built that did not build fails max-size-increase rather than skipping it: a wrong pass is worse.
    const platforms = compared.failed && compared.missing ? report.platforms.map(platform => ({ ...platform, baselineUnresolved: compared.missing })) : report.platforms;
    const budgets = evaluateBudgets(spec.budgets, platforms);
    return { budgets, verdict: verdictOf(budgets, report.smells) };
}

;// CONCATENATED MODULE: ./src/pipeline/run-image.ts
// One image through its stages. The report is assembled from what each stage returns, as soon as it
// returns, so that a failure keeps everything measured before it; the image's work folder (which
// holds its secret files) goes in `finally`, whatever happens.







/** Folders of runs in progress: what a signal handler must remove (they hold secret files). */
const workFolders = new Set();
function startReport(spec, deps) {
    const report = emptyReport(spec.name);
    report.createdAt = new Date(deps.clock.now()).toISOString();
    if (deps.github?.context.sha)
        report.commit = deps.github.context.sha;
    const pullRequest = deps.github?.context.pullRequest;
    if (pullRequest)
        report.pullRequest = { number: pullRequest.number, head: pullRequest.headSha };
    return report;
}
/** `call: check` findings become the report's call section and verdict (and annotations, by the writers). */
function callOutcome(report, build, host) {
    const checks = build.call?.checks ?? [];
    if (build.call.method !== 'check')
        host.info(build.call.output);
    report.call = { method: build.call.method, checks };
    report.verdict = checks.length > 0 ? 'fail' : 'pass';
}
async function runImage(spec, host, deps, options = {}) {
    const report = startReport(spec, deps);
    const run = { spec, report };
    options.onStart?.(run);
    await (0,promises_.mkdir)(deps.tempRoot, { recursive: true });
    const workDir = await (0,promises_.mkdtemp)(external_node_path_.join(deps.tempRoot, 'image-budget-'));
    workFolders.add(workDir);
    const context = { ...deps, host, workDir, ...(options.bake ? { bake: options.bake } : {}) };
    let release;
    try {
        const prepared = await prepare(spec, context);
        run.dockerfile = prepared.dockerfile;
        const produced = await produce(spec, context);
        release = produced.release;
        run.build = produced.build;
        run.engineImageId = produced.engineImageId;
        const build = produced.build;
        if (build)
            report.build = { seconds: build.seconds, steps: build.steps, cachedSteps: build.cachedSteps, ...(build.actionsCache ? { actionsCache: build.actionsCache } : {}) };
        if (produced.source === undefined) {
            if (build?.call)
                callOutcome(report, build, host);
            return run;
        }
        const measured = await measure(spec, prepared, { source: produced.source, layers: produced.layers }, context, platform => report.platforms.push(platform));
        report.digest = measured.image.digest;
        report.smells = measured.smells;
        if (measured.image.platforms.length === 1)
            run.configDigest = measured.image.platforms[0].config.digest;
        run.sarifPath = (await scan(spec, prepared, produced, measured, report, context)).sarifPath;
        const compared = await compare(spec, report, context);
        await recallHistory(spec.inputs, spec.name, spec.budgets, report, { host, github: deps.github });
        const judged = judge(spec, report, compared);
        report.budgets = judged.budgets;
        report.verdict = judged.verdict;
        const notices = inapplicable(spec, report, compared);
        if (notices.length > 0)
            report.notices = notices;
    }
    catch (error) {
        run.failure = error;
        report.verdict = 'fail';
        report.error = error.message;
    }
    finally {
        // Nothing a program printed reaches the report, the comment, the summary or the API with a secret in it.
        scrubDeep(report, createScrubber(secretValues(spec.inputs, deps.env)));
        await release?.().catch((error) => host.warning(error.message));
        await (0,promises_.rm)(workDir, { recursive: true, force: true });
        workFolders.delete(workDir);
    }
    return run;
}

;// CONCATENATED MODULE: ./src/build/bake.ts
// docker buildx bake: the definition's targets (from `bake --print`) become one image each, all
// built in one bake run that also writes each target's OCI layout for measuring. Arguments come
// from pure functions, as for a single build.








/** Whether the inputs ask for a bake definition rather than one Dockerfile. */
const isBake = (inputs) => inputs.files.length > 0 || inputs.targets.length > 0 || inputs.source !== '';
/**
 * The default name of a bake run, its comment's key: from its targets, else its definition files,
 * so that two bake steps of one workflow keep two comments.
 */
function bakeRunName(inputs) {
    if (inputs.targets.length > 0)
        return inputs.targets.join('+');
    if (inputs.files.length > 0)
        return inputs.files.map(file => external_node_path_.basename(file).replace(/\.(hcl|json|ya?ml)$/, '')).join('+');
    return 'bake';
}
/** The flags every bake call shares: definition files, overrides, the source and the targets last. */
function definitionArgs(inputs) {
    const flags = [];
    if (inputs.builder !== '')
        flags.push('--builder', inputs.builder);
    for (const file of inputs.files)
        flags.push('--file', file);
    for (const override of inputs.set)
        flags.push('--set', override);
    return { flags, positionals: [...(inputs.source !== '' ? [inputs.source] : []), ...inputs.targets] };
}
/** `KEY=value` lines of `vars` as the environment bake reads its variables from. */
function bakeVariables(inputs) {
    const variables = {};
    for (const item of inputs.vars) {
        const separator = item.indexOf('=');
        if (separator <= 0)
            throw new InputError(`Input "${Input.Vars}": "${item}" is not of the form NAME=value`);
        variables[item.slice(0, separator).trim()] = item.slice(separator + 1);
    }
    return variables;
}
function printArgs(inputs) {
    const { flags, positionals } = definitionArgs(inputs);
    return ['buildx', 'bake', '--print', ...flags, ...positionals];
}
/** Where bake writes each target's layout: one folder per target, below the run's bake folder. */
function layoutDir(dir, target) {
    return external_node_path_.join(dir, 'oci', slugOf(target));
}
/** The argv of the one bake run that builds every target and writes each one's layout beside its outputs. */
function bakeArgs(inputs, targets, dir, driver = '') {
    const { flags, positionals } = definitionArgs(inputs);
    const args = ['buildx', 'bake', '--progress=plain', '--metadata-file', external_node_path_.join(dir, 'metadata.json'), ...flags];
    // Bake refuses to write outside its context without this entitlement.
    args.push('--allow', `fs.write=${dir}`);
    for (const allow of inputs.allow)
        args.push('--allow', allow);
    if (inputs['no-cache'])
        args.push('--no-cache');
    if (inputs.pull)
        args.push('--pull');
    if (inputs.provenance !== '')
        args.push('--provenance', attestationAttributes(inputs.provenance));
    if (inputs.sbom !== '')
        args.push('--sbom', attestationAttributes(inputs.sbom));
    // bake's --push and --load only apply to targets without outputs, and every target gets one
    // here (its layout): they become outputs of each target instead, as docker/bake-action means them.
    const outputs = [];
    if (inputs.push && inputs.load && driver === 'docker')
        outputs.push('type=image,push=true');
    else {
        if (inputs.push)
            outputs.push('type=registry');
        if (inputs.load)
            outputs.push('type=docker');
    }
    for (const target of targets) {
        for (const output of outputs)
            args.push('--set', `${target}.output+=${output}`);
        args.push('--set', `${target}.output+=type=oci,dest=${layoutDir(dir, target)},tar=false`);
    }
    return [...args, ...positionals];
}
const strings = (value) => (Array.isArray(value) ? value.filter((item) => typeof item === 'string') : []);
const pairs = (value) => value !== null && typeof value === 'object' && !Array.isArray(value)
    ? Object.entries(value).filter(([, v]) => typeof v === 'string').map(([k, v]) => `${k}=${v}`)
    : [];
/** Reads `bake --print`: `{ group, target: { name: { context, dockerfile, target, platforms, ... } } }`. */
function parseBakePrint(stdout, cwd) {
    let parsed;
    try {
        parsed = JSON.parse(stdout.slice(Math.max(0, stdout.indexOf('{'))));
    }
    catch {
        throw new InputError(`docker buildx bake --print did not print a bake definition: ${stdout.slice(0, 200)}`);
    }
    const targets = parsed.target;
    if (targets === null || typeof targets !== 'object' || Array.isArray(targets) || Object.keys(targets).length === 0) {
        throw new InputError(`Inputs "${Input.Files}" and "${Input.Targets}": the bake definition has no targets`);
    }
    return Object.entries(targets).map(([name, target]) => {
        const context = typeof target.context === 'string' ? target.context : '.';
        const remote = /^[a-z]+:\/\/|^git@/.test(context);
        const dockerfile = typeof target.dockerfile === 'string' ? target.dockerfile : 'Dockerfile';
        return {
            name,
            context: remote ? context : external_node_path_.relative(cwd, external_node_path_.resolve(cwd, context)) || '.',
            // bake reads the Dockerfile relative to the target's context.
            dockerfile: remote || external_node_path_.isAbsolute(dockerfile) ? dockerfile : external_node_path_.relative(cwd, external_node_path_.resolve(cwd, context, dockerfile)),
            target: typeof target.target === 'string' ? target.target : '',
            platforms: strings(target.platforms),
            tags: strings(target.tags),
            buildArgs: pairs(target.args),
            labels: pairs(target.labels)
        };
    });
}
/** The targets of the definition the inputs name. */
async function bakeTargets(inputs, deps) {
    const result = await deps.exec('docker', printArgs(inputs), { silent: true, cwd: deps.cwd, env: bakeVariables(inputs) });
    if (result.exitCode !== 0) {
        const problem = isEngineUnreachable(result.stderr) ? 'the Docker engine is not reachable' : describeFailure(`${result.stdout}\n${result.stderr}`);
        throw new InputError(`Inputs "${Input.Files}", "${Input.Targets}", "${Input.Set}": the bake definition cannot be read: ${problem}`);
    }
    return parseBakePrint(result.stdout, deps.cwd);
}
/** A single build's inputs for one target: what the stages after the build read (Dockerfile, stage, platforms, tags). */
function targetInputs(base, target) {
    return {
        ...base,
        name: target.name,
        context: target.context,
        file: target.dockerfile,
        target: target.target,
        platforms: target.platforms,
        tags: target.tags,
        'build-args': target.buildArgs,
        labels: target.labels
    };
}
// The docker driver's content store can refuse two exports writing one blob at once ("locked"): such a run is tried again.
const CONTENT_STORE_RACE = /locked for .* unavailable/;
/** Builds every target in one bake run; each target's result, as a single build's. */
async function runBake(inputs, targets, deps) {
    if ((await imageStore(deps.exec, inputs.builder, deps.cwd)) === 'classic') {
        // Every target is measured from the OCI layout bake exports, which that builder does not write.
        throw new InputError(`Input "${Input.Files}": a bake definition needs the docker-container driver (docker/setup-buildx-action) or the containerd image store, and this engine's docker driver keeps images in the classic store, from which buildx exports no OCI layout`);
    }
    const driver = inputs.push && inputs.load ? await builderDriver(deps.exec, inputs.builder, deps.cwd) : '';
    const args = bakeArgs(inputs, targets.map(target => target.name), deps.dir, driver);
    const started = deps.clock.now();
    let result = await deps.exec('docker', args, { cwd: deps.cwd, env: bakeVariables(inputs) });
    if (result.exitCode !== 0 && CONTENT_STORE_RACE.test(result.stderr)) {
        deps.host.warning('The engine refused two exports of one blob at once; building the bake definition again');
        result = await deps.exec('docker', args, { cwd: deps.cwd, env: bakeVariables(inputs) });
    }
    const seconds = Math.round((deps.clock.now() - started) / 100) / 10;
    if (result.exitCode !== 0)
        throw new BuildError(`docker buildx bake failed (exit code ${result.exitCode})\n${describeFailure(`${result.stdout}\n${result.stderr}`)}`);
    let metadata = {};
    try {
        metadata = JSON.parse(await (0,promises_.readFile)(external_node_path_.join(deps.dir, 'metadata.json'), 'utf8'));
    }
    catch {
        deps.host.warning('buildx bake wrote no metadata file: the digest outputs come from the measured images');
    }
    const results = new Map();
    for (const { name, tags } of targets) {
        const pushed = inputs.push && tags[0] ? await pushedDigest(deps.exec, tags[0], deps.cwd) : undefined;
        results.set(name, {
            ...parseProgress(result.stderr, name),
            seconds,
            ociDir: layoutDir(deps.dir, name),
            metadata: metadata[name] ?? {},
            ...(pushed ? { pushedDigest: pushed } : {})
        });
    }
    return results;
}

;// CONCATENATED MODULE: ./src/pipeline/spec.ts
// The images a run measures, resolved once from the inputs and the budget file: every stage after
// this takes an ImageSpec and nothing else of the configuration.








function defaultReportPath(name, tempRoot) {
    return external_node_path_.join(tempRoot, 'image-budget', `${slugOf(name)}.json`);
}
/** The report path asked for, or the default one of a name: known before anything else is read. */
function spec_reportPathOf(inputs, name, where) {
    return inputs.report !== '' ? external_node_path_.resolve(where.cwd, inputs.report) : defaultReportPath(name, where.tempRoot);
}
/**
 * Reads the budget file and checks the secret files: an ImageSpec per image the inputs name, one
 * per target of a bake definition (its budgets those of `images.<target>`).
 */
async function resolveSpecs(inputs, where) {
    if (!isBake(inputs))
        return [await resolveSpec(inputs, where, inputs.image !== '' ? { kind: 'image', reference: inputs.image } : { kind: 'build' })];
    if (inputs.image !== '')
        throw new InputError(`Input "${Input.Image}" measures an existing image: it cannot be given with a bake definition ("${Input.Files}", "${Input.Targets}", "${Input.Source}")`);
    if (inputs.baseline === 'build') {
        throw new InputError(`Input "${Input.Baseline}": build is not supported with a bake definition ("${Input.Files}", "${Input.Targets}", "${Input.Source}"): compare with the reports kept by baseline auto, a report or an image`);
    }
    const targets = await bakeTargets(inputs, where);
    const runName = inputs.name !== '' ? inputs.name : bakeRunName(inputs);
    // Each target's report goes in a folder of the run's, beside the run's own report: never on it.
    const folder = external_node_path_.join(external_node_path_.dirname(spec_reportPathOf(inputs, runName, where)), slugOf(runName));
    const slugs = new Map();
    for (const target of targets) {
        const other = slugs.get(slugOf(target.name));
        if (other !== undefined)
            throw new InputError(`Inputs "${Input.Files}", "${Input.Targets}": targets "${other}" and "${target.name}" would share files (${slugOf(target.name)}): rename one`);
        slugs.set(slugOf(target.name), target.name);
    }
    const specs = [];
    for (const target of targets) {
        const perTarget = { ...targetInputs(inputs, target), report: external_node_path_.join(folder, `${slugOf(target.name)}.json`) };
        specs.push(await resolveSpec(perTarget, where, { kind: 'bake', target: target.name }));
    }
    return specs;
}
async function resolveSpec(inputs, where, origin) {
    const config = await loadConfig(inputs, {
        cwd: where.cwd,
        readText: file => readRegularFile(file, FILE_LIMITS[Input.BudgetFile]),
        exists: file => (0,promises_.access)(file).then(() => true, () => false)
    });
    for (const secret of config.secretFiles) {
        await requireRegularFile(Input.SecretFiles, `${secret.id}=${external_node_path_.relative(where.cwd, secret.path)}`, secret.path);
    }
    return { ...config, reportPath: spec_reportPathOf(inputs, config.name, where), origin };
}

;// CONCATENATED MODULE: ./src/github/comment.ts

/** GitHub refuses comment bodies over 65,536 characters. */
const MAX_COMMENT_LENGTH = 65_536;
// A name may not end the HTML comment early: `--` is broken up.
const markerText = (name) => name.replace(/--/g, '- -');
/** The hidden marker that finds this image's comment again; one per image name. */
function commentMarker(name) {
    return `<!-- image-budget:comment:${markerText(name)} -->`;
}
/** The marker of combine mode's one comment, per status context; no image's marker starts like it. */
function combinedCommentMarker(statusContext) {
    return `<!-- image-budget:combined:${markerText(statusContext)} -->`;
}
/**
 * Fits a body under GitHub's limit: drops collapsed <details> sections from the end first, then
 * cuts, always keeping the marker, so the comment can still be found and updated.
 */
function fitComment(body, marker, limit = MAX_COMMENT_LENGTH) {
    let text = body;
    const note = '\n\n_Some details were left out to stay under GitHub’s comment size limit; the job summary and the report have them all._\n';
    while (text.length + marker.length + note.length + 2 > limit) {
        const last = text.lastIndexOf('<details>');
        if (last < 0)
            break;
        const end = text.indexOf('</details>', last);
        text = text.slice(0, last).trimEnd() + (end >= 0 ? text.slice(end + '</details>'.length) : '');
    }
    if (text !== body)
        text += note;
    if (text.length + marker.length + 1 > limit)
        text = `${text.slice(0, limit - marker.length - note.length - 2)}${note}`;
    return `${marker}\n${text}`;
}
/**
 * Creates or updates this image's comment on a pull request; a token that may not write only
 * notices. Lines matching `volatile` (a build time, the run link) change on every run: a body that
 * differs only there is left as it is.
 */
async function upsertComment(api, issue, name, body, host, volatile) {
    return upsertMarkedComment(api, issue, commentMarker(name), body, host, volatile);
}
/** The same for the comment that `marker` finds. */
async function upsertMarkedComment(api, issue, marker, body, host, volatile) {
    const wanted = fitComment(body, marker);
    const stable = (text) => (volatile ? text.split('\n').filter(line => !volatile.test(line)).join('\n') : text);
    try {
        const existing = await api.findComment(issue, comment => comment.body.startsWith(marker));
        if (existing && stable(existing.body) === stable(wanted))
            return 'unchanged';
        if (existing) {
            await api.updateComment(existing.id, wanted);
            return 'updated';
        }
        await api.createComment(issue, wanted);
        return 'created';
    }
    catch (error) {
        if (error instanceof GitHubApiError && (error.status === 403 || error.status === 404)) {
            host.notice(`No pull request comment: the token may not write to pull request #${issue} ` +
                '(a pull request from a fork, or no "pull-requests: write" permission). The job summary has the results; see the README for commenting from a workflow_run.', { title: 'image-budget' });
            return 'not-allowed';
        }
        throw error;
    }
}

;// CONCATENATED MODULE: ./src/report/compare.ts


/** Growth above this share of the baseline is marked in tables. */
const GROWTH_MARK = 0.05;
function formatChange(bytes, share) {
    if (bytes === null)
        return 'n/a';
    if (bytes === 0)
        return '±0';
    const sign = bytes > 0 ? '+' : '-';
    const percent = share === null ? '' : ` (${sign}${Math.abs(share * 100).toFixed(1)}%)`;
    const mark = share !== null && share > GROWTH_MARK ? ' 🔺' : bytes < 0 ? ' 🔽' : '';
    return `${sign}${size_formatSize(Math.abs(bytes))}${percent}${mark}`;
}
const signed = (value) => (value > 0 ? `+${value}` : value === 0 ? '±0' : String(value));
/** Size, compressed size and layers of each platform next to their change against the baseline. */
function deltaTable(report) {
    if (!report.baseline)
        return undefined;
    return {
        headers: ['Platform', 'Size', 'Change', 'Compressed', 'Change', 'Layers', 'Wasted'],
        align: ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
        rows: report.platforms.map(platform => {
            const delta = platform.delta;
            if (!delta)
                return [platform.platform, size_formatSize(platform.size), 'new', size_formatSize(platform.compressedSize), 'new', String(platform.layerCount), size_formatSize(platform.wastedBytes)];
            return [
                platform.platform,
                size_formatSize(platform.size),
                formatChange(delta.size, delta.sizeRatio),
                size_formatSize(platform.compressedSize),
                formatChange(delta.compressedSize, delta.compressedSizeRatio),
                `${platform.layerCount} (${signed(delta.layerCount)})`,
                delta.wastedBytes === null ? size_formatSize(platform.wastedBytes) : `${size_formatSize(platform.wastedBytes)} (${formatChange(delta.wastedBytes, null)})`
            ];
        })
    };
}
/** `@aws-sdk/client-s3 3.1.0 added (npm)`, `libssl3 3.0.11 → 3.0.13 (deb)`. */
function packageChangeText(change) {
    const shown = change.version || change.baseVersion;
    const version = change.change === 'changed' && change.baseVersion !== undefined ? ` ${change.baseVersion} → ${change.version}` : shown ? ` ${shown}` : '';
    return `${change.name}${version} ${change.change} (${change.ecosystem})`;
}
/** The stages, Dockerfile lines and packages whose bytes changed most. */
function changeTable(report) {
    const rows = report.platforms.flatMap(platform => [
        ...(platform.delta?.stages ?? []).map(change => [platform.platform, `stage ${change.name}`, '', formatChange(change.bytes, null)]),
        ...(platform.delta?.instructions ?? []).map(change => [platform.platform, change.name, change.line ? String(change.line) : '', formatChange(change.bytes, null)]),
        ...(platform.delta?.packages ?? []).map(change => [platform.platform, packageChangeText(change), '', formatChange(change.bytes, null)])
    ]);
    if (rows.length === 0)
        return undefined;
    return { headers: ['Platform', 'What changed', 'Line', 'Bytes'], align: ['left', 'left', 'right', 'right'], rows };
}
/** Vulnerability counts with their change against the baseline. */
function vulnerabilityChangeTable(report) {
    const scanned = report.platforms.filter(platform => platform.vulnerabilities);
    if (scanned.length === 0)
        return undefined;
    return {
        headers: ['Platform', ...SEVERITIES.map(severity => severity[0].toUpperCase() + severity.slice(1))],
        align: ['left', ...SEVERITIES.map(() => 'right')],
        rows: scanned.map(platform => [
            platform.platform,
            ...SEVERITIES.map(severity => {
                const count = platform.vulnerabilities[severity];
                const change = platform.delta?.vulnerabilities?.[severity];
                return change === undefined || change === 0 ? String(count) : `${count} (${signed(change)})`;
            })
        ])
    };
}
const MB = 1e6;
const label = (text) => `"${text.replace(/"/g, "'")}"`;
/**
 * A Mermaid bar chart of each platform's size, baseline next to this run, stacked by stage where
 * the report knows stages: the bars of each stage are drawn over one another from the total down.
 */
function sizeChart(report) {
    if (!report.baseline || report.platforms.length === 0)
        return undefined;
    const compressed = report.baseline.unavailable.includes('size');
    const unit = compressed ? 'compressed MB' : 'MB';
    const columns = [];
    const totals = [];
    for (const platform of report.platforms) {
        const base = platform.delta;
        const now = compressed ? platform.compressedSize : platform.size;
        const before = base ? now - ((compressed ? base.compressedSize : base.size) ?? 0) : 0;
        const stagesNow = !compressed && platform.stages ? platform.stages.map(stage => ({ stage: stage.stage, bytes: stage.bytes })) : [{ stage: 'image', bytes: now }];
        const stageChange = new Map((base?.stages ?? []).map(change => [change.name, change.bytes]));
        const stagesBefore = stagesNow.map(stage => ({ stage: stage.stage, bytes: Math.max(0, stage.bytes - (stageChange.get(stage.stage) ?? 0)) }));
        const short = platform.platform.replace(/^linux\//, '');
        columns.push(label(`${short} baseline`), label(`${short} now`));
        totals.push(stagesNow.length === 1 ? [{ stage: 'image', bytes: before }] : stagesBefore, stagesNow);
    }
    const stageCount = Math.max(...totals.map(column => column.length));
    const series = [];
    for (let drop = 0; drop < stageCount; drop++) {
        const values = totals.map(column => column.slice(0, column.length - drop).reduce((sum, stage) => sum + stage.bytes, 0) / MB);
        series.push(`  bar [${values.map(value => value.toFixed(2)).join(', ')}]`);
    }
    return ['```mermaid', 'xychart-beta', `  title "Size of ${report.name.replace(/"/g, "'")} (${unit}): baseline and this run"`, `  x-axis [${columns.join(', ')}]`, `  y-axis ${label(unit)}`, ...series, '```'].join('\n');
}

;// CONCATENATED MODULE: ./src/report/table.ts
// One table model, rendered as Markdown for the job summary and as aligned text for a terminal.
function escapeCell(cell) {
    return cell.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
function markdownTable(table) {
    const header = `| ${table.headers.map(escapeCell).join(' | ')} |`;
    const rule = `|${table.align.map(align => (align === 'right' ? '---:' : ':---')).join('|')}|`;
    const rows = table.rows.map(row => `| ${row.map(escapeCell).join(' | ')} |`);
    return [header, rule, ...rows].join('\n');
}
function textTable(table) {
    const widths = table.headers.map((header, column) => Math.max(header.length, ...table.rows.map(row => (row[column] ?? '').length)));
    const line = (cells) => cells
        .map((cell, column) => (table.align[column] === 'right' ? cell.padStart(widths[column]) : cell.padEnd(widths[column])))
        .join('  ')
        .trimEnd();
    return [line(table.headers), line(widths.map(width => '-'.repeat(width))), ...table.rows.map(line)].join('\n');
}

;// CONCATENATED MODULE: ./src/history/chart.ts
// The history as the summary and the comment show it: a Mermaid line chart (GitHub renders
// `xychart-beta` in job summaries and comments) of the largest platform's size, the history's
// points then this run as the last one, and the same as one line of text for whatever does not
// render Mermaid (mail notifications, the terminal).



const chart_MB = 1e6;
const SPARKS = '▁▂▃▄▅▆▇█';
/** A name inside a Mermaid string: no quotes, backticks or line breaks that would end it. */
// eslint-disable-next-line no-control-regex
const mermaidText = (text) => text.replace(/["`]/g, "'").replace(/[\u0000-\u001f\u007f]/g, ' ');
/** The sizes charted: each point's size of the platform, then this run's (labelled as a pull request's when it is one). */
function historySeries(report) {
    const current = largestPlatform(report);
    if (!report.history || !current)
        return undefined;
    const points = [];
    for (const point of report.history.points) {
        const same = point.platforms.find(candidate => candidate.platform === current.platform);
        if (same && point.commit !== report.commit)
            points.push({ label: point.commit.slice(0, 7), size: same.size });
    }
    points.push({ label: report.pullRequest ? `PR #${report.pullRequest.number}` : 'this run', size: current.size });
    return { platform: current.platform, points };
}
/** `▁▂▄█ 1.20 MB → 1.45 MB (+20.8%) over 4 points`. */
function sparkline(points) {
    const sizes = points.map(point => point.size);
    const low = Math.min(...sizes);
    const high = Math.max(...sizes);
    const marks = sizes.map(size => SPARKS[high === low ? 0 : Math.round(((size - low) / (high - low)) * (SPARKS.length - 1))]).join('');
    const first = sizes[0];
    const last = sizes[sizes.length - 1];
    const change = first === 0 ? '' : ` (${last >= first ? '+' : '-'}${Math.abs(((last - first) / first) * 100).toFixed(1)}%)`;
    return `${marks} ${size_formatSize(first)} → ${size_formatSize(last)}${change} over ${points.length} ${points.length === 1 ? 'point' : 'points'}`;
}
/** The Mermaid chart, or undefined when there is no history in the report. */
function historyChart(report) {
    const series = historySeries(report);
    if (!series)
        return undefined;
    const labels = series.points.map(point => `"${mermaidText(point.label)}"`);
    const values = series.points.map(point => (point.size / chart_MB).toFixed(2));
    const last = report.pullRequest ? 'this pull request' : 'this run';
    return [
        '```mermaid',
        'xychart-beta',
        `  title "Size of ${mermaidText(report.name)} on ${mermaidText(series.platform)} (MB): history and ${last}"`,
        `  x-axis [${labels.join(', ')}]`,
        '  y-axis "MB"',
        `  line [${values.join(', ')}]`,
        '```'
    ].join('\n');
}
/** The lines under the chart (and in the text summary): the sparkline, each platform's drift, and why the history is missing. */
function historyLines(report) {
    const lines = [];
    const series = historySeries(report);
    if (series)
        lines.push(`History of ${series.platform}: ${sparkline(series.points)}`);
    if (report.history?.error)
        lines.push(`The history could not be read: ${report.history.error}`);
    for (const platform of report.platforms)
        if (platform.drift)
            lines.push(`Drift of ${platform.platform}: ${describeDrift(platform.drift)}`);
    return lines;
}
/** The history as a table, newest last: what `image-budget history` prints. */
function historyTable(points) {
    const rows = [];
    for (const point of points) {
        for (const platform of point.platforms) {
            const counts = platform.vulnerabilities;
            const found = counts ? Object.entries(counts).filter(([, count]) => count > 0).map(([severity, count]) => `${count} ${severity}`) : [];
            rows.push([point.date.slice(0, 16).replace('T', ' '), point.commit.slice(0, 12), platform.platform, formatSize(platform.size), formatSize(platform.compressedSize), String(platform.layers), counts ? found.join(', ') || 'none' : '']);
        }
    }
    return { headers: ['Date (UTC)', 'Commit', 'Platform', 'Size', 'Compressed', 'Layers', 'Vulnerabilities'], align: ['left', 'left', 'left', 'right', 'right', 'right', 'left'], rows };
}

;// CONCATENATED MODULE: ./src/report/summary.ts





const TOP_LAYERS = 5;
const INSTRUCTION_WIDTH = 90;
const STATUS_MARK = { pass: '✅ pass', warn: '⚠️ warn', fail: '❌ fail' };
const TEXT_MARK = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' };
/** BuildKit's history text, shortened for a table: no `# buildkit` tag, no build-arg prefix. */
function instructionText(createdBy) {
    const text = instructionKey(createdBy);
    if (text === '')
        return '(no history)';
    return text.length > INSTRUCTION_WIDTH ? `${text.slice(0, INSTRUCTION_WIDTH - 1)}…` : text;
}
/** A limit or actual value in its unit: a size, a count, or a percentage. */
function summary_formatLimit(unit, value) {
    if (unit === 'count')
        return String(value);
    if (unit === 'ratio')
        return `${(value * 100).toFixed(1)}%`;
    return size_formatSize(value);
}
const TOP_FINDINGS = 10;
/** Packages shown per platform; the report has them all. */
const TOP_PACKAGES = 10;
const TOP_UNPACKAGED = 5;
const where = (source) => source.instruction ? `${instructionText(source.instruction)} (line ${source.line})` : `layer ${source.layer.slice(7, 19)}`;
function summaryTables(report, marks) {
    const platforms = {
        headers: ['Platform', 'Size', 'Compressed', 'Layers', 'Wasted', 'Efficiency'],
        align: ['left', 'right', 'right', 'right', 'right', 'right'],
        rows: report.platforms.map(platform => [
            platform.platform,
            size_formatSize(platform.size),
            size_formatSize(platform.compressedSize),
            String(platform.layerCount),
            size_formatSize(platform.wastedBytes),
            `${(platform.efficiency * 100).toFixed(1)}%`
        ])
    };
    const budgets = report.budgets.length === 0
        ? undefined
        : {
            headers: ['Budget', 'Platform', 'Limit', 'Actual', 'Result'],
            align: ['left', 'left', 'right', 'right', 'left'],
            rows: report.budgets.map(result => [
                [result.rule, result.severity, result.fixableOnly ? 'fixable' : undefined, result.level === 'warning' ? 'warning' : undefined]
                    .filter(Boolean)
                    .join(' ')
                    .replace(/^(\S+) (.+)$/, '$1 ($2)'),
                result.platform,
                summary_formatLimit(result.unit, result.limit),
                result.unresolved !== undefined ? 'no reference' : summary_formatLimit(result.unit, result.actual),
                marks[result.status]
            ])
        };
    const smells = report.smells.length === 0
        ? undefined
        : {
            headers: ['Smell', 'Level', 'Line', 'Finding'],
            align: ['left', 'left', 'right', 'left'],
            rows: report.smells.map(smell => [
                smell.rule,
                smell.level === 'error' ? marks.fail : marks.warn,
                smell.line ? String(smell.line) : '',
                smell.message
            ])
        };
    const saving = report.smells.filter(smell => (smell.savings ?? 0) > 0).sort((a, b) => b.savings - a.savings);
    const savings = saving.length === 0
        ? undefined
        : {
            table: {
                headers: ['Saves', 'Line', 'Smell', 'What to change'],
                align: ['right', 'right', 'left', 'left'],
                rows: saving.map(smell => [size_formatSize(smell.savings), smell.line ? String(smell.line) : '', smell.rule, smell.message])
            },
            total: saving.reduce((sum, smell) => sum + smell.savings, 0)
        };
    const details = report.platforms.map(platform => {
        const tables = {
            platform: platform.platform,
            layers: {
                headers: ['Size', 'Compressed', 'Line', 'Instruction'],
                align: ['right', 'right', 'right', 'left'],
                rows: [...platform.layers]
                    .sort((a, b) => b.size - a.size)
                    .slice(0, TOP_LAYERS)
                    .map(layer => [
                    size_formatSize(layer.size),
                    size_formatSize(layer.compressedSize),
                    layer.line ? String(layer.line) : '',
                    layer.instruction ? instructionText(layer.instruction) : instructionText(layer.createdBy)
                ])
            },
            files: {
                headers: ['Size', 'File', 'Written by'],
                align: ['right', 'left', 'left'],
                rows: platform.topFiles.map(file => [size_formatSize(file.size), file.path, where(file)])
            }
        };
        if (platform.stages) {
            tables.stages = {
                headers: ['Bytes', 'From'],
                align: ['right', 'left'],
                rows: [
                    ...platform.stages.map(stage => [size_formatSize(stage.bytes), `${stage.stage} (${stage.layers} ${stage.layers === 1 ? 'layer' : 'layers'})`]),
                    ...(platform.copies ?? []).map(copy => [size_formatSize(copy.bytes), `COPY --from=${copy.from} (line ${copy.line})`])
                ]
            };
        }
        if (platform.packages && platform.packages.length > 0) {
            tables.packages = {
                headers: ['Bytes', 'Package', 'Version', 'Kind', 'Installed by'],
                align: ['right', 'left', 'left', 'left', 'left'],
                rows: platform.packages
                    .slice(0, TOP_PACKAGES)
                    .map(item => [size_formatSize(item.bytes), item.name, item.version, `${item.ecosystem}${item.dev ? ' (dev)' : ''}`, where(item)])
            };
        }
        // Without any package database every byte is unpackaged: the largest folders say it already.
        if (platform.packages && platform.packages.length > 0 && platform.unpackaged && platform.unpackaged.length > 0) {
            tables.unpackaged = {
                headers: ['Bytes', 'Files', 'Folder'],
                align: ['right', 'right', 'left'],
                rows: platform.unpackaged.slice(0, TOP_UNPACKAGED).map(group => [size_formatSize(group.bytes), String(group.files), group.directory])
            };
        }
        if (platform.topWaste.length > 0) {
            tables.waste = {
                headers: ['Wasted', 'File', 'Written by', 'Hidden by'],
                align: ['right', 'left', 'left', 'left'],
                rows: platform.topWaste.map(waste => [size_formatSize(waste.size), waste.path, where(waste.writtenBy), where(waste.hiddenBy)])
            };
        }
        return tables;
    });
    const scanned = report.platforms.filter(platform => platform.vulnerabilities);
    const vulnerabilities = scanned.length === 0
        ? undefined
        : {
            headers: ['Platform', 'Critical', 'High', 'Medium', 'Low', 'Unknown', 'With a fix'],
            align: ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
            rows: scanned.map(platform => {
                const counts = platform.vulnerabilities;
                const fixable = Object.values(platform.fixable ?? {}).reduce((sum, count) => sum + count, 0);
                return [platform.platform, String(counts.critical), String(counts.high), String(counts.medium), String(counts.low), String(counts.unknown), String(fixable)];
            })
        };
    // The worst findings with a fix come first: those are what a rebuild or a bump can remove.
    const seen = new Set();
    const worst = scanned
        .flatMap(platform => (platform.findings ?? []).map(finding => ({ ...finding, platform: platform.platform })))
        .filter(finding => finding.fixed !== undefined)
        .filter(finding => {
        const key = `${finding.id} ${finding.package}`;
        if (seen.has(key))
            return false;
        seen.add(key);
        return true;
    })
        .slice(0, TOP_FINDINGS);
    const findings = worst.length === 0
        ? undefined
        : {
            headers: ['Severity', 'Vulnerability', 'Package', 'Installed', 'Fixed in', 'Brought by'],
            align: ['left', 'left', 'left', 'left', 'left', 'left'],
            rows: worst.map(finding => [
                finding.severity.toUpperCase(),
                finding.id,
                finding.package,
                finding.installed,
                finding.fixed ?? '',
                finding.layer ? where(finding.layer) : ''
            ])
        };
    return { platforms, budgets, smells, savings, vulnerabilities, findings, details };
}
function buildLine(report) {
    if (!report.build)
        return undefined;
    const { seconds, steps, cachedSteps, actionsCache } = report.build;
    const cache = actionsCache === undefined ? '' : actionsCache.used ? ' GitHub Actions cache: used.' : ` GitHub Actions cache: not used, ${actionsCache.reason}.`;
    return `Built in ${seconds} s; ${cachedSteps} of ${steps} steps cached.${cache}`;
}
function detailSections(details) {
    const sections = [];
    if (details.stages)
        sections.push([`Where the bytes of ${details.platform} come from`, details.stages]);
    sections.push([`Largest layers of ${details.platform}`, details.layers]);
    sections.push([`Largest files of ${details.platform}`, details.files]);
    if (details.packages)
        sections.push([`Largest packages of ${details.platform}`, details.packages]);
    if (details.unpackaged)
        sections.push([`Bytes of ${details.platform} no package owns`, details.unpackaged]);
    if (details.waste)
        sections.push([`Wasted bytes of ${details.platform}`, details.waste]);
    return sections;
}
/** Lines of the Markdown that change from run to run whatever was measured: the build time, the run link. */
const VOLATILE_LINE = /^(Built in [\d.]+ s; \d+ of \d+ steps cached\.|\[Workflow run\]\(.*\))$/;
function baselineLine(report) {
    const baseline = report.baseline;
    if (!baseline)
        return undefined;
    const when = baseline.createdAt ? `, made ${baseline.createdAt.slice(0, 16).replace('T', ' ')} UTC` : '';
    const without = baseline.unavailable.length > 0 ? ` It cannot give: ${baseline.unavailable.join(', ')}.` : '';
    if (baseline.source === 'build')
        return `Compared with the baseline built from \`${baseline.reference.slice(0, 12)}\`, the merge base, built for this run.${without}`;
    return `Compared with ${baseline.source === 'image' ? 'the image' : baseline.source === 'file' ? 'the report' : 'the last report of'} \`${baseline.reference}\`${when}.${without}`;
}
/** The Markdown of a report: the job summary, and the pull request comment. */
/** What a `call` build did: nothing was exported, so nothing was measured or budgeted. */
function callLines(report) {
    if (!report.call)
        return undefined;
    const { method, checks } = report.call;
    const head = `\`call: ${method}\` evaluated the build instead of building it: no image was exported, so nothing was measured, scanned or budgeted.`;
    if (method !== 'check')
        return [head];
    if (checks.length === 0)
        return [head, 'The Dockerfile checks found nothing.'];
    return [head, `The Dockerfile checks found ${checks.length}:`, ...checks.map(check => `- ${check.rule}${check.line ? ` (line ${check.line})` : ''}: ${check.detail || check.description}`)];
}
function markdownSummary(report, options = {}) {
    const tables = summaryTables(report, STATUS_MARK);
    const parts = [`### image-budget: ${report.name} — ${STATUS_MARK[report.verdict]}`];
    if (report.error)
        parts.push(`> [!CAUTION]\n> ${report.error.split('\n').join('\n> ')}`);
    const call = callLines(report);
    if (call)
        parts.push(call.join('\n'));
    if (report.notices?.length)
        parts.push(`> [!NOTE]\n${report.notices.map(notice => `> ${notice}`).join('\n>\n')}`);
    const deltas = deltaTable(report);
    const compared = baselineLine(report);
    if (compared)
        parts.push(compared);
    if (deltas)
        parts.push(markdownTable(deltas));
    else if (report.platforms.length > 0)
        parts.push(markdownTable(tables.platforms));
    if (tables.budgets)
        parts.push('#### Budgets', markdownTable(tables.budgets));
    const changes = changeTable(report);
    if (changes)
        parts.push('#### What changed most', markdownTable(changes));
    if (options.chart) {
        const chart = sizeChart(report);
        if (chart)
            parts.push(chart);
    }
    const history = historyChart(report);
    const drift = historyLines(report);
    if (history || drift.length > 0)
        parts.push('#### History', ...(history ? [history] : []), ...(drift.length > 0 ? [drift.map(line => `- ${line}`).join('\n')] : []));
    if (tables.smells)
        parts.push('#### Smells', markdownTable(tables.smells));
    if (tables.savings)
        parts.push(`#### What to do: ${size_formatSize(tables.savings.total)} could be saved`, markdownTable(tables.savings.table));
    const vulnerabilities = report.baseline ? vulnerabilityChangeTable(report) : tables.vulnerabilities;
    if (vulnerabilities)
        parts.push(`#### Vulnerabilities (${report.scan?.source})`, markdownTable(vulnerabilities));
    if (tables.findings)
        parts.push(`<details><summary>Worst findings with a fix</summary>\n\n${markdownTable(tables.findings)}\n\n</details>`);
    if (report.scan?.error)
        parts.push(`> [!WARNING]\n> Not scanned: ${report.scan.error.split('\n').join('\n> ')}`);
    for (const details of tables.details) {
        for (const [title, table] of detailSections(details)) {
            parts.push(`<details><summary>${title}</summary>\n\n${markdownTable(table)}\n\n</details>`);
        }
    }
    const build = buildLine(report);
    if (build)
        parts.push(build);
    if (options.runUrl)
        parts.push(`[Workflow run](${options.runUrl})`);
    return `${parts.join('\n\n')}\n`;
}
function textSummary(report) {
    const tables = summaryTables(report, TEXT_MARK);
    const parts = [`image-budget: ${report.name}: ${TEXT_MARK[report.verdict]}`];
    if (report.error)
        parts.push(`error: ${report.error}`);
    const call = callLines(report);
    if (call)
        parts.push(call.join('\n').replace(/`/g, ''));
    if (report.platforms.length > 0)
        parts.push(textTable(tables.platforms));
    const deltas = deltaTable(report);
    const compared = baselineLine(report);
    if (compared)
        parts.push(compared.replace(/`/g, ''));
    if (deltas)
        parts.push(textTable(deltas));
    if (tables.budgets)
        parts.push(textTable(tables.budgets));
    const changes = changeTable(report);
    if (changes)
        parts.push(`What changed most:\n${textTable(changes)}`);
    const history = historyLines(report);
    if (history.length > 0)
        parts.push(history.join('\n'));
    if (tables.smells)
        parts.push(`Smells:\n${textTable(tables.smells)}`);
    if (tables.savings)
        parts.push(`What to do (${size_formatSize(tables.savings.total)} could be saved):\n${textTable(tables.savings.table)}`);
    if (tables.vulnerabilities)
        parts.push(`Vulnerabilities (${report.scan?.source}):\n${textTable(tables.vulnerabilities)}`);
    if (tables.findings)
        parts.push(`Worst findings with a fix:\n${textTable(tables.findings)}`);
    if (report.scan?.error)
        parts.push(`Not scanned: ${report.scan.error}`);
    for (const details of tables.details) {
        for (const [title, table] of detailSections(details))
            parts.push(`${title}:\n${textTable(table)}`);
    }
    const build = buildLine(report);
    if (build)
        parts.push(build);
    return `${parts.join('\n\n')}\n`;
}

;// CONCATENATED MODULE: ./src/github/publish.ts






/** GitHub cuts a status description at 140 characters. */
const MAX_STATUS_DESCRIPTION = 140;
function statusContext(name) {
    return `image-budget/${name}`;
}
function commitStatus(report, runUrl) {
    const largest = largestPlatform(report);
    const state = report.error ? 'error' : report.verdict === 'fail' ? 'failure' : 'success';
    const change = largest?.delta ? ` (${formatChange(largest.delta.size ?? largest.delta.compressedSize, largest.delta.size === null ? largest.delta.compressedSizeRatio : largest.delta.sizeRatio).replace(/ [🔺🔽]$/u, '')})` : '';
    const text = report.error
        ? `error: ${report.error.split('\n')[0]}`
        : `${largest ? `${size_formatSize(largest.size)} ${largest.platform}${change}` : 'no image'}: ${report.verdict}`;
    const description = text.length > MAX_STATUS_DESCRIPTION ? `${text.slice(0, MAX_STATUS_DESCRIPTION - 1)}…` : text;
    return { state, description, context: statusContext(report.name), target_url: runUrl };
}
function wantsComment(inputs, report, github) {
    if (!isPullRequest(github) || inputs.comment === 'never')
        return false;
    if (inputs.comment === 'on-failure')
        return report.verdict === 'fail';
    return true;
}
/**
 * The pull request comment and the commit status. Neither fails the step: a token that may not
 * write gets a notice, and any other error a warning.
 */
async function publish(report, inputs, github, api, host) {
    const result = {};
    if (!github || !api)
        return result;
    if (wantsComment(inputs, report, github)) {
        try {
            const body = markdownSummary(report, { runUrl: github.runUrl });
            result.comment = await upsertComment(api, github.pullRequest.number, report.name, body, host, VOLATILE_LINE);
            host.info(`Pull request comment: ${result.comment}`);
        }
        catch (error) {
            host.warning(`The pull request comment could not be written: ${error.message}`);
        }
    }
    if (inputs.status ?? isPullRequest(github)) {
        const status = commitStatus(report, github.runUrl);
        if (await setStatus(api, github.sha, status, host))
            result.status = status;
    }
    return result;
}
/** Sets a commit status; a token that may not write gets a notice, any other error a warning. Whether it was set. */
async function setStatus(api, sha, status, host) {
    try {
        await api.createStatus(sha, status);
        return true;
    }
    catch (error) {
        const denied = error.status === 403;
        if (denied)
            host.notice(`No commit status: the token may not write statuses ("statuses: write"): ${error.message}`, { title: 'image-budget' });
        else
            host.warning(`The commit status could not be set: ${error.message}`);
        return false;
    }
}

;// CONCATENATED MODULE: ./src/combine/combine.ts
// Combine mode's core, without side effects: the reports of many runs in, one verdict for the pull
// request out. Nothing is guessed: two reports of the same image and platform, a report for
// another pull request or commit, an expected image no report names, are each a finding that
// fails the set and says what it was.

const RANK = { pass: 0, warn: 1, fail: 2, error: 3, missing: 4 };
const worstOf = (verdicts) => verdicts.reduce((worst, verdict) => (RANK[verdict] > RANK[worst] ? verdict : worst), 'pass');
const partVerdict = (report) => (report.error !== undefined ? 'error' : report.verdict);
/**
 * The verdict of one platform of a report: its own budgets and the smells found on it, or the
 * report's verdict when that is worse for a reason no platform carries (a `call` check).
 */
function platformVerdict(report, platform) {
    if (report.error !== undefined)
        return 'error';
    const own = verdictOf(report.budgets.filter(budget => budget.platform === platform), report.smells.filter(smell => smell.platforms === undefined || smell.platforms.includes(platform)));
    const everyPlatform = worstOf(report.platforms.map(other => verdictOf(report.budgets.filter(budget => budget.platform === other.platform), report.smells)));
    return RANK[report.verdict] > RANK[everyPlatform] ? report.verdict : own;
}
/**
 * The pull request the set is for: the event's, or the one the reports name (a workflow_run has
 * no pull request of its own). Every report must be for that pull request and its head commit: a
 * report of an earlier push must not decide a later one.
 */
function pullRequestOf(entries, event, problems) {
    const named = entries.filter(entry => entry.report.pullRequest !== undefined);
    const first = event ? { ...event, by: 'this run’s event' } : named[0] && { ...named[0].report.pullRequest, by: named[0].file };
    if (!first)
        return undefined;
    for (const entry of entries) {
        const own = entry.report.pullRequest;
        if (!own) {
            // A report made outside a pull request may join the event's; when the reports are what names it, each must.
            if (!event)
                problems.push(`${entry.file}: the report names no pull request, and ${first.by} names #${first.number}`);
        }
        else if (own.number !== first.number) {
            problems.push(`${entry.file}: the report is for pull request #${own.number}, and ${first.by} is for #${first.number}`);
        }
        else if (own.head !== first.head) {
            problems.push(`${entry.file}: the report is for commit ${own.head.slice(0, 12)} of pull request #${own.number}, and ${first.by} is for its commit ${first.head.slice(0, 12)}`);
        }
    }
    return { number: first.number, head: first.head };
}
/** Two reports of one image and platform are refused: which of them counts would be a guess. */
function duplicates(entries, problems) {
    const seen = new Map();
    for (const entry of entries) {
        for (const platform of entry.report.platforms) {
            const key = JSON.stringify([entry.report.name, platform.platform]);
            const earlier = seen.get(key);
            if (earlier !== undefined)
                problems.push(`${entry.file}: image "${entry.report.name}" on ${platform.platform} is reported twice, here and in ${earlier}`);
            else
                seen.set(key, entry.file);
        }
    }
}
const byText = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
/**
 * The set's verdict: fail when any image failed or errored, an expected one is missing or a
 * report could not be used; warn when any warned; pass otherwise.
 */
function combine(entries, expected, findings, event) {
    const problems = [...findings];
    if (entries.length === 0 && problems.length === 0)
        problems.push('No report was found to combine: the set has no image');
    duplicates(entries, problems);
    const pullRequest = pullRequestOf(entries, event, problems);
    const groups = new Map();
    for (const entry of entries)
        groups.set(entry.report.name, [...(groups.get(entry.report.name) ?? []), entry]);
    const images = [...groups.entries()]
        .sort(([a], [b]) => byText(a, b))
        .map(([name, parts]) => ({
        name,
        parts: [...parts].sort((a, b) => byText(a.report.platforms[0]?.platform ?? '', b.report.platforms[0]?.platform ?? '')),
        verdict: worstOf(parts.map(part => partVerdict(part.report)))
    }));
    const missing = [...new Set(expected)].filter(name => !groups.has(name)).sort(byText);
    const worst = worstOf(images.map(image => image.verdict));
    const verdict = problems.length > 0 || missing.length > 0 || RANK[worst] >= RANK.fail ? 'fail' : worst === 'warn' ? 'warn' : 'pass';
    return { verdict, images, missing, problems, ...(pullRequest ? { pullRequest } : {}) };
}
/** What fails the step whatever `fail-on` says: the set could not be judged as a whole. */
function combineErrors(combined) {
    return [
        ...combined.problems,
        ...combined.missing.map(name => `No report names the expected image "${name}": its job failed or did not upload its report`),
        ...combined.images.filter(image => image.verdict === 'error').flatMap(image => image.parts.filter(part => part.report.error !== undefined).map(part => `${part.file}: the run of "${image.name}" stopped with an error: ${part.report.error.split('\n')[0]}`))
    ];
}

;// CONCATENATED MODULE: ./src/combine/render.ts
// What combine mode shows: one table of every image and platform (the pull request comment, the
// job summary, the terminal), the one commit status, and the `images` output.








const MARKS = { ...STATUS_MARK, error: '❌ error', missing: '❌ missing' };
const TEXT_MARKS = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', error: 'ERROR', missing: 'MISSING' };
function changeCell(report, platform) {
    if (!report.baseline)
        return '';
    const delta = platform.delta;
    if (!delta)
        return 'new';
    if (delta.size !== null)
        return formatChange(delta.size, delta.sizeRatio);
    // A registry image as the baseline gives no uncompressed size.
    return `${formatChange(delta.compressedSize, delta.compressedSizeRatio)} compressed`;
}
function vulnerabilityCell(report, platform) {
    if (report.scan?.error)
        return 'not scanned';
    const counts = platform.vulnerabilities;
    if (!counts)
        return '';
    const found = SEVERITIES.filter(severity => counts[severity] > 0).map(severity => `${counts[severity]} ${severity}`);
    return found.length > 0 ? found.join(', ') : 'none';
}
/** A row per image and platform; an image that stopped before measuring, or that is missing, gets one row. */
function combinedTable(combined, marks) {
    const rows = [];
    for (const image of combined.images) {
        for (const { report } of image.parts) {
            if (report.platforms.length === 0)
                rows.push([image.name, '', '', '', '', '', '', marks[report.error !== undefined ? 'error' : report.verdict]]);
            for (const platform of report.platforms) {
                rows.push([
                    image.name,
                    platform.platform,
                    size_formatSize(platform.size),
                    changeCell(report, platform),
                    size_formatSize(platform.compressedSize),
                    String(platform.layerCount),
                    vulnerabilityCell(report, platform),
                    marks[platformVerdict(report, platform.platform)]
                ]);
            }
        }
    }
    for (const name of combined.missing)
        rows.push([name, '', '', '', '', '', '', marks.missing]);
    return {
        headers: ['Image', 'Platform', 'Size', 'Change', 'Compressed', 'Layers', 'Vulnerabilities', 'Verdict'],
        align: ['left', 'left', 'right', 'right', 'right', 'right', 'left', 'left'],
        rows
    };
}
const escapeHtml = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const imageCount = (combined) => combined.images.length + combined.missing.length;
const plural = (count, word) => `${count} ${word}${count === 1 ? '' : 's'}`;
/** The comment and the job summary: the table, what went wrong, then each image's own summary, collapsed. */
function combinedMarkdown(combined, options = {}) {
    const parts = [`### image-budget: ${plural(imageCount(combined), 'image')} — ${MARKS[combined.verdict]}`, markdownTable(combinedTable(combined, MARKS))];
    const errors = combineErrors(combined);
    if (errors.length > 0)
        parts.push(`> [!CAUTION]\n${errors.map(error => `> - ${error.split('\n').join(' ')}`).join('\n')}`);
    for (const image of combined.images) {
        const summaries = image.parts.map(part => markdownSummary(part.report).trimEnd());
        parts.push(`<details><summary>${escapeHtml(image.name)} — ${MARKS[image.verdict]}</summary>\n\n${summaries.join('\n\n')}\n\n</details>`);
    }
    if (options.runUrl)
        parts.push(`[Workflow run](${options.runUrl})`);
    return `${parts.join('\n\n')}\n`;
}
/** The same for a terminal and the log. */
function combinedText(combined) {
    const parts = [`image-budget: ${plural(imageCount(combined), 'image')}: ${TEXT_MARKS[combined.verdict]}`, textTable(combinedTable(combined, TEXT_MARKS))];
    const errors = combineErrors(combined);
    if (errors.length > 0)
        parts.push(errors.map(error => `error: ${error}`).join('\n'));
    for (const image of combined.images)
        for (const part of image.parts)
            parts.push(textSummary(part.report).trimEnd());
    return `${parts.join('\n\n')}\n`;
}
/** `Failed: api, worker (missing); 1 passed`, with as many names as GitHub's 140 characters hold. */
function listWithin(prefix, items, suffix) {
    for (let shown = items.length; shown > 0; shown--) {
        const rest = items.length - shown;
        const text = `${prefix}${items.slice(0, shown).join(', ')}${rest > 0 ? ` and ${rest} more` : ''}${suffix}`;
        if (text.length <= MAX_STATUS_DESCRIPTION)
            return text;
    }
    return `${prefix}${plural(items.length, 'image')}${suffix}`.slice(0, MAX_STATUS_DESCRIPTION);
}
const failing = (image) => image.verdict !== 'pass' && image.verdict !== 'warn';
/** The one status of the set: failure names what failed first, success names every image. */
function aggregateStatus(combined, context, runUrl) {
    const named = (image) => (image.verdict === 'fail' || image.verdict === 'pass' ? image.name : `${image.name} (${image.verdict})`);
    if (combined.verdict !== 'fail') {
        return { state: 'success', context, target_url: runUrl, description: listWithin('Passed: ', combined.images.map(named), '') };
    }
    const failed = [
        ...combined.images.filter(failing).map(named),
        ...combined.missing.map(name => `${name} (missing)`),
        ...(combined.problems.length > 0 ? [plural(combined.problems.length, 'unusable report')] : [])
    ];
    const passed = combined.images.filter(image => !failing(image)).length;
    return { state: 'failure', context, target_url: runUrl, description: listWithin('Failed: ', failed, passed > 0 ? `; ${passed} passed` : '') };
}
/** The `images` output: each image by name (defined as own keys: a name may be `__proto__`). */
function imagesOutput(combined) {
    const present = combined.images.map((image) => {
        const platforms = image.parts.flatMap(part => part.report.platforms.map(platform => ({ report: part.report, platform })));
        const largest = largestPlatform({ platforms: platforms.map(item => item.platform) });
        return [
            image.name,
            {
                verdict: image.verdict,
                digest: image.parts.length === 1 ? (image.parts[0].report.digest ?? null) : null,
                size: largest?.size ?? null,
                compressedSize: largest?.compressedSize ?? null,
                platforms: Object.fromEntries(platforms.map(({ report, platform }) => [platform.platform, { digest: platform.digest, size: platform.size, compressedSize: platform.compressedSize, verdict: platformVerdict(report, platform.platform) }]))
            }
        ];
    });
    const missing = combined.missing.map((name) => [name, { verdict: 'missing', digest: null, size: null, compressedSize: null, platforms: {} }]);
    return Object.fromEntries([...present, ...missing]);
}

;// CONCATENATED MODULE: ./src/files/glob.ts
// Globs of files an input names (`artifacts/**/*.json`), matched by walking the folders below the
// pattern's literal part. Links to folders are not followed (a loop, or a way out of the
// workspace), and the walk stops after a bounded number of entries: a glob over `/` ends.


/** Entries read at most by one glob. */
const MAX_GLOB_ENTRIES = 200_000;
const MAX_DEPTH = 64;
class GlobError extends Error {
}
const MAGIC = /[*?[{\\]/;
const glob_escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/**
 * A glob as a regular expression over a `/`-separated path: `*` and `?` within a segment, `**` as
 * a whole segment for any number of folders, `[abc]`, `[!abc]`, `{a,b}` and `\` before a literal.
 */
function globRegExp(pattern) {
    let index = 0;
    const compile = (inBraces) => {
        let out = '';
        while (index < pattern.length) {
            const char = pattern[index];
            if (inBraces && (char === ',' || char === '}'))
                return out;
            index++;
            if (char === '\\' && index < pattern.length)
                out += glob_escapeRegExp(pattern[index++]);
            else if (char === '*' && pattern[index] === '*' && (index === 1 || pattern[index - 2] === '/') && (index + 1 === pattern.length || pattern[index + 1] === '/')) {
                // `**/` is any number of folders; a final `**` is anything below.
                index++;
                if (pattern[index] === '/') {
                    index++;
                    out += '(?:[^/]+/)*';
                }
                else
                    out += '.*';
            }
            else if (char === '*')
                out += '[^/]*';
            else if (char === '?')
                out += '[^/]';
            else if (char === '[') {
                const end = pattern.indexOf(']', index + 1);
                if (end < 0)
                    out += '\\[';
                else {
                    const negated = pattern[index] === '!' || pattern[index] === '^';
                    const members = pattern.slice(negated ? index + 1 : index, end).replace(/[\\\]^]/g, '\\$&');
                    out += negated ? `[^/${members}]` : `[${members}]`;
                    index = end + 1;
                }
            }
            else if (char === '{') {
                const alternatives = [compile(true)];
                while (pattern[index] === ',') {
                    index++;
                    alternatives.push(compile(true));
                }
                if (pattern[index] !== '}')
                    throw new GlobError(`"${pattern}": a { is not closed`);
                index++;
                out += `(?:${alternatives.join('|')})`;
            }
            else
                out += glob_escapeRegExp(char);
        }
        return out;
    };
    const source = compile(false);
    return new RegExp(`^${source}$`);
}
/** The pattern's leading segments without wildcards: where the walk starts. */
function literalPrefix(pattern) {
    const segments = pattern.split('/');
    let literal = 0;
    while (literal < segments.length - 1 && !MAGIC.test(segments[literal]))
        literal++;
    if (!MAGIC.test(segments[literal]))
        literal = segments.length;
    return { base: segments.slice(0, literal).join('/'), rest: segments.slice(literal).join('/') };
}
const toPosix = (file) => file.split(external_node_path_.sep).join('/');
/**
 * The regular files (and links) a pattern matches, absolute, sorted. A relative pattern is
 * matched against paths relative to `cwd`; an absolute one against absolute paths.
 */
async function globFiles(given, cwd) {
    const pattern = given.replace(/^(?:\.\/)+/, '');
    const absolute = external_node_path_.isAbsolute(pattern);
    const { base, rest } = literalPrefix(pattern);
    const start = external_node_path_.resolve(cwd, base === '' && absolute ? '/' : base);
    if (rest === '') {
        const found = await (0,promises_.stat)(start).catch(() => undefined);
        return found?.isFile() ? [start] : [];
    }
    const matcher = globRegExp(pattern);
    const shown = (file) => (absolute ? toPosix(file) : toPosix(external_node_path_.relative(cwd, file)));
    const matches = [];
    let entries = 0;
    const walk = async (dir, depth) => {
        const children = await (0,promises_.readdir)(dir, { withFileTypes: true }).catch(() => []);
        for (const child of children) {
            if (++entries > MAX_GLOB_ENTRIES)
                throw new GlobError(`"${pattern}": more than ${MAX_GLOB_ENTRIES} entries below ${start}; give a narrower glob`);
            const file = external_node_path_.join(dir, child.name);
            if (child.isDirectory()) {
                if (depth < MAX_DEPTH)
                    await walk(file, depth + 1);
            }
            else if ((child.isFile() || child.isSymbolicLink()) && matcher.test(shown(file)))
                matches.push(file);
        }
    };
    await walk(start, 0);
    return matches.sort();
}

;// CONCATENATED MODULE: ./src/combine/report-file.ts



/** A field of a report file that is not what the schema says: `at` is its path, `platforms[0].size`. */
class ReportFieldError extends Error {
    at;
    constructor(at, message) {
        super(message);
        this.at = at;
        this.name = 'ReportFieldError';
    }
}
const report_file_refuse = (at, value, expected) => {
    throw new ReportFieldError(at, `${at} is ${shownValue(value)}, not ${expected}`);
};
const checked = (expected, test) => (value, at) => test(value) ? value : report_file_refuse(at, value, expected);
/** Names (of images, platforms) go into tables, headings and status descriptions: one short line. */
const report_file_MAX_NAME_LENGTH = 256;
// eslint-disable-next-line no-control-regex
const report_file_CONTROL = /[\u0000-\u001f\u007f]/;
const report_file_text = checked('a string', value => typeof value === 'string');
const report_file_name = checked(`a name (1 to ${report_file_MAX_NAME_LENGTH} characters, no control characters)`, value => typeof value === 'string' && value.length > 0 && value.length <= report_file_MAX_NAME_LENGTH && !report_file_CONTROL.test(value));
const report_file_bytes = checked('a whole, non-negative number', value => Number.isSafeInteger(value) && value >= 0);
const signedBytes = checked('a whole number', value => Number.isSafeInteger(value));
const lineNumber = checked('a line number', value => Number.isSafeInteger(value) && value > 0);
const finite = checked('a finite number', value => typeof value === 'number' && Number.isFinite(value));
const flag = checked('true or false', value => typeof value === 'boolean');
const commitSha = checked('a commit SHA (40 or 64 hexadecimal digits)', value => typeof value === 'string' && /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(value));
/** Rule names are shown as they are: a rule of a newer release is no reason to refuse its report. */
const ruleName = () => report_file_text;
const oneOf = (values) => (value, at) => values.includes(value) ? value : report_file_refuse(at, value, `one of ${values.join(', ')}`);
const nullable = (decode) => (value, at) => value === null ? null : decode(value, at);
const list = (decode) => (value, at) => Array.isArray(value) ? value.map((item, index) => decode(item, `${at}[${index}]`)) : report_file_refuse(at, value, 'a list');
/** A list of at most `most` items: a report's history is never longer than the history kept. */
const capped = (most, decode) => (value, at) => Array.isArray(value) && value.length > most ? report_file_refuse(at, `${value.length} entries`, `at most ${most}`) : list(decode)(value, at);
const report_file_isRecord = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
const field = (record, key) => (Object.hasOwn(record, key) ? record[key] : undefined);
const join = (at, key) => (at === '' ? key : `${at}.${key}`);
/** An object of the `required` fields and those `optional` ones it has; nothing else is kept. */
function object(required, optional) {
    return (value, at) => {
        if (!report_file_isRecord(value))
            return report_file_refuse(at || 'the report', value, 'an object');
        const result = {};
        for (const [key, decode] of Object.entries(required))
            result[key] = decode(field(value, key), join(at, key));
        for (const [key, decode] of Object.entries(optional ?? {})) {
            const item = field(value, key);
            if (item !== undefined)
                result[key] = decode(item, join(at, key));
        }
        return result;
    };
}
const severityCounts = (decode) => object(Object.fromEntries(SEVERITIES.map(severity => [severity, decode])));
const severity = oneOf(SEVERITIES);
const level = oneOf(['error', 'warning']);
const report_file_status = oneOf(['pass', 'warn', 'fail']);
const source = object({ layer: report_file_text }, { instruction: report_file_text, line: lineNumber, stage: report_file_text });
const ecosystem = oneOf(['deb', 'apk', 'npm', 'python', 'go']);
const changedPart = object({ name: report_file_text, bytes: signedBytes }, { line: lineNumber });
const historyPoint = object({
    commit: commitSha,
    date: report_file_text,
    platforms: capped(MAX_HISTORY_PLATFORMS, object({ platform: report_file_name, size: report_file_bytes, compressedSize: report_file_bytes, layers: report_file_bytes }, { vulnerabilities: severityCounts(report_file_bytes) }))
});
const platform = object({
    platform: report_file_name,
    digest: report_file_text,
    size: report_file_bytes,
    compressedSize: report_file_bytes,
    layerCount: report_file_bytes,
    layers: list(object({ digest: report_file_text, size: report_file_bytes, compressedSize: report_file_bytes, createdBy: report_file_text }, { diffId: report_file_text, instruction: report_file_text, line: lineNumber, stage: report_file_text })),
    wastedBytes: report_file_bytes,
    efficiency: finite,
    topFiles: list(object({ path: report_file_text, size: report_file_bytes, layer: report_file_text }, { instruction: report_file_text, line: lineNumber, stage: report_file_text })),
    topDirectories: list(object({ path: report_file_text, size: report_file_bytes, files: report_file_bytes, layer: report_file_text }, { instruction: report_file_text, line: lineNumber, stage: report_file_text })),
    topWaste: list(object({ path: report_file_text, size: report_file_bytes, writtenBy: source, hiddenBy: source }))
}, {
    baseSize: report_file_bytes,
    stages: list(object({ stage: report_file_text, bytes: report_file_bytes, layers: report_file_bytes })),
    copies: list(object({ from: report_file_text, bytes: report_file_bytes, instruction: report_file_text, line: lineNumber })),
    vulnerabilities: severityCounts(report_file_bytes),
    fixable: severityCounts(report_file_bytes),
    findings: list(object({ id: report_file_text, package: report_file_text, installed: report_file_text, severity }, { fixed: report_file_text, link: report_file_text, title: report_file_text, layer: source })),
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
        packages: list(object({ ecosystem, name: report_file_text, bytes: signedBytes, change: oneOf(['added', 'removed', 'changed']) }, { version: report_file_text, baseVersion: report_file_text }))
    }),
    drift: object({ from: report_file_text }, { referenceSize: report_file_bytes, commit: commitSha, date: report_file_text, size: signedBytes, sizeRatio: nullable(finite), unresolved: report_file_text }),
    packages: list(object({ ecosystem, name: report_file_text, version: report_file_text, bytes: report_file_bytes, files: report_file_bytes, layer: report_file_text }, { dev: flag, path: report_file_text, instruction: report_file_text, line: lineNumber, stage: report_file_text })),
    unpackaged: list(object({ directory: report_file_text, bytes: report_file_bytes, files: report_file_bytes })),
    packageNotes: list(report_file_text)
});
/** One image's report: the fields of schema version 1 (`schemaVersion` itself may be left out inside a version 2 file). */
const imageReport = object({
    name: report_file_name,
    verdict: report_file_status,
    platforms: list(platform),
    budgets: list(object({ rule: ruleName(), platform: report_file_name, limit: finite, actual: finite, unit: oneOf(['bytes', 'count', 'ratio']), level, status: report_file_status }, { severity, fixableOnly: flag, layer: report_file_text, unresolved: report_file_text })),
    smells: list(object({ rule: ruleName(), level, message: report_file_text }, { file: report_file_text, line: lineNumber, platforms: list(report_file_text), savings: report_file_bytes }))
}, {
    digest: report_file_text,
    build: object({ seconds: finite, steps: report_file_bytes, cachedSteps: report_file_bytes }, { actionsCache: object({ used: flag }, { reason: report_file_text }) }),
    scan: object({ source: report_file_text, severities: list(severity), ignoreUnfixed: flag, ignored: report_file_bytes, expiredIgnores: list(report_file_text) }, { error: report_file_text }),
    createdAt: report_file_text,
    commit: report_file_text,
    baseline: object({ source: oneOf(['cache', 'file', 'image']), reference: report_file_text, unavailable: list(report_file_text) }, { createdAt: report_file_text }),
    pullRequest: object({ number: lineNumber, head: commitSha }),
    history: object({ branch: report_file_text, points: capped(MAX_HISTORY_POINTS, historyPoint) }, { error: report_file_text }),
    call: object({ method: report_file_text, checks: list(object({ rule: report_file_text, description: report_file_text, detail: report_file_text, url: report_file_text }, { line: lineNumber })) }),
    error: report_file_text
});
function decodeImage(value, at) {
    const version = report_file_isRecord(value) ? field(value, 'schemaVersion') : undefined;
    if (at !== '' && version !== undefined && version !== REPORT_SCHEMA_VERSION)
        report_file_refuse(join(at, 'schemaVersion'), version, `${REPORT_SCHEMA_VERSION}`);
    const decoded = imageReport(value, at);
    return { schemaVersion: REPORT_SCHEMA_VERSION, ...decoded };
}
/** Most images in one file: far above any repository's, far below what a table can show. */
const MAX_IMAGES_PER_FILE = 500;
/**
 * Decodes a report file's text: schema version 1 (one image) or 2 (`{ schemaVersion: 2, images }`).
 * Throws a ReportFieldError naming the first field that is wrong.
 */
function parseReportFile(json) {
    let value;
    try {
        value = JSON.parse(json);
    }
    catch (error) {
        throw new ReportFieldError('', `not JSON (${error.message})`);
    }
    if (!report_file_isRecord(value))
        return report_file_refuse('the report', value, 'an object');
    const version = field(value, 'schemaVersion');
    if (version === REPORT_SCHEMA_VERSION)
        return { reports: [decodeImage(value, '')], missing: [], problems: [] };
    if (version !== COMBINED_REPORT_SCHEMA_VERSION)
        return report_file_refuse('schemaVersion', version, `${REPORT_SCHEMA_VERSION} or ${COMBINED_REPORT_SCHEMA_VERSION}`);
    const images = field(value, 'images');
    if (Array.isArray(images) && images.length > MAX_IMAGES_PER_FILE)
        report_file_refuse('images', `${images.length} entries`, `at most ${MAX_IMAGES_PER_FILE} images`);
    const combined = object({ images: list(decodeImage) }, { missing: list(report_file_name), problems: list(report_file_text) })(value, '');
    return { reports: combined.images, missing: combined.missing ?? [], problems: combined.problems ?? [] };
}

;// CONCATENATED MODULE: ./src/combine/run.ts
// Combine mode's side effects: find and read the report files, then write the combined report, the
// outputs, the job summary, the one pull request comment and the one commit status. Whatever went
// wrong is published as a failure first, so that the required status is red with the reason,
// and then fails the step.

















/** The set could not be judged as a whole: it fails the step whatever `fail-on` says. */
class CombineError extends Error {
    outcome;
    constructor(outcome, problems) {
        super(`The reports do not make a whole verdict:\n${problems.map(problem => `- ${problem}`).join('\n')}`);
        this.outcome = outcome;
        this.name = 'CombineError';
    }
}
/** Most report files one step reads: far above any matrix. */
const MAX_REPORT_FILES = 1000;
/** Most bytes of all report files together (each has its own cap too). */
const MAX_TOTAL_REPORT_BYTES = 256 * 2 ** 20;
/** Whether the inputs ask for combine mode. */
const isCombineMode = (inputs) => inputs.reports.length > 0;
function defaultCombinedReportPath(statusContext, tempRoot) {
    return external_node_path_.join(tempRoot, 'image-budget-combined', `${slugOf(statusContext)}.json`);
}
/** The files the `reports` globs match, each once; a glob that matches none is a finding of its own. */
async function findReportFiles(patterns, cwd, problems) {
    const excluded = patterns.filter(pattern => pattern.startsWith('!')).map(pattern => pattern.slice(1));
    const files = new Set();
    for (const pattern of patterns.filter(item => !item.startsWith('!'))) {
        let matched;
        try {
            matched = await globFiles(pattern, cwd);
            for (const exclusion of excluded) {
                const left = new Set(await globFiles(exclusion, cwd));
                matched = matched.filter(file => !left.has(file));
            }
        }
        catch (error) {
            problems.push(`Input "${Input.Reports}": ${error.message}`);
            continue;
        }
        if (matched.length === 0)
            problems.push(`Input "${Input.Reports}": "${pattern}" matches no file`);
        for (const file of matched)
            files.add(file);
    }
    if (files.size > MAX_REPORT_FILES) {
        problems.push(`Input "${Input.Reports}": the globs match ${files.size} files, more than the ${MAX_REPORT_FILES} a step reads; none was read`);
        return [];
    }
    return [...files].sort();
}
const shownPath = (file, cwd) => {
    const relative = external_node_path_.relative(cwd, file);
    return relative === '' || relative.startsWith('..') ? file : relative;
};
/** Each file's images, read with the report cap; what cannot be read or decoded is named with its file and field. */
async function readReports(files, cwd, host, problems) {
    const entries = [];
    let total = 0;
    for (const file of files) {
        const shown = shownPath(file, cwd);
        let text;
        try {
            text = await readRegularFile(file, FILE_LIMITS[Input.Reports]);
        }
        catch (error) {
            problems.push(`${shown}: the report cannot be read (${error.message})`);
            continue;
        }
        total += Buffer.byteLength(text);
        if (total > MAX_TOTAL_REPORT_BYTES) {
            problems.push(`${shown}: the reports together are more than ${size_formatSize(MAX_TOTAL_REPORT_BYTES)}; this one and those after it were not read`);
            break;
        }
        let parsed;
        try {
            parsed = parseReportFile(text);
        }
        catch (error) {
            problems.push(`${shown}: not an image-budget report: ${error.message}`);
            continue;
        }
        const several = parsed.reports.length !== 1 || parsed.missing.length > 0 || parsed.problems.length > 0;
        parsed.reports.forEach((report, index) => entries.push({ file: several ? `${shown} images[${index}]` : shown, report }));
        for (const name of parsed.missing)
            problems.push(`${shown}: the combined report says no report named the expected image "${name}"`);
        for (const problem of parsed.problems)
            problems.push(`${shown}: the combined report says: ${problem}`);
        host.info(`${shown}: ${parsed.reports.map(report => `${report.name} (${report.platforms.map(platform => platform.platform).join(', ') || 'no platform'}): ${report.verdict}`).join('; ') || 'no image'}`);
    }
    return entries;
}
/** The names `expect` gives, `budget-file` standing for the image keys of the budget file. */
async function expectedImages(inputs, cwd, problems) {
    const names = inputs.expect.filter(name => name !== EXPECT_BUDGET_FILE);
    if (!inputs.expect.includes(EXPECT_BUDGET_FILE))
        return names;
    const shown = inputs['budget-file'] || DEFAULT_BUDGET_FILE;
    try {
        const file = parseBudgetFile(shown, await readInputFile(Input.BudgetFile, shown, external_node_path_.resolve(cwd, shown)));
        const images = Object.keys(file.images);
        if (images.length === 0)
            problems.push(`Input "${Input.Expect}": "${EXPECT_BUDGET_FILE}" stands for the images of ${shown}, and its images section names none`);
        return [...names, ...images];
    }
    catch (error) {
        problems.push(`Input "${Input.Expect}": "${EXPECT_BUDGET_FILE}" stands for the images of the budget file: ${error.message}`);
        return names;
    }
}
/** The combined report: schema version 2, so that it can be combined again. */
function combinedReport(combined, createdAt) {
    const file = {
        schemaVersion: COMBINED_REPORT_SCHEMA_VERSION,
        verdict: combined.verdict,
        createdAt,
        ...(combined.pullRequest ? { pullRequest: combined.pullRequest } : {}),
        images: combined.images.flatMap(image => image.parts.map(part => part.report)),
        missing: combined.missing,
        problems: combined.problems
    };
    return `${JSON.stringify(file, null, 2)}\n`;
}
const run_wantsComment = (inputs, combined) => combined.pullRequest !== undefined && inputs.comment !== 'never' && (inputs.comment !== 'on-failure' || combined.verdict === 'fail');
/** The one comment and the one status; neither fails the step. */
async function publishCombined(combined, inputs, github, host, outcome) {
    const { api, context } = github;
    if (!api)
        return;
    const pullRequest = combined.pullRequest;
    if (pullRequest && run_wantsComment(inputs, combined)) {
        try {
            const body = combinedMarkdown(combined, { runUrl: context.runUrl });
            outcome.comment = await upsertMarkedComment(api, pullRequest.number, combinedCommentMarker(inputs['status-context']), body, host, VOLATILE_LINE);
            host.info(`Pull request comment: ${outcome.comment}`);
        }
        catch (error) {
            host.warning(`The pull request comment could not be written: ${error.message}`);
        }
    }
    if (inputs.status ?? pullRequest !== undefined) {
        const status = aggregateStatus(combined, inputs['status-context'], context.runUrl);
        if (await setStatus(api, pullRequest?.head ?? context.sha, status, host))
            outcome.status = status;
    }
}
/**
 * Combine mode: one verdict over the reports of many runs. Builds nothing. Throws a CombineError
 * (after publishing) when the set cannot be judged whole: a missing expected image, an unusable
 * report, an image whose run stopped with an error.
 */
async function combineReports(inputs, host, deps) {
    const reportPath = inputs.report !== '' ? external_node_path_.resolve(deps.cwd, inputs.report) : defaultCombinedReportPath(inputs['status-context'], deps.tempRoot);
    const secrets = secretValues(inputs, deps.env);
    for (const secret of secrets)
        host.setSecret(secret);
    const findings = [];
    const expected = await expectedImages(inputs, deps.cwd, findings);
    const files = await findReportFiles(inputs.reports, deps.cwd, findings);
    const entries = await readReports(files, deps.cwd, host, findings);
    const context = deps.github?.context;
    const event = context?.pullRequest && isPullRequest(context) ? { number: context.pullRequest.number, head: context.pullRequest.headSha } : undefined;
    // A report's error text came from programs of another job: no secret this step knows goes further.
    const combined = scrubDeep(combine(entries, expected, findings, event), createScrubber(secrets));
    const outcome = { combined, reportPath, failed: failsStep(combined.verdict, inputs['fail-on']) };
    const problems = combineErrors(combined);
    await writeFileSafely(reportPath, combinedReport(combined, new Date().toISOString()), { roots: writeRoots(deps), what: 'the combined report' }).catch((error) => {
        problems.push(error.message);
    });
    host.setOutput(Output.Verdict, combined.verdict);
    host.setOutput(Output.Report, reportPath);
    host.setOutput(Output.Images, JSON.stringify(imagesOutput(combined)));
    await host.present(combinedMarkdown(combined), combinedText(combined));
    if (deps.github)
        await publishCombined(combined, inputs, deps.github, host, outcome);
    if (problems.length > 0)
        throw new CombineError(outcome, problems);
    return outcome;
}
/** The action's combine step: fails it for any problem, and for the budgets as `fail-on` asks. */
async function combineStep(inputs, host, deps) {
    const outcome = await combineReports(inputs, host, deps);
    if (outcome.failed) {
        const over = outcome.combined.images.filter(image => image.verdict !== 'pass').map(image => `${image.name} (${image.verdict})`);
        throw new Error(`Image budget exceeded: ${over.join(', ')}`);
    }
}

;// CONCATENATED MODULE: ./src/pipeline/writers.ts
















/** `report.json` → `report.comment.md`. */
function commentPath(reportPath) {
    return `${reportPath.replace(/\.json$/, '')}.comment.md`;
}
function describeBudget(result) {
    if (result.unresolved !== undefined)
        return `${result.rule} on ${result.platform}: no reference to measure from, ${result.unresolved}`;
    const side = result.rule !== VULNERABILITY_RULE && budgetRule(result.rule).direction === 'min' ? 'under' : 'over';
    return `${result.rule} on ${result.platform}: ${summary_formatLimit(result.unit, result.actual)} is ${side} the limit of ${summary_formatLimit(result.unit, result.limit)}`;
}
function budgetFailureMessage(report) {
    if (report.call)
        return `Dockerfile checks failed: ${report.call.checks.map(check => `${check.rule}${check.line ? ` (line ${check.line})` : ''}`).join('; ')}`;
    const broken = report.budgets.filter(result => result.status !== 'pass').map(describeBudget);
    const smells = report.smells.map(smell => `${smell.rule}: ${smell.message}`);
    return `Image budget exceeded: ${[...broken, ...smells].join('; ')}`;
}
/** Line of the Dockerfile that a budget result points at: the layer that broke a per-layer budget. */
function budgetLine(report, result) {
    if (!result.layer)
        return undefined;
    return report.platforms.find(platform => platform.platform === result.platform)?.layers.find(layer => layer.digest === result.layer)?.line;
}
/** Annotations on the Dockerfile's lines: every broken budget, every smell, every check finding. */
function annotate({ report, dockerfile }, { host }) {
    for (const notice of report.notices ?? [])
        host.notice(notice, { title: 'image-budget' });
    const at = (line) => (dockerfile && line ? { file: dockerfile.path, startLine: line } : {});
    for (const result of report.budgets) {
        if (result.status === 'pass')
            continue;
        const properties = { title: `image-budget: ${result.rule}`, ...at(budgetLine(report, result)) };
        if (result.status === 'fail')
            host.error(describeBudget(result), properties);
        else
            host.warning(describeBudget(result), properties);
    }
    for (const smell of report.smells) {
        const properties = { title: `image-budget: ${smell.rule}`, ...(smell.file && smell.line ? { file: smell.file, startLine: smell.line } : {}) };
        if (smell.level === 'error')
            host.error(smell.message, properties);
        else
            host.warning(smell.message, properties);
    }
    for (const check of report.call?.checks ?? []) {
        host.warning(`${check.detail || check.description} (${check.url})`, { title: `image-budget: check ${check.rule}`, ...at(check.line) });
    }
}
/**
 * Outputs as docker/build-push-action defines them: `digest` is what was pushed (the registry's
 * digest of the tag), else buildx's metadata; `imageid` from the iidfile; for an existing image,
 * its digest and ID.
 */
function setOutputs(run, { host }) {
    const { report, build } = run;
    const largest = largestPlatform(report);
    const metadata = build?.metadata ?? {};
    const metadataDigest = metadata['containerimage.digest'];
    const metadataConfig = metadata['containerimage.config.digest'];
    const digest = build?.pushedDigest ?? (typeof metadataDigest === 'string' ? metadataDigest : (report.digest ?? ''));
    const imageId = build?.imageId ?? (typeof metadataConfig === 'string' ? metadataConfig : (run.engineImageId ?? run.configDigest ?? digest));
    const sizeDelta = largest?.delta?.size;
    host.setOutput(Output.Verdict, report.verdict);
    host.setOutput(Output.Report, run.spec.reportPath);
    host.setOutput(Output.Size, largest ? String(largest.size) : '');
    host.setOutput(Output.CompressedSize, largest ? String(largest.compressedSize) : '');
    host.setOutput(Output.Digest, build?.call ? '' : digest);
    host.setOutput(Output.ImageId, build?.call ? '' : imageId);
    host.setOutput(Output.Metadata, build && !build.call ? JSON.stringify(build.metadata) : '');
    host.setOutput(Output.Vulnerabilities, report.scan && !report.scan.error ? JSON.stringify(worstCounts(report.platforms)) : '');
    host.setOutput(Output.Sarif, run.sarifPath ?? '');
    host.setOutput(Output.SizeDelta, sizeDelta === undefined || sizeDelta === null ? '' : String(sizeDelta));
}
const writeFile = (file, what, text, { deps }) => writeFileSafely(file, text, { roots: writeRoots(deps), what });
/** The writers of one image's run, in the order they run. */
const WRITERS = [
    { what: 'the annotations', write: annotate },
    { what: 'the report', write: (run, context) => writeFile(run.spec.reportPath, 'the report', `${JSON.stringify(run.report, null, 2)}\n`, context) },
    {
        // The comment as Markdown beside the report, for commenting from a workflow_run (fork pull requests).
        what: 'the comment',
        write: (run, context) => writeFile(commentPath(run.spec.reportPath), 'the comment', fitComment(markdownSummary(run.report, { runUrl: context.deps.github?.context.runUrl }), commentMarker(run.report.name)), context)
    },
    { what: 'the step outputs', write: setOutputs },
    { what: 'the job summary', write: (run, { host }) => host.present(markdownSummary(run.report, { chart: true }), textSummary(run.report)) },
    {
        what: 'the baseline',
        // Only a complete, written report is worth comparing with later.
        when: (run, context) => run.failure === undefined && context.failures.length === 0 && !run.build?.call,
        write: async (run, { host, deps }) => {
            await saveBaseline(run.spec.inputs, run.report.name, run.spec.reportPath, baselineDepsOf(run.spec, { ...deps, host }));
        }
    },
    {
        what: 'the history',
        // As the baseline: only a complete run on the default branch becomes a point (keepHistory checks the event).
        when: (run, context) => run.failure === undefined && context.failures.length === 0 && !run.build?.call,
        write: async (run, { host, deps }) => {
            await keepHistory(run.spec.inputs, run.report, { host, github: deps.github });
        }
    },
    {
        what: 'the pull request comment and status',
        write: async (run, { host, deps }) => {
            await publish(run.report, run.spec.inputs, deps.github?.context, deps.github?.api, host);
        }
    }
];
/**
 * The writers of one image among several (a bake run): the run as a whole has the step outputs,
 * the job summary and the one pull request comment; each image keeps its report and its status.
 */
const IMAGE_OF_MANY_WRITERS = [
    ...WRITERS.filter(writer => !['the comment', 'the step outputs', 'the job summary', 'the pull request comment and status'].includes(writer.what)),
    {
        what: 'the commit status',
        write: async (run, { host, deps }) => {
            await publish(run.report, { ...run.spec.inputs, comment: 'never' }, deps.github?.context, deps.github?.api, host);
        }
    }
];
/** The images of a run of several, as one combined set (what combine mode makes of separate jobs' reports). */
function combinedOf(run) {
    return combine(run.runs.map(image => ({ file: image.spec.reportPath, report: image.report })), [], []);
}
/** The writers of a run of several images, after each image's own. */
const RUN_WRITERS = [
    {
        what: 'the run report',
        write: (run, context) => writeFile(run.reportPath, 'the run report', combinedReport(combinedOf(run), run.runs[0]?.report.createdAt ?? ''), context)
    },
    {
        what: 'the comment',
        write: (run, context) => writeFile(commentPath(run.reportPath), 'the comment', fitComment(combinedMarkdown(combinedOf(run), { runUrl: context.deps.github?.context.runUrl }), commentMarker(run.name)), context)
    },
    {
        what: 'the step outputs',
        write: (run, { host }) => {
            const combined = combinedOf(run);
            host.setOutput(Output.Verdict, combined.verdict);
            host.setOutput(Output.Report, run.reportPath);
            host.setOutput(Output.Images, JSON.stringify(imagesOutput(combined)));
        }
    },
    { what: 'the job summary', write: (run, { host }) => host.present(combinedMarkdown(combinedOf(run)), combinedText(combinedOf(run))) },
    {
        what: 'the pull request comment',
        write: async (run, { host, deps }) => {
            const github = deps.github;
            const combined = combinedOf(run);
            if (!github?.api || !wantsComment(run.inputs, { ...run.runs[0].report, verdict: combined.verdict }, github.context))
                return;
            const body = combinedMarkdown(combined, { runUrl: github.context.runUrl });
            host.info(`Pull request comment: ${await upsertComment(github.api, github.context.pullRequest.number, run.name, body, host, VOLATILE_LINE)}`);
        }
    }
];
async function writeManyRun(run, host, deps) {
    const failures = [];
    for (const image of run.runs)
        failures.push(...(await writeRun(image, host, deps, IMAGE_OF_MANY_WRITERS)));
    for (const writer of RUN_WRITERS) {
        try {
            await writer.write(run, { host, deps, failures });
        }
        catch (error) {
            failures.push(`${writer.what} could not be written: ${error.message}`);
        }
    }
    return failures;
}
/** Runs every writer; returns the failures, each naming its writer. */
async function writeRun(run, host, deps, writers = WRITERS) {
    // Whatever path filled the report (a stage, a failed bake, a signal), nothing leaves with a secret in it.
    scrubDeep(run.report, createScrubber(secretValues(run.spec.inputs, deps.env)));
    const failures = [];
    for (const writer of writers) {
        const context = { host, deps, failures };
        if (writer.when && !writer.when(run, context))
            continue;
        try {
            await writer.write(run, context);
        }
        catch (error) {
            failures.push(error.message.startsWith('Cannot write') ? error.message : `${writer.what} could not be written: ${error.message}`);
        }
    }
    return failures;
}

;// CONCATENATED MODULE: ./src/main.ts
// The action's adapter and the one core the CLI shares: inputs are resolved into image specs, each
// spec runs through its stages, and each run is handed to the writers.





























class BudgetExceededError extends Error {
    outcome;
    constructor(outcome) {
        super(outcome.failureMessage ?? budgetFailureMessage(outcome.report));
        this.outcome = outcome;
        this.name = 'BudgetExceededError';
    }
}
function main_defaultReportPath(name, deps) {
    return reportPathOf({ report: '' }, name, { cwd: '', tempRoot: deps.tempRoot });
}
/**
 * The report of a run that could not resolve its specs (bad input, an unreadable budget file): it
 * is written all the same, so that what reads reports learns why, and the outputs say fail.
 */
async function unresolvedRun(inputs, error, deps) {
    const name = imageName(inputs, deps.cwd);
    const report = emptyReport(name);
    report.createdAt = new Date(deps.clock.now()).toISOString();
    report.verdict = 'fail';
    report.error = createScrubber(secretValues(inputs, deps.env))(error.message);
    const spec = { inputs, name, budgets: {}, smells: { levels: {}, ignore: [] }, secrets: [], secretFiles: [], reportPath: spec_reportPathOf(inputs, name, deps), origin: { kind: 'build' } };
    return { spec, report, failure: error };
}
/** The runs in progress, for a signal to write what they measured before the step is stopped. */
const inProgress = new Set();
/**
 * One run: each image through its stages, then the writers. The report is written whatever
 * happens, with everything measured before a failure.
 */
async function execute(inputs, host, deps) {
    if (isBake(inputs))
        return executeBake(inputs, host, deps);
    let runs;
    try {
        const specs = await resolveSpecs(inputs, deps);
        runs = [];
        for (const spec of specs) {
            runs.push(await runImage(spec, host, deps, { onStart: started => inProgress.add(started) }));
        }
    }
    catch (error) {
        runs = [await unresolvedRun(inputs, error, deps)];
    }
    const failures = [];
    for (const run of runs) {
        failures.push(...(await writeRun(run, host, deps)));
        inProgress.delete(run);
    }
    const [first] = runs;
    if (first.failure !== undefined) {
        for (const message of failures)
            host.error(message);
        throw first.failure;
    }
    if (failures.length > 0)
        throw new Error(failures.join('\n'));
    return { report: first.report, reportPath: first.spec.reportPath, failed: failsStep(first.report.verdict, inputs['fail-on']) };
}
/**
 * A bake definition: every target one image, all built in one bake run, then measured, scanned and
 * budgeted each on its own; one report of schema version 2 and one comment for the run, a status
 * per image. The run fails when any image does.
 */
async function executeBake(inputs, host, deps) {
    const name = inputs.name !== '' ? inputs.name : bakeRunName(inputs);
    const reportPath = spec_reportPathOf(inputs, name, deps);
    const scrub = createScrubber(secretValues(inputs, deps.env));
    let runs = [];
    // While bake builds, a cancelled step still leaves the run's report, saying so.
    const building = await unresolvedRun({ ...inputs, name }, new Error('The bake run had not finished'), deps);
    building.spec.reportPath = reportPath;
    const bakeDir = await (0,promises_.mkdtemp)(external_node_path_.join(deps.tempRoot, 'image-budget-bake-'));
    workFolders.add(bakeDir);
    try {
        const specs = await resolveSpecs(inputs, deps);
        await preflight(inputs, deps.cwd);
        let results;
        let failure;
        inProgress.add(building);
        try {
            results = await host.group(`Build ${specs.map(spec => spec.name).join(', ')} (bake)`, () => runBake(inputs, specs.map(spec => ({ name: spec.name, tags: spec.inputs.tags })), { ...deps, host, dir: bakeDir }));
        }
        catch (error) {
            failure = error;
        }
        finally {
            inProgress.delete(building);
        }
        const ignored = ignoredByBake(inputs);
        for (const spec of specs) {
            const run = await runImage(spec, host, deps, { onStart: started => inProgress.add(started), ...(results ? { bake: results } : {}) });
            if (failure !== undefined) {
                run.failure = failure;
                run.report.verdict = 'fail';
                run.report.error = scrub(failure.message);
            }
            if (ignored)
                run.report.notices = [...(run.report.notices ?? []), ignored];
            runs.push(run);
        }
    }
    catch (error) {
        runs = [await unresolvedRun({ ...inputs, name }, error, deps)];
    }
    finally {
        await (0,promises_.rm)(bakeDir, { recursive: true, force: true });
        workFolders.delete(bakeDir);
    }
    const failures = await writeManyRun({ name, reportPath, inputs, runs }, host, deps);
    for (const run of runs)
        inProgress.delete(run);
    const reports = runs.map(run => run.report);
    const { verdict } = combine(runs.map(run => ({ file: run.spec.reportPath, report: run.report })), [], []);
    const stopped = runs.filter(run => run.failure !== undefined);
    // As for one image: an image that could not be measured fails the step whatever fail-on says.
    if (stopped.length > 0 || failures.length > 0) {
        throw new Error(scrub([...stopped.map(run => `${run.report.name}: ${run.failure.message}`), ...failures].join('\n')));
    }
    const failureMessage = reports
        .filter(report => report.verdict === 'fail')
        .map(report => `${report.name}: ${budgetFailureMessage(report)}`)
        .join('\n');
    return { report: { ...reports[0], verdict }, reportPath, failed: failsStep(verdict, inputs['fail-on']), failureMessage };
}
/** Build inputs a bake run does not take (the definition says them), named in a notice. */
function ignoredByBake(inputs) {
    const names = [
        Input.BuildArgs, Input.BuildContexts, Input.Secrets, Input.SecretEnvs, Input.SecretFiles, Input.Platforms, Input.Tags, Input.Outputs,
        Input.CacheFrom, Input.CacheTo, Input.Attests, Input.Call, Input.Ssh, Input.File, Input.Target, Input.Labels, Input.Annotations
    ];
    const given = givenInputs(inputs, names);
    if (given.length === 0)
        return undefined;
    return `Inputs ${given.map(input => `"${input}"`).join(', ')} are ignored with a bake definition: set them in the definition or with "set"`;
}
/**
 * A cancelled step (SIGINT, SIGTERM) still leaves its report, with what was measured and why it
 * stopped, and no secret file behind it.
 */
function onCancel(deps, host, signal) {
    const pending = [...inProgress].map(async (run) => {
        run.report.verdict = 'fail';
        run.report.error = `The step was cancelled (${signal}) before the image was measured and budgeted`;
        scrubDeep(run.report, createScrubber(secretValues(run.spec.inputs, deps.env)));
        await writeFileSafely(run.spec.reportPath, `${JSON.stringify(run.report, null, 2)}\n`, { roots: writeRoots(deps), what: 'the report' }).catch(() => undefined);
        host.setOutput(Output.Verdict, 'fail');
        host.setOutput(Output.Report, run.spec.reportPath);
    });
    for (const folder of workFolders)
        (0,external_node_fs_.rmSync)(folder, { recursive: true, force: true });
    forgetWorktreesSync();
    return Promise.all(pending).then(() => undefined);
}
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 };
function handleSignals(deps, host, exit = code => process.exit(code)) {
    for (const [signal, code] of Object.entries(SIGNAL_EXIT)) {
        process.once(signal, () => {
            void onCancel(deps, host, signal).finally(() => exit(code));
        });
    }
}
/** The action's entry: read the inputs, run, and fail the step once, here, for any reason. */
async function run() {
    // Loaded here, not with the module: the CLI shares this module and never uses them.
    const core = await Promise.all(/* import() */[__webpack_require__.e(119), __webpack_require__.e(838)]).then(__webpack_require__.bind(__webpack_require__, 3838));
    try {
        const deps = nodeDeps();
        let inputs;
        try {
            inputs = getInputs(name => core.getInput(name));
        }
        catch (error) {
            // Even unreadable inputs leave a report, named as well as the raw name input allows.
            const name = core.getInput(Input.Name) || 'image';
            const reportPath = spec_reportPathOf({ report: core.getInput(Input.Report) }, name, deps);
            const report = { ...emptyReport(name), verdict: 'fail', error: error.message };
            const written = await writeFileSafely(reportPath, `${JSON.stringify(report, null, 2)}\n`, { roots: writeRoots(deps), what: 'the report' }).then(() => true, () => false);
            core.setOutput(Output.Verdict, 'fail');
            if (written)
                core.setOutput(Output.Report, reportPath);
            throw error;
        }
        const { actionHost } = await Promise.all(/* import() */[__webpack_require__.e(119), __webpack_require__.e(838), __webpack_require__.e(856)]).then(__webpack_require__.bind(__webpack_require__, 2856));
        const host = actionHost(inputs.summary);
        handleSignals(deps, host);
        const context = await readGitHubContext(deps.env);
        if (context) {
            const token = inputs['github-token'] || deps.env.GITHUB_TOKEN || '';
            if (token)
                core.setSecret(token);
            deps.github = { context, ...(token ? { token, api: octokitApi(token, context.owner, context.repo, context.apiUrl) } : {}) };
        }
        // Combine mode: one verdict over the reports of other runs; nothing is built.
        if (isCombineMode(inputs))
            return await combineStep(inputs, host, deps);
        deps.actionsCache = await probeActionsCache(deps.env, deps.fetch);
        if (deps.actionsCache && !deps.actionsCache.usable) {
            core.warning(`The GitHub Actions cache is not used in this run (layer index, baseline, Trivy DB): ${deps.actionsCache.reason}`);
        }
        else if (await actionsCacheAvailable()) {
            deps.layerCacheDir = external_node_path_.join(deps.tempRoot, 'image-budget-layers', slugOf(imageName(inputs, deps.cwd)));
            deps.cache = actionsCacheBackend;
        }
        const outcome = await execute(inputs, host, deps);
        if (outcome.failed)
            throw new BudgetExceededError(outcome);
    }
    catch (error) {
        core.setFailed(error instanceof Error ? error.message : String(error));
    }
}


/***/ })

};
