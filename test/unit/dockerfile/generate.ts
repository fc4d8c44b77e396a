/**
 * Generates realistic Dockerfiles of any length (deterministic for a seed): stages, RUN with
 * continuation lines and comments inside, heredocs, cache mounts, COPY with flags, ENV, ARG,
 * LABEL, HEALTHCHECK. Used by the parser tests and bench/parse.ts instead of committing huge
 * fixtures.
 */

/** A small deterministic generator (LCG), so a seed always gives the same file. */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const PACKAGES = ['curl', 'git', 'ca-certificates', 'build-essential', 'python3', 'python3-pip', 'jq', 'unzip', 'openssh-client', 'tzdata'];

/** A Dockerfile of exactly `lines` lines (each ending in `\n`). */
export function generateDockerfile(lines: number, seed = 1): string {
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const out: string[] = ['# syntax=docker/dockerfile:1', 'ARG BASE=debian:bookworm-slim'];
  let stage = 0;
  const blocks: (() => string[])[] = [
    () => [`FROM \${BASE} AS stage${++stage}`],
    () => {
      const pkgs = Array.from({ length: 2 + Math.floor(rnd() * 5) }, () => pick(PACKAGES));
      return ['RUN apt-get update \\', '    # keep the list short', ...pkgs.map((p) => `    && apt-get install -y --no-install-recommends ${p} \\`), '    && rm -rf /var/lib/apt/lists/*'];
    },
    () => [`RUN --mount=type=cache,target=/root/.cache/pip,sharing=locked pip install ${pick(PACKAGES)}==${Math.floor(rnd() * 9)}.${Math.floor(rnd() * 20)}`],
    () => ['COPY <<EOF /etc/app.conf', `port=${8000 + Math.floor(rnd() * 1000)}`, 'debug=false', 'EOF'],
    () => ['RUN <<-SCRIPT', '\tset -eu', `\techo building ${stage}`, '\tSCRIPT'],
    () => [`COPY --chown=app:app --chmod=644 src/${pick(PACKAGES)} /app/`],
    () => [`ENV APP_HOME=/app PATH=/app/bin:$PATH LEVEL=${Math.floor(rnd() * 5)}`],
    () => [`LABEL org.opencontainers.image.version="1.${Math.floor(rnd() * 50)}" maintainer="team@example.com"`],
    () => [`WORKDIR /app/${pick(PACKAGES)}`],
    () => ['', `# step ${out.length}`],
    () => ['HEALTHCHECK --interval=30s --timeout=3s CMD curl -f http://localhost/ || exit 1'],
    () => [`EXPOSE ${8000 + Math.floor(rnd() * 100)}/tcp`],
  ];
  out.push(`FROM \${BASE} AS stage${++stage}`);
  while (out.length < lines) {
    let block = pick(blocks)();
    if (out.length + block.length > lines) block = Array.from({ length: lines - out.length }, (_, i) => `# filler ${i}`);
    out.push(...block);
  }
  return out.slice(0, lines).map((l) => l + '\n').join('');
}
