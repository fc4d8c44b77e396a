/**
 * What every command shares: resolving CONTEXT and FILE the way `docker build` does, and
 * parsing repeated NAME=VALUE options.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { InputError, UsageError } from '../core/errors.js';
import type { Target } from '../core/target.js';
import { chooseProfile, defaultProfilePath, LEGACY_PROFILE } from '../timing/profile-path.js';
import { loadProfile, type Profile } from '../timing/profile.js';
import { parseBuildKitVersion } from '../core/buildkit.js';
import { chooseEngine, detectOptionsFor, type EngineChoice } from '../engine/engine.js';
import { printErr } from './output.js';
import { noteVariable } from '../core/secrets.js';

export { resolveTarget, type Target } from '../core/target.js';

/** Collects `--build-arg NAME=VALUE` into a record (commander calls it once per use). */
export function collectKeyValue(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) {
    // `docker build --build-arg NAME` takes the value from the environment.
    const env = process.env[value];
    if (eq === 0 || env === undefined) throw new UsageError(`--build-arg expects NAME=VALUE, got "${value}"`);
    noteVariable(value, env);
    return { ...previous, [value]: env };
  }
  noteVariable(value.slice(0, eq), value.slice(eq + 1));
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

export function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function checkFormat<T extends string>(value: string, allowed: readonly T[], given = '--format'): T {
  if (!allowed.includes(value as T)) throw new UsageError(`${given} must be one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

/**
 * An option with an environment twin, as hadolint's `HADOLINT_*` are: a CI job or a shell
 * profile sets it once. Commander reads the variable when the flag is absent, so a flag wins
 * over its variable, which wins over the config file and the default.
 */
export function envOption(flags: string, description: string, variable: string, defaultValue?: string): Option {
  const o = new Option(flags, description).env(variable);
  return defaultValue === undefined ? o : o.default(defaultValue);
}

/** How an option's value was given, for an error message: the flag, or the variable that stood in for it. */
export function givenAs(cmd: Command, key: string, flag: string): string {
  if (cmd.getOptionValueSource(key) !== 'env') return flag;
  const o = cmd.options.find((x) => x.attributeName() === key);
  return o?.envVar ?? flag;
}

/** The options that pick what is built, the same on every command: CONTEXT, -f, --target, --build-arg. */
export function buildSelection(cmd: Command, buildArgHelp = 'build argument (repeatable)'): Command {
  return cmd
    .argument('[CONTEXT]', 'build context folder', '.')
    .option('-f, --file <FILE>', 'Dockerfile (default: CONTEXT/Dockerfile)')
    .option('--target <STAGE>', 'stage to build (default: the last); with --bake, the bake target or group')
    .option('--build-arg <NAME=VALUE>', buildArgHelp, collectKeyValue)
    .option('--buildkit-version <V>', 'model this BuildKit (v0.8, v0.34.2, ...) where versions differ; default: the engine\'s own when building, else the current one', parseBuildKitVersionOption);
}

/**
 * `--bake FILE` and `--compose FILE [--service S]`: the images a bake or compose file
 * describes, on the commands that read Dockerfiles (analyze, explain, fix, graph).
 */
export function imageSelection(cmd: Command): Command {
  return cmd
    .option('--bake <FILE>', 'read the images of a bake file (docker-bake.hcl/.json): context, dockerfile, args and target per bake target (--target picks a target or group; default: the "default" group)')
    .option('--compose <FILE>', 'read the images of a compose file: build context, dockerfile, args and target per service')
    .option('--service <NAME>', 'with --compose: this service only (repeatable)', collectList);
}

/** The options imageSelection adds, with the selection ones every command has. */
export interface ImageFlags { file?: string; target?: string; buildArg?: Record<string, string>; bake?: string; compose?: string; service?: string[] }

/** The library's image options from a command's flags. */
export function imageOptions(context: string, o: ImageFlags) {
  return { context, file: o.file, bake: o.bake, compose: o.compose, target: o.target, service: o.service, buildArgs: o.buildArg };
}

function parseBuildKitVersionOption(value: string): string {
  if (!parseBuildKitVersion(value)) throw new UsageError(`--buildkit-version expects a version like v0.8 or v0.34.2, got "${value}"`);
  return value;
}

/**
 * Ctrl-C (or SIGTERM) during engine work: the first aborts `signal`, so the work stops and
 * removes what it made (images, copies); a second one leaves at once. `dispose` when done.
 */
export function onInterrupt(what: string): { signal: AbortSignal; dispose: () => void } {
  const abort = new AbortController();
  let interrupts = 0;
  const handler = () => {
    if (++interrupts > 1) process.exit(130);
    printErr(`\nlayerwise: stopping, removing ${what}…\n`);
    abort.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: abort.signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

/** `--profile FILE`, the same on every command that reads durations; the default is the context's (see profile-path.ts). */
export const PROFILE_OPTION_HELP = 'measured step durations (default: the context\'s profile under $XDG_CACHE_HOME/layerwise; see layerwise profile)';

/**
 * The profile a reading command uses: `--profile FILE` must exist (a typo would otherwise
 * silently mean "no measurements"); the default may be absent (estimates then). A profile
 * found only at the old default inside the working directory is read, with a warning.
 */
export async function readProfile(option: string | undefined, t: Target): Promise<Profile> {
  const choice = chooseProfile(option, t.contextDir, true);
  if (choice.explicit && !existsSync(choice.file)) {
    throw new InputError('no such profile (record one with `layerwise profile record --profile FILE`, or leave out --profile)', choice.file);
  }
  if (choice.legacy) {
    const to = defaultProfilePath(t.contextDir);
    printErr(`layerwise: warning: reading ${LEGACY_PROFILE}, where profiles used to be kept; inside a build context the next COPY picks it up and busts the cache. Move it to the default place: mkdir -p ${JSON.stringify(path.dirname(to))} && mv ${LEGACY_PROFILE} ${JSON.stringify(to)}\n`);
  }
  return loadProfile(choice.file);
}

/**
 * `--cache-from` and `--cache-to`, on every command that builds: passed to each of its builds
 * (see engine/driver.ts cacheArgs for what each engine takes).
 */
export function cacheSelection(cmd: Command): Command {
  return cmd
    .option('--cache-from <CACHE>', 'import build cache: IMAGE, type=registry,ref=IMAGE or type=local,src=DIR (repeatable; docker 20.10 reads images with an inline cache only)', collectList)
    .option('--cache-to <CACHE>', 'export build cache: type=registry,ref=IMAGE[,mode=min|max], type=local,dest=DIR[,mode=...] or type=inline (repeatable; docker 20.10 exports inline only)', collectList);
}

/** The cache options a command got, for the library call. */
export function cacheOptions(o: { cacheFrom?: string[]; cacheTo?: string[] }): { cacheFrom?: string[]; cacheTo?: string[] } {
  return { ...(o.cacheFrom?.length ? { cacheFrom: o.cacheFrom } : {}), ...(o.cacheTo?.length ? { cacheTo: o.cacheTo } : {}) };
}

const ENGINES: readonly EngineChoice[] = ['docker', 'buildkit'];

/**
 * `--engine docker|buildkit` and `--builder NAME`, on every command that builds. The choice holds
 * for the whole command (every build of a bench, verify or fix --verify goes to the same engine).
 */
export function engineSelection(cmd: Command): Command {
  return cmd
    .option('--engine <ENGINE>', 'docker (the BuildKit inside dockerd) or buildkit (a BuildKit daemon via buildctl, at BUILDKIT_HOST or unix:///run/buildkit/buildkitd.sock); default: buildkit when BUILDKIT_HOST is set, else docker')
    .option('--builder <NAME>', 'a buildx builder to build with (docker buildx build --builder NAME)')
    .hook('preAction', (self) => {
      const o = self.opts<{ engine?: string; builder?: string }>();
      if (o.engine !== undefined && !ENGINES.includes(o.engine as EngineChoice)) {
        throw new UsageError(`--engine must be one of ${ENGINES.join(', ')}, got "${o.engine}"`);
      }
      if (o.builder !== undefined && o.engine === 'buildkit') {
        throw new UsageError('--builder names a buildx builder; it does not go with --engine buildkit');
      }
      chooseEngine(detectOptionsFor({ ...(o.engine ? { engine: o.engine as EngineChoice } : {}), ...(o.builder ? { builder: o.builder } : {}) }));
    });
}
