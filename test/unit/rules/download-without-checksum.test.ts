import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges } from './harness.js';

const rule = 'download-without-checksum';

test('a tarball fetched and unpacked with no check is found at the download', async () => {
  const df = 'FROM debian\nARG V=3.7.1\nRUN curl -L -s -o tool.tgz "https://github.com/acme/tool/releases/download/v${V}/tool-linux-amd64-v${V}.tar.gz" \\\n && tar xzf tool.tgz && ./tool/install.sh\n';
  const f = await findings(rule, df);
  assert.deepEqual(ranges(f), ['3:5-3:112']);
  // The URL as written in the RUN.
  assert.match(f[0].message, /^https:\/\/github\.com\/acme\/tool\/releases\/download\/v\$\{V\}\/tool-linux-amd64-v\$\{V\}\.tar\.gz is downloaded and used with no checksum or signature check/);
});

test('curl | tar is this rule (unpacked), and a binary written into a bin folder counts', async () => {
  const f = await findings(rule, 'FROM debian\nRUN curl -fsSL https://example.com/x-1.2.tar.gz | tar -xz -C /opt\n');
  assert.match(f[0].message, /is downloaded and unpacked with no checksum/);
  assert.equal((await findings(rule, 'FROM debian\nRUN curl -fsSL https://example.com/dl/kubectl -o /usr/local/bin/kubectl && chmod +x /usr/local/bin/kubectl\n')).length, 1);
});

test('Invoke-WebRequest in a PowerShell image with no Get-FileHash is found; with it, clean', async () => {
  const ps = 'FROM mcr.microsoft.com/windows/servercore:ltsc2022\nSHELL ["powershell", "-Command"]\nRUN Invoke-WebRequest -Uri https://example.com/tool.zip -OutFile tool.zip; Expand-Archive tool.zip -DestinationPath C:\\tool\n';
  assert.deepEqual(ranges(await findings(rule, ps)), ['3:5-3:22']);
  const checked = ps.replace('; Expand-Archive', "; if ((Get-FileHash tool.zip -Algorithm sha256).Hash -ne $env:TOOL_SHA256) { exit 1 }; Expand-Archive");
  assert.deepEqual(await findings(rule, checked), []);
});

test('stays clean with a digest or signature check in the same RUN, for keys and pages, and for pipes into a shell', async () => {
  assert.deepEqual(await findings(rule, 'FROM debian\nARG SHA=abc\nRUN curl -fsSLo x.tar.gz https://example.com/x.tar.gz && echo "$SHA  x.tar.gz" | sha256sum -c - && tar xzf x.tar.gz\n'), []);
  assert.deepEqual(await findings(rule, 'FROM debian\nRUN wget -O x.tgz https://example.com/x.tgz && wget -O x.tgz.asc https://example.com/x.tgz.asc && gpg --batch --verify x.tgz.asc x.tgz && tar xzf x.tgz\n'), []);
  assert.deepEqual(await findings(rule, 'FROM debian\nRUN curl -fsSL https://example.com/key.gpg | gpg --dearmor -o /usr/share/keyrings/x.gpg\n'), []);
  assert.deepEqual(await findings(rule, 'FROM debian\nRUN curl -fsSL https://example.com/api/status\n'), []);
  assert.deepEqual(await findings(rule, 'FROM debian\nRUN curl -fsSL https://example.com/install.tar.gz | sh\n'), []);
});
