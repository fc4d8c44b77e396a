import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges } from './harness.js';

const RULE = 'jdk-in-runtime-image';
const files = { 'target/app.jar': 'jar\n' };

test('a final image FROM eclipse-temurin:17 that only runs java is found at its FROM, naming the JRE image and the size', async () => {
  const fs = await findings(RULE, 'FROM eclipse-temurin:17\nCOPY target/app.jar /app.jar\nUSER 1000\nENTRYPOINT ["java", "-jar", "/app.jar"]\n', files);
  assert.deepEqual(ranges(fs), ['1:1-1:24']);
  assert.match(fs[0].message, /^The final image is FROM eclipse-temurin:17, a full JDK/);
  assert.match(fs[0].message, /ship a JRE image \(eclipse-temurin:17-jre\) or a runtime made with jlink/);
  assert.equal(fs[0].cost?.basis, 'estimated');
  assert.ok((fs[0].cost?.bytes ?? 0) >= 100e6);
});

test('openjdk, amazoncorretto, a maven image and a -jdk tag are found, with the Java version of the tag in the advice', async () => {
  for (const [from, runtime] of [
    ['openjdk:17-jdk-slim', 'eclipse-temurin:17-jre'],
    ['amazoncorretto:21', 'amazoncorretto:21-al2023-headless'],
    ['maven:3.9-eclipse-temurin-21', 'eclipse-temurin:21-jre'],
    ['eclipse-temurin:21-jdk-jammy', 'eclipse-temurin:21-jre'],
  ]) {
    const fs = await findings(RULE, `FROM ${from}\nCOPY target/app.jar /app.jar\nCMD java $JAVA_OPTS -jar /app.jar\n`, files);
    assert.equal(fs.length, 1, from);
    assert.ok(fs[0].message.includes(`(${runtime})`), `${from}: ${fs[0].message}`);
  }
});

test('the JDK of the final image is found when the build ran in an earlier stage; the build stage itself is not reported', async () => {
  const df = 'FROM maven:3.9-eclipse-temurin-17 AS build\nWORKDIR /src\nCOPY . .\nRUN mvn -B package\nFROM eclipse-temurin:17-jdk\nCOPY --from=build /src/target/app.jar /app.jar\nENTRYPOINT ["java", "-jar", "/app.jar"]\n';
  assert.deepEqual(ranges(await findings(RULE, df, { 'pom.xml': '<project/>\n' })), ['5:1-5:28']);
  assert.deepEqual(await findings(RULE, df.replace('FROM eclipse-temurin:17-jdk', 'FROM eclipse-temurin:17-jre'), { 'pom.xml': '<project/>\n' }), []);
});

test('stays clean on JRE images, on final images that use a JDK tool or build tool, and on non-Java images', async () => {
  for (const df of [
    'FROM eclipse-temurin:17-jre\nCOPY target/app.jar /app.jar\nENTRYPOINT ["java", "-jar", "/app.jar"]',
    'FROM eclipse-temurin:17-jre-alpine\nCOPY target/app.jar /app.jar\nENTRYPOINT ["java", "-jar", "/app.jar"]',
    'FROM amazoncorretto:21-al2023-headless\nCOPY target/app.jar /app.jar\nENTRYPOINT ["java", "-jar", "/app.jar"]',
    'FROM eclipse-temurin:17\nCOPY target/app.jar /app.jar\nRUN jar xf /app.jar\nENTRYPOINT ["java", "-jar", "/app.jar"]',
    'FROM eclipse-temurin:17\nCOPY target/app.jar /app.jar\nRUN $JAVA_HOME/bin/jlink --add-modules java.base --output /jre\nENTRYPOINT ["java", "-jar", "/app.jar"]',
    'FROM eclipse-temurin:17\nCOPY . /src\nWORKDIR /src\nRUN ./mvnw -B package\nENTRYPOINT ["java", "-jar", "target/app.jar"]',
    'FROM eclipse-temurin:17\nCOPY target/app.jar /app.jar\nHEALTHCHECK CMD jcmd 1 VM.uptime\nENTRYPOINT ["java", "-jar", "/app.jar"]',
    'FROM maven:3.9-eclipse-temurin-21\nCOPY . /src\nWORKDIR /src\nCMD ["mvn", "spring-boot:run"]',
    'FROM python:3.12-slim\nCOPY target/app.jar /app.jar\nCMD ["python", "-m", "http.server"]',
  ]) {
    assert.deepEqual(await findings(RULE, `${df}\n`, { ...files, 'pom.xml': '<project/>\n', mvnw: '#!/bin/sh\n' }), [], df);
  }
});

test('stays clean where the image is a toolchain or base image, or the program is a script that may use the JDK', async () => {
  for (const df of [
    'FROM eclipse-temurin:17\nRUN apt-get update && apt-get install -y git',
    'FROM eclipse-temurin:17\nCMD ["jshell"]',
    'FROM eclipse-temurin:17\nONBUILD COPY target/app.jar /app.jar\nCMD ["java", "-jar", "/app.jar"]',
    'FROM eclipse-temurin:17\nCOPY run.sh /run.sh\nENTRYPOINT ["/run.sh"]',
    'FROM eclipse-temurin:17 AS build\nRUN echo build\nFROM eclipse-temurin:17-jre\nCOPY target/app.jar /app.jar\nCMD ["java", "-jar", "/app.jar"]',
  ]) {
    assert.deepEqual(await findings(RULE, `${df}\n`, { ...files, 'run.sh': '#!/bin/sh\nexec java -jar /app.jar\n' }), [], df);
  }
});

test('a Java 8 JDK is pointed at its JRE only: jlink came with Java 9', async () => {
  const fs = await findings(RULE, 'FROM openjdk:8\nCOPY target/app.jar /app.jar\nUSER 1000\nENTRYPOINT ["java", "-jar", "/app.jar"]\n', { 'target/app.jar': 'x' });
  assert.equal(fs.length, 1);
  assert.match(fs[0].message, /ship a JRE image \(eclipse-temurin:8-jre\); the JDK adds/);
});
