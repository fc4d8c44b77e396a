/**
 * Where BuildKit versions build a Dockerfile differently, one row per behaviour. The model takes
 * the version of the BuildKit that will build (`--buildkit-version`, or the engine's own when a
 * command builds); without one it models the current BuildKit, the release scripts/engine.sh pins.
 *
 * Every row is engine-tested on both engines of the test suite, BuildKit v0.8 (inside Docker
 * 20.10) and the pin (test/engine/versions.test.ts). `since` is the first release with the
 * behaviour where its release notes say so; where they were not checked, versions between v0.8
 * and the pin are not known either way, and the model allows both.
 */

/** The BuildKit release the engine tests run as the current engine (scripts/engine.sh). */
export const CURRENT_BUILDKIT = 'v0.34.2';
/** The BuildKit inside Debian's Docker 20.10, the other engine of the tests. */
export const OLDEST_TESTED_BUILDKIT = 'v0.8';

export interface Behaviour {
  /** What a Dockerfile sees. */
  what: string;
  /** First release with it (from its release notes); absent when not pinned down. */
  since?: string;
}

export const BEHAVIOURS = {
  'substitution-patterns': {
    what: 'the ${V#p} ${V##p} ${V%p} ${V%%p} ${V/p/r} ${V//p/r} expansions (Dockerfile frontend 1.7); v0.8 fails with "missing \':\' in substitution"',
    since: 'v0.13',
  },
  'colonless-defaults': {
    what: 'the ${V-x} and ${V+x} expansions (without the colon: only an unset V counts); v0.8 fails with "missing \':\' in substitution" (it has ${V?x})',
  },
  heredocs: {
    what: 'here-documents in RUN and COPY (`RUN <<EOF`, Dockerfile frontend 1.4); v0.8 reads the lines after `<<EOF` as instructions',
    since: 'v0.10',
  },
  'cache-mount-options-unkeyed': {
    what: 'the id and sharing of a RUN cache mount are not part of the step\'s cache key (changing them re-runs nothing); v0.8 re-runs the step',
  },
  'mount-stubs-removed': {
    what: 'the directories a RUN --mount makes for a mount point that the image lacks are removed after the step; v0.8 leaves them in the image',
  },
} satisfies Record<string, Behaviour>;

export type BehaviourName = keyof typeof BEHAVIOURS;

/** `v0.34.2`, `0.8`, `v0.13.0-rc1` → [0, 34, 2]; undefined for what is not a version (`v0.0.0+unknown` is one: 0.0.0). */
export function parseBuildKitVersion(text: string): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text.trim());
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

/**
 * Whether BuildKit `version` has the behaviour: true, false, or undefined when not known (a
 * version between v0.8 and the pin for a behaviour whose first release was not pinned down).
 * No version, or one that does not parse (a development build): the current BuildKit.
 */
export function hasBehaviour(name: BehaviourName, version: string | undefined): boolean | undefined {
  const v = version === undefined ? undefined : parseBuildKitVersion(version);
  if (!v || (v[0] === 0 && v[1] === 0)) return true;
  const b: Behaviour = BEHAVIOURS[name];
  if (b.since) return compare(v, parseBuildKitVersion(b.since)!) >= 0;
  if (compare(v, parseBuildKitVersion(OLDEST_TESTED_BUILDKIT)!) <= 0) return false;
  if (compare(v, parseBuildKitVersion(CURRENT_BUILDKIT)!) >= 0) return true;
  return undefined;
}

/** Which behaviours the model applied for `version`, for output: `{ heredocs: true, ... }` (null: both allowed). */
export function behavioursFor(version: string | undefined): Record<BehaviourName, boolean | null> {
  const out = {} as Record<BehaviourName, boolean | null>;
  for (const name of Object.keys(BEHAVIOURS) as BehaviourName[]) out[name] = hasBehaviour(name, version) ?? null;
  return out;
}
