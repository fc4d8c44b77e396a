import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges, related } from './harness.js';

const RULE = 'compile-without-dependency-cache';
const rust = {
  'Cargo.toml': '[package]\nname = "app"\nversion = "0.1.0"\n\n[dependencies]\nserde = "1"\n',
  'Cargo.lock': 'version = 3\n',
  'src/main.rs': 'fn main() {}\n',
  'src/lib.rs': 'pub fn f() {}\n',
  'src/a.rs': 'pub fn a() {}\n',
  'src/b.rs': 'pub fn b() {}\n',
};
const java = {
  'pom.xml': '<project><modelVersion>4.0.0</modelVersion><groupId>e</groupId><artifactId>app</artifactId><version>1</version></project>\n',
  'src/main/java/App.java': 'class App {}\n',
  'src/main/java/Util.java': 'class Util {}\n',
  'src/test/java/AppTest.java': 'class AppTest {}\n',
};
const dotnet = { 'Api.csproj': '<Project Sdk="Microsoft.NET.Sdk.Web"></Project>\n', 'Program.cs': 'class P {}\n', 'Util.cs': 'class U {}\n', 'appsettings.json': '{}\n' };

test('cargo build right after COPY . . is found at the compile, with the copy as related, the fix named and the step\'s cost', async () => {
  const fs = await findings(RULE, 'FROM rust:1.80\nWORKDIR /build\nCOPY . .\nRUN cargo build --release\n', rust);
  assert.deepEqual(ranges(fs), ['4:5-4:26']);
  assert.deepEqual(related(fs[0]), ['3:1-3:9 the source copy it runs after']);
  assert.match(fs[0].message, /^cargo build --release at line 4 resolves and downloads \(or builds\) every dependency itself after COPY \. \. \(line 3\)/);
  assert.match(fs[0].message, /cargo chef cook/);
  assert.match(fs[0].message, /mount a cache \(RUN --mount=type=cache\) on \$CARGO_HOME\/registry/);
  assert.ok((fs[0].cost?.rebuild_s ?? 0) > 1, 'the compile\'s estimated time');
  assert.equal(fs[0].cost?.basis, 'estimated');
});

test('mvn package right after COPY . . is found, naming the pom-only dependency step and ~/.m2', async () => {
  const fs = await findings(RULE, 'FROM maven:3.9-eclipse-temurin-21\nWORKDIR /code\nCOPY . .\nRUN mvn -B -q package -DskipTests\n', java);
  assert.deepEqual(ranges(fs), ['4:5-4:34']);
  assert.match(fs[0].message, /^mvn -B -q package -DskipTests at line 4 .* after COPY \. \. \(line 3\)/);
  assert.match(fs[0].message, /mvn dependency:go-offline after a copy of pom\.xml alone/);
  assert.match(fs[0].message, /~\/\.m2\/repository/);
});

test('gradle build, ./gradlew and dotnet publish (which restores by itself) after the copy are found', async () => {
  const gradle = { 'build.gradle': 'plugins {}\n', 'settings.gradle': '\n', 'src/main/java/App.java': 'class App {}\n', 'gradlew': '#!/bin/sh\n' };
  assert.deepEqual(ranges(await findings(RULE, 'FROM gradle:8-jdk21\nWORKDIR /app\nCOPY . .\nRUN gradle build --no-daemon\n', gradle)), ['4:5-4:29']);
  assert.deepEqual(ranges(await findings(RULE, 'FROM eclipse-temurin:21\nWORKDIR /app\nCOPY . .\nRUN ./gradlew bootJar\n', gradle)), ['4:5-4:22']);
  const fs = await findings(RULE, 'FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY . .\nRUN dotnet publish -c Release -o /app\n', dotnet);
  assert.deepEqual(ranges(fs), ['4:5-4:38']);
  assert.match(fs[0].message, /dotnet restore after a copy of the project files alone/);
});

test('one finding per compile step, at the first of its compiles', async () => {
  const fs = await findings(RULE, 'FROM rust:1.80\nWORKDIR /build\nCOPY . .\nRUN cargo build --release && cargo test --release\n', rust);
  assert.deepEqual(ranges(fs), ['4:5-4:26']);
});

test('stays clean with cargo chef cook (in a base stage) before the copy', async () => {
  const df = [
    'FROM lukemathwalker/cargo-chef:0.1.68-rust-1.80 AS chef',
    'WORKDIR /app',
    'FROM chef AS planner',
    'COPY . .',
    'RUN cargo chef prepare --recipe-path recipe.json',
    'FROM chef AS builder',
    'COPY --from=planner /app/recipe.json recipe.json',
    'RUN cargo chef cook --release --recipe-path recipe.json',
    'COPY . .',
    'RUN cargo build --release',
    '',
  ].join('\n');
  assert.deepEqual(await findings(RULE, df, rust), []);
  // The same layout with the cook taken out is found: the cook is what keeps it clean.
  assert.deepEqual(ranges(await findings(RULE, df.replace('RUN cargo chef cook --release --recipe-path recipe.json\n', ''), rust)), ['9:5-9:26']);
});

test('stays clean with cargo fetch after a copy of the manifests, before the source copy', async () => {
  assert.deepEqual(await findings(RULE, 'FROM rust:1.80\nWORKDIR /build\nCOPY Cargo.toml Cargo.lock ./\nRUN cargo fetch\nCOPY . .\nRUN cargo build --release --offline\n', rust), []);
  assert.deepEqual(await findings(RULE, 'FROM rust:1.80\nWORKDIR /build\nCOPY Cargo.toml Cargo.lock ./\nRUN cargo fetch\nCOPY . .\nRUN cargo build --release\n', rust), []);
});

test('stays clean with a skeleton build from the manifests before COPY src', async () => {
  const df = 'FROM rust:1.80\nWORKDIR /build\nCOPY Cargo.toml Cargo.lock ./\nRUN mkdir src && echo "fn main() {}" > src/main.rs && cargo build --release && rm -rf src\nCOPY src ./src\nRUN touch src/main.rs && cargo build --release\n';
  assert.deepEqual(await findings(RULE, df, rust), []);
  // COPY src brings most of the context: without the skeleton build the compile after it is found.
  assert.deepEqual(ranges(await findings(RULE, df.replace('RUN mkdir src && echo "fn main() {}" > src/main.rs && cargo build --release && rm -rf src\n', ''), rust)), ['5:26-5:47']);
});

test('a dependency step after the source copy is left to manifest-first-install: the compile after it is not reported again', async () => {
  assert.deepEqual(await findings(RULE, 'FROM rust:1.80\nWORKDIR /build\nCOPY . .\nRUN cargo fetch\nRUN cargo build --release\n', rust), []);
  assert.deepEqual(await findings(RULE, 'FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY . .\nRUN dotnet restore && dotnet publish -c Release -o /app\n', dotnet), []);
  const fs = await findings('manifest-first-install', 'FROM rust:1.80\nWORKDIR /build\nCOPY . .\nRUN cargo fetch\nRUN cargo build --release\n', rust);
  assert.deepEqual(ranges(fs), ['4:1-4:16']);
});

test('stays clean with mvn dependency:go-offline after COPY pom.xml, before COPY src', async () => {
  const df = 'FROM maven:3.9-eclipse-temurin-21\nWORKDIR /code\nCOPY pom.xml .\nRUN mvn -B dependency:go-offline\nCOPY src ./src\nRUN mvn -B package -DskipTests\n';
  assert.deepEqual(await findings(RULE, df, java), []);
  // Without the dependency step the same copy of src/ (most of the context) is found.
  assert.deepEqual(ranges(await findings(RULE, df.replace('RUN mvn -B dependency:go-offline\n', ''), java)), ['5:5-5:31']);
});

test('stays clean with a dependency stage whose ~/.m2 is copied in', async () => {
  const df = 'FROM maven:3.9 AS deps\nWORKDIR /code\nCOPY pom.xml .\nRUN mvn -B dependency:go-offline\nFROM maven:3.9\nWORKDIR /code\nCOPY --from=deps /root/.m2 /root/.m2\nCOPY . .\nRUN mvn -B package\n';
  assert.deepEqual(await findings(RULE, df, java), []);
});

test('a compile in a stage only copied from does not stand for a dependency step', async () => {
  const df = 'FROM rust:1.80 AS tool\nWORKDIR /t\nCOPY Cargo.toml Cargo.lock ./\nRUN cargo build --release\nFROM rust:1.80\nWORKDIR /build\nCOPY --from=tool /t/target /opt/tool\nCOPY . .\nRUN cargo build --release\n';
  assert.deepEqual(ranges(await findings(RULE, df, rust)), ['9:5-9:26']);
});

test('stays clean with a cache mount on the step', async () => {
  assert.deepEqual(await findings(RULE, 'FROM rust:1.80\nWORKDIR /build\nCOPY . .\nRUN --mount=type=cache,target=/usr/local/cargo/registry cargo build --release\n', rust), []);
  assert.deepEqual(await findings(RULE, 'FROM maven:3.9\nWORKDIR /code\nCOPY . .\nRUN --mount=type=cache,target=/root/.m2 mvn -B package\n', java), []);
});

test('stays clean with mvn -o and dotnet publish --no-restore: they do not resolve', async () => {
  assert.deepEqual(await findings(RULE, 'FROM maven:3.9\nWORKDIR /code\nCOPY . .\nRUN mvn -o -B package\n', java), []);
  assert.deepEqual(await findings(RULE, 'FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY . .\nRUN dotnet publish -c Release --no-restore -o /app\n', dotnet), []);
});

test('stays clean with dotnet restore after a copy of the project file', async () => {
  const df = 'FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY *.csproj ./\nRUN dotnet restore\nCOPY . .\nRUN dotnet publish -c Release -o /app\n';
  assert.deepEqual(await findings(RULE, df, dotnet), []);
});

test('stays clean where the compile comes after a copy of one file only', async () => {
  assert.deepEqual(await findings(RULE, 'FROM rust:1.80\nWORKDIR /build\nCOPY Cargo.toml ./\nRUN cargo build --release\n', rust), []);
});

test('a version check is no compile', async () => {
  assert.deepEqual(await findings(RULE, 'FROM maven:3.9\nWORKDIR /code\nCOPY . .\nRUN mvn -v\n', java), []);
});

test('a compile in a stage the target does not need stays clean', async () => {
  const df = 'FROM rust:1.80 AS unused\nWORKDIR /build\nCOPY . .\nRUN cargo build --release\nFROM alpine:3.20 AS final\nRUN echo ok\n';
  assert.deepEqual(await findings(RULE, df, rust), []);
});
