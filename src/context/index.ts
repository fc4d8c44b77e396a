/**
 * The build context exactly as BuildKit sees it: which ignore file applies, what is sent, what
 * each COPY/ADD source or bind mount reads, and a content digest of that, so analyses can say
 * which steps a change invalidates without running a build.
 *
 * @packageDocumentation
 */

/**
 * Entry point: open a context once per build, then ask it. It walks on open and keeps file
 * digests, so many instructions can be checked against one snapshot cheaply.
 */
export { BuildContext, openContext, type OpenContextOptions } from './context.js';

/**
 * .dockerignore choice and parsing, with line/column per pattern so findings about a pattern
 * point at it. Written here rather than taken from @balena/dockerignore, which follows an old
 * Docker matcher (see dockerignore.ts).
 */
export { loadDockerignore, parseDockerignore, type DockerIgnore, type IgnorePattern } from './dockerignore.js';

/**
 * The matcher BuildKit uses for .dockerignore and `COPY --exclude`, for callers that need to
 * test paths against their own pattern lists.
 */
export { PatternMatcher, PatternError, type MatchInfo, type Pattern } from './patternmatcher.js';

/** The filtered walk: what BuildKit receives, with modes, sizes and link targets. */
export { walkContext, type ContextEntry, type EntryType } from './walk.js';

/**
 * Content identity (bytes + permission bits, link targets; never mtime or owner), streamed with
 * bounded concurrency, and an order-independent digest of a selection.
 */
export { combinedDigest, hashEntries, identity, type HashOptions } from './hash.js';

/**
 * Source selection for COPY/ADD (Go globbing per segment, `--exclude`) and bind mounts, with
 * missing sources reported rather than thrown, since BuildKit fails only when the step runs.
 */
export {
  ContextIndex,
  selectBindMount,
  selectSources,
  type MissingReason,
  type MissingSource,
  type SelectOptions,
  type Selection,
} from './select.js';

/** Go's path rules BuildKit applies (Clean, Match, wildcard split), for other modules. */
export { BadPatternError, containsWildcards, goClean, goMatch, splitWildcards } from './gopath.js';

/**
 * The kinds of change the context sees on its own: each folder's code edit (main code first)
 * and each manifest change; what change impact, bench and fix judge a Dockerfile on.
 */
export { isManifestPath, manifestClasses, MANIFESTS, representativeSourceEdit, sourceClasses, type SourceClass } from './source-classes.js';
