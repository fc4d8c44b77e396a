/**
 * The user's folders, by the XDG base directory spec: a variable that is unset, empty or
 * relative is ignored (the spec says so), and the home folder's default is used instead.
 * Profiles live under the cache folder, the user's config under the config folder.
 */
import os from 'node:os';
import path from 'node:path';

function base(env: NodeJS.ProcessEnv, variable: 'XDG_CACHE_HOME' | 'XDG_CONFIG_HOME', fallback: string): string {
  const xdg = env[variable];
  return xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME || os.homedir(), fallback);
}

/** `$XDG_CACHE_HOME`, else `~/.cache`. */
export function cacheHome(env: NodeJS.ProcessEnv = process.env): string {
  return base(env, 'XDG_CACHE_HOME', '.cache');
}

/** `$XDG_CONFIG_HOME`, else `~/.config`. */
export function configHome(env: NodeJS.ProcessEnv = process.env): string {
  return base(env, 'XDG_CONFIG_HOME', '.config');
}
