/**
 * Build arguments BuildKit defines without an ARG line: the platform ARGs, usable in FROM
 * lines, and in a stage once declared with `ARG NAME`. (The proxy ARGs need no model: an
 * undeclared one never enters a step's scope, and a declared one is an ordinary ARG, as the
 * engine scenarios arg-proxy-* show.)
 * See https://docs.docker.com/reference/dockerfile/#automatic-platform-args-in-the-global-scope
 */

export interface Platform {
  os: string;
  arch: string;
  variant: string;
}

/** The platform of this machine in OCI terms (what BuildKit reports as BUILDPLATFORM). */
export function hostPlatform(): Platform {
  const arch = ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' } as Record<string, string>)[process.arch] ?? process.arch;
  const variant = arch === 'arm' ? 'v7' : '';
  return { os: 'linux', arch, variant };
}

export function parsePlatform(spec: string): Platform {
  const [os = 'linux', arch = 'amd64', variant = ''] = spec.split('/');
  return { os, arch, variant };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.arch, p.variant].filter(Boolean).join('/');
}

/** The automatic platform ARGs for a build on `build` targeting `target`. */
export function platformArgs(target: Platform, build: Platform = hostPlatform()): Map<string, string> {
  return new Map([
    ['TARGETPLATFORM', formatPlatform(target)],
    ['TARGETOS', target.os],
    ['TARGETARCH', target.arch],
    ['TARGETVARIANT', target.variant],
    ['BUILDPLATFORM', formatPlatform(build)],
    ['BUILDOS', build.os],
    ['BUILDARCH', build.arch],
    ['BUILDVARIANT', build.variant],
  ]);
}

/**
 * Whether an image reference names a Windows image: Microsoft's Windows bases (servercore,
 * nanoserver, windows/server) and the tags official images give their Windows variants
 * (`python:3.12-windowsservercore-ltsc2022`, `golang:1.23-nanoserver`). BuildKit takes the OS
 * from the image's config; layerwise has no registry, so it reads the name.
 */
export function isWindowsImage(ref: string): boolean {
  return /(^|\/)windows(\/|:|$)|mcr\.microsoft\.com\/windows|windowsservercore|nanoserver|(^|[-:_])ltsc20\d\d\b/i.test(ref);
}

/** The shell a RUN runs with when no SHELL is set: BuildKit's defaultShell(os), by the image's OS. */
export function defaultShell(windows: boolean): string[] {
  return windows ? ['cmd', '/S', '/C'] : ['/bin/sh', '-c'];
}

/**
 * What language a shell speaks: `posix` for sh, bash, ash, dash and the like; `powershell` for
 * powershell and pwsh; `cmd` for cmd.exe. Paths may be Windows paths
 * (`C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe`).
 */
export function shellDialect(shell: readonly string[]): 'posix' | 'powershell' | 'cmd' {
  let i = 0;
  const name = (w: string | undefined) => (w ?? '').split(/[\\/]/).pop()!.toLowerCase().replace(/\.exe$/, '');
  // `/usr/bin/env bash -c`: the program env runs.
  if (name(shell[0]) === 'env') i = 1;
  const n = name(shell[i]);
  if (n === 'powershell' || n === 'pwsh') return 'powershell';
  if (n === 'cmd') return 'cmd';
  return 'posix';
}
