/**
 * A generated build context with a Dockerfile of at least 600 lines (ours, not a real project's):
 * many stages that read one another (FROM <stage>, COPY --from, RUN --mount from=), installs
 * after a whole-context copy, downloads, and text meant to break out of an HTML page (in a
 * comment, an ARG default, a LABEL and a RUN), which a report must show as text.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Text that runs a script if a report pastes it into its page unescaped. */
export const HOSTILE = `</script><img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>`;

export interface BigContext {
  dockerfile: string;
  lines: number;
  stages: number;
}

export function writeBigContext(dir: string, stages = 24): BigContext {
  const files: Record<string, string> = {
    'requirements.txt': 'flask==3.0.0\nrequests==2.31.0\n',
    'package.json': '{"name":"web","version":"1.0.0","dependencies":{"left-pad":"1.3.0"}}\n',
    'src/app.py': 'print("hello")\n',
    'src/worker.py': 'print("work")\n',
    'web/index.js': 'console.log("hi")\n',
    'docs/README.md': '# docs\n',
  };
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  }
  const out: string[] = [
    '# syntax=docker/dockerfile:1',
    `# A generated file for the HTML report's test ${HOSTILE}`,
    `ARG NOTE="${HOSTILE.replace(/"/g, "'")}"`,
    'ARG PYTHON_VERSION=3.12',
  ];
  for (let k = 0; k < stages; k++) {
    const name = `part-${k}`;
    const base = k > 0 && k % 3 === 0 ? `part-${k - 1}` : 'bb:latest';
    out.push('', `# ---- stage ${k}: ${k % 2 ? 'a worker' : 'a library'} ----`, `FROM ${base} AS ${name}`, 'ARG NOTE', `LABEL note="$NOTE" part="${k}"`, 'WORKDIR /work');
    out.push(`ENV PART=${k} \\`, `    MODE=release \\`, `    LEVEL=${k % 5}`);
    out.push('COPY . /work/app');
    out.push(
      'RUN pip install -r /work/app/requirements.txt \\',
      `    && echo 'installed ${HOSTILE.replace(/'/g, '"')}' > /tmp/log \\`,
      `    && sleep ${1 + (k % 4)}`,
    );
    out.push('RUN apt-get update && apt-get install -y curl \\', '    && rm -rf /var/lib/apt/lists/*');
    out.push(`RUN curl -fsSL https://example.com/tool-${k}.tar.gz | tar -xz -C /opt \\`, `    && sleep ${k % 3}`);
    if (k >= 2) out.push(`COPY --from=part-${k - 2} /work/out /work/in-${k - 2}`);
    if (k >= 4 && k % 4 === 0) out.push(`RUN --mount=type=bind,from=part-${k - 4},source=/work,target=/mnt \\`, '    ls /mnt > /work/listing');
    out.push(
      'RUN mkdir -p /work/out \\',
      `    && cp -r /work/app/src /work/out/src-${k} \\`,
      '    && echo built > /work/out/stamp',
    );
    out.push(`RUN echo "${k}" >> /work/out/parts \\`, '    && sleep 1');
    out.push(`# end of stage ${k}`);
  }
  out.push('', '# ---- final ----', 'FROM bb:latest AS final', 'WORKDIR /srv');
  for (let k = stages - 1; k >= 0 && out.length < 597; k -= 2) out.push(`COPY --from=part-${k} /work/out /srv/part-${k}`);
  while (out.length < 600) out.push(`# padding line ${out.length + 1}`);
  out.push('CMD ["python", "/srv/app.py"]', '');
  const text = out.join('\n');
  writeFileSync(path.join(dir, 'Dockerfile'), text);
  return { dockerfile: path.join(dir, 'Dockerfile'), lines: out.length - 1, stages: stages + 1 };
}
