import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges } from './harness.js';

const rule = 'manifest-first-install';
const files = { 'requirements.txt': 'flask\n', 'app/main.py': '1', 'package.json': '{}' };

test('an install after a copy of everything is found, at the install', async () => {
  const f = await findings(rule, 'FROM bb\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n', files);
  assert.deepEqual(ranges(f), ['4:1-4:36']);
  assert.match(f[0].message, /^RUN at line 4 installs the dependencies of requirements\.txt after COPY \. \. \(line 3\)/);
  assert.match(f[0].message, /copy requirements\.txt first/);
});

test('a step that reads only a manifest after the copy is found too', async () => {
  const f = await findings(rule, 'FROM bb\nWORKDIR /app\nCOPY . .\nRUN cat requirements.txt > /deps\n', files);
  assert.match(f[0]?.message ?? '', /reads the dependency manifest requirements\.txt/);
});

test('stays clean for manifest-first layouts, for steps that read source too, and for non-installs', async () => {
  assert.deepEqual(await findings(rule, 'FROM bb\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n', files), []);
  assert.deepEqual(await findings(rule, 'FROM bb\nWORKDIR /app\nCOPY . .\nRUN cat requirements.txt app/main.py > /x\n', files), []);
  assert.deepEqual(await findings(rule, 'FROM bb\nWORKDIR /app\nCOPY . .\nRUN echo pip install flask\n', files), []);
});

test('an install of the dependencies after a copy of one project folder is found (COPY server, then uv sync in it)', async () => {
  const project = { 'server/pyproject.toml': '[project]\nname = "s"\n', 'server/uv.lock': 'x', 'server/app/main.py': '1', 'web/index.js': '1' };
  const f = await findings(rule, 'FROM bb\nWORKDIR /app\nCOPY server /app/server\nRUN cd server && uv sync --frozen\n', project);
  assert.deepEqual(ranges(f), ['4:1-4:34']);
  assert.match(f[0].message, /installs the dependencies of server\/pyproject\.toml, server\/uv\.lock after COPY server \/app\/server/);
  // Manifests first, then the folder: clean.
  assert.deepEqual(await findings(rule, 'FROM bb\nWORKDIR /app/server\nCOPY server/pyproject.toml server/uv.lock ./\nRUN uv sync --frozen --no-install-project\nCOPY server /app/server\n', project), []);
});

test('a project install with extras after the source arrives through another stage names its manifest and extras', async () => {
  const project = { 'python/pyproject.toml': '[project]\nname = "p"\n', 'python/p/__init__.py': '1', 'gateway/Cargo.toml': '[package]\n', 'gateway/src/main.rs': 'fn main(){}' };
  const df = [
    'FROM bb AS base', 'FROM scratch AS src', 'COPY . /src',
    'FROM base', 'ARG BUILD_TYPE=all', 'WORKDIR /ws', 'COPY --from=src /src /tmp/src',
    'RUN cp -r /tmp/src /ws/app && rm -rf /tmp/src',
    'RUN cd app && pip install -e "python[${BUILD_TYPE}]"',
    'RUN apk add --no-cache curl',
    '',
  ].join('\n');
  const f = await findings(rule, df, project);
  // The apk add reads nothing of the copy: steps-after-source-copy's, not told to copy manifests it does not read.
  assert.deepEqual(ranges(f), ['9:1-9:53']);
  assert.match(f[0].message, /installs the dependencies of python\/pyproject\.toml \(with its extras \[\$\{BUILD_TYPE\}\]\) after COPY --from=src \/src \/tmp\/src \(line 7\)/);
});

test('npm ci after a copy of everything reads package.json, even where the context has no package-lock.json', async () => {
  const f = await findings(rule, 'FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\n', { 'package.json': '{}', 'src/a.js': '1' });
  assert.deepEqual(ranges(f), ['4:1-4:11']);
  assert.match(f[0].message, /installs the dependencies of package\.json after COPY \. \./);
});

test('stays clean for a --no-deps install of the project after the copy (it needs the source)', async () => {
  const project = { 'pyproject.toml': '[project]\nname = "p"\n', 'p/__init__.py': '1' };
  assert.deepEqual(await findings(rule, 'FROM bb\nWORKDIR /app\nCOPY pyproject.toml .\nRUN pip install .\nCOPY . .\nRUN pip install --no-deps .\n', project), []);
});

test('a --no-deps install of a wheel by URL beside the project install does not make the project install source-only', async () => {
  const project = { 'python/pyproject.toml': '[project]\nname = "p"\n', 'python/p/__init__.py': '1', 'docs/index.md': '1' };
  const df = [
    'FROM bb', 'ARG BUILD_TYPE=all', 'WORKDIR /ws', 'COPY . /ws/app',
    'RUN cd app && pip install https://example.com/kernel-1.0-py3-none-any.whl --force-reinstall --no-deps && pip install -e "python[${BUILD_TYPE}]" --extra-index-url https://download.pytorch.org/whl/cu129',
    '',
  ].join('\n');
  const f = await findings(rule, df, project);
  assert.equal(f.length, 1);
  assert.match(f[0].message, /^RUN at line 5 installs the dependencies of python\/pyproject\.toml \(with its extras \[\$\{BUILD_TYPE\}\]\) after COPY \. \/ws\/app/);
  // The project itself installed --no-deps after the copy needs the source: clean.
  const clean = df.replace('pip install -e "python[${BUILD_TYPE}]"', 'pip install --no-deps -e "python[${BUILD_TYPE}]"');
  assert.deepEqual(await findings(rule, clean, project), []);
});

test('dotnet restore after a copy of everything is found, naming the project file; restore-first stays clean', async () => {
  const project = { 'Api.csproj': '<Project Sdk="Microsoft.NET.Sdk.Web"/>', 'Program.cs': 'x', 'src/Lib/Lib.csproj': '<Project/>' };
  const f = await findings(rule, 'FROM bb\nWORKDIR /src\nCOPY . .\nRUN dotnet restore\nRUN dotnet publish --no-restore -o /app\n', project);
  assert.deepEqual(ranges(f), ['4:1-4:19']);
  assert.match(f[0].message, /installs the dependencies of Api\.csproj after COPY \. \./);
  assert.deepEqual(await findings(rule, 'FROM bb\nWORKDIR /src\nCOPY Api.csproj .\nRUN dotnet restore\nCOPY . .\nRUN dotnet publish --no-restore -o /app\n', project), []);
});

test('a compile named by its manifest after a copy of its folder builds the folder: not a manifest reader', async () => {
  const project = { 'kernels/setup.py': 'from setuptools import setup\n', 'kernels/kernel.cu': 'x', 'kernels/q4.cu': 'y' };
  assert.deepEqual(await findings(rule, 'FROM bb\nWORKDIR /usr/src\nCOPY kernels/ .\nRUN python setup.py build\n', project), []);
  assert.deepEqual(await findings(rule, 'FROM bb\nWORKDIR /usr/src\nCOPY kernels/ .\nRUN python3 setup.py bdist_wheel\n', project), []);
});
