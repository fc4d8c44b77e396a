import path from 'node:path';
import { LineIndex } from '../core/ranges.js';
import type { Step } from '../graph/graph.js';
import { codeSource, type RunAnalysis } from '../shell/index.js';
import { defineRule } from './define.js';
import { nextCommand, runAnalysis, runRange } from './shared.js';

/** What a download installs or runs: archives, packages, binaries and installers (not keys, checksums or pages). */
const ARTIFACT = /\.(tar|tgz|tar\.(gz|xz|bz2|zst)|tbz2?|txz|zip|7z|gz|xz|bz2|zst|deb|rpm|apk|jar|war|whl|exe|msi|msix|appimage|bin|run|dmg|pkg|nupkg)(\?.*)?$/i;
/** Files that verify another (fetched beside it to check it), and keys. */
const VERIFIER = /\.(asc|sig|sign|gpg|pub|key|sha1|sha256|sha512|sha256sum|sha512sum|md5|sum|pem|crt)(\?.*)?$/i;
/** Commands that check what was downloaded: a digest, a signature. */
const CHECKS = /^(sha1sum|sha224sum|sha256sum|sha384sum|sha512sum|shasum|b2sum|md5sum|cksum|gpg|gpg2|gpgv|cosign|minisign|signify|openssl|rpm|slsa-verifier)$/;
/** Tools that take an archive on stdin and unpack or install it. */
const UNPACKERS = /^(tar|bsdtar|unzip|funzip|gunzip|xz|unxz|zstd|bzip2|busybox|dpkg|rpm|cpio|jar)$/;

const base = (v: string) => path.posix.basename(v);

interface Download {
  url: string;
  command: number;
}

/**
 * An artifact fetched in a RUN (curl, wget, PowerShell's Invoke-WebRequest) and used with no
 * checksum or signature check in the same RUN: the image holds whatever the server sent that
 * day. A download piped into a shell is pipe-to-shell's; one verified by any digest or
 * signature command in the same RUN stays clean.
 */
export default defineRule({
  meta: {
    name: 'download-without-checksum',
    category: 'reliability',
    severity: 'warning',
    description: 'A RUN downloads an archive, package or binary (curl, wget, Invoke-WebRequest) and installs or unpacks it with no checksum or signature check in the same RUN.',
    fix: null,
    messages: {
      download: '{{url}} is downloaded and {{how}} with no checksum or signature check: verify it in the same RUN ({{check}}), or use ADD --checksum=sha256:…',
    },
  },
  check(ctx) {
    for (const stage of ctx.graph.stages) {
      if (!stage.needed) continue;
      for (const step of stage.steps) {
        if (step.keyword !== 'RUN') continue;
        if (powershell(step)) {
          const inst = step.instruction;
          const text = inst.text;
          const m = /\b(Invoke-WebRequest|iwr|Start-BitsTransfer|DownloadFile)\b[^;\n`]*?(https?:\/\/[^\s'"`;)]+|\$\w+(?::\w+)?)/i.exec(text);
          if (!m || /\b(Get-FileHash|certutil\b[^;\n]*-hashfile|Get-AuthenticodeSignature|cosign|gpg)\b/i.test(text)) continue;
          // At the download's own words in the file (the RUN's lines joined lose their places).
          const raw = ctx.file.source.slice(inst.range.start.offset, inst.range.end.offset);
          const at = raw.search(new RegExp(`\\b${m[1]}\\b`, 'i'));
          const range = at < 0 ? inst.range : new LineIndex(ctx.file.source).range(inst.range.start.offset + at, inst.range.start.offset + at + m[1].length);
          ctx.report({
            messageId: 'download',
            data: { url: m[2], how: 'used', check: '(Get-FileHash FILE -Algorithm SHA256).Hash against a pinned value' },
            range,
          });
          continue;
        }
        const a = runAnalysis(step);
        if (!a) continue;
        if (a.commands.some((c) => CHECKS.test(base(c.name.value)) && isCheck(base(c.name.value), c.args.map((w) => w.value)))) continue;
        for (const d of downloads(a)) {
          const how = piped(a, d.command);
          if (how === 'shell') continue;
          ctx.report({
            messageId: 'download',
            data: { url: d.url, how: how ?? 'used', check: 'echo "<sha256>  FILE" | sha256sum -c -' },
            range: runRange(ctx.file, step, a.commands[d.command].range),
          });
        }
      }
    }
  },
});

function powershell(step: Step): boolean {
  const sh = base((step.scope.shell[0] ?? '').replace(/\\/g, '/')).toLowerCase();
  return /^(powershell|pwsh)(\.exe)?$/.test(sh) || /^\s*(powershell|pwsh)(\.exe)?\s/i.test(step.instruction.keyword === 'RUN' ? step.instruction.text : '');
}

/** A digest command that checks (`-c`, a comparison in the script), a signature verification. */
function isCheck(name: string, args: string[]): boolean {
  if (name === 'gpg' || name === 'gpg2') return args.some((v) => v === '--verify' || v === '--verify-files');
  if (name === 'openssl') return args.includes('dgst') || args.includes('sha256');
  if (name === 'cosign' || name === 'slsa-verifier') return args.some((v) => v.startsWith('verify'));
  if (name === 'rpm') return args.includes('-K') || args.includes('--checksig');
  // A digest printed into a comparison (`[ "$(sha256sum f)" = ... ]`, `| grep -q`) checks as well as -c does.
  return true;
}

/** The artifact downloads of a RUN: curl and wget of URLs that name an archive, package or binary. */
function downloads(a: RunAnalysis): Download[] {
  const out: Download[] = [];
  a.activities.forEach((act, i) => {
    if (act.rule !== 'curl' && act.rule !== 'wget') return;
    for (const url of act.items) {
      const pathPart = url.replace(/^[a-z]+:\/\/[^/]*/i, '');
      // A release asset or a file written into a bin folder is a program, whatever its name.
      const intoBin = a.commands[i].args.some((w, k, ws) => ['-o', '--output', '-O', '--output-document'].includes(ws[k - 1]?.value ?? '') && /\/bin\//.test(w.value));
      if (VERIFIER.test(pathPart) || !(ARTIFACT.test(pathPart) || /\/releases\/download\//.test(pathPart) || intoBin)) continue;
      out.push({ url, command: i });
    }
  });
  return out;
}

/** What the download's output is piped into: `unpacked` by tar and the like, `shell` when run (pipe-to-shell's). */
function piped(a: RunAnalysis, i: number): 'unpacked' | 'shell' | undefined {
  const next = nextCommand(a, i);
  if (!next || next.between.trim() !== '|') return undefined;
  const name = base(a.commands[next.index].name.value);
  if (UNPACKERS.test(name)) return 'unpacked';
  if (codeSource(a.commands[next.index])?.from === 'stdin') return 'shell';
  return undefined;
}
