import path from 'node:path';
import type { Step } from '../graph/graph.js';
import { defineRule } from './define.js';
import { imageRole, startedArgv, toolchainImage } from './role.js';
import { baseChain, humanBytes } from './shared.js';

/**
 * JDK tools (compilers, packagers, diagnostics) and Java build tools: a final image that runs
 * any of them (in a RUN, its command or a HEALTHCHECK) needs the JDK it is built on.
 */
const JDK_TOOL = /(?:^|[\s;&|(`"'])(?:\.\/|\S*\/bin\/)?(javac|jar|jlink|jshell|jpackage|jdeps|jmod|jcmd|jstack|jmap|jstat|jinfo|jhsdb|jdb|native-image|mvnw?|gradlew?|ant|sbt|lein|kotlinc)(?=$|[\s;&|)`"'])/;

/** Whether the container's command runs `java` (`java -jar app.jar`, `sh -c "exec java …"`). */
function runsJava(argv: string[]): boolean {
  const program = argv[0] ? path.posix.basename(argv[0]) : '';
  return program === 'java';
}

/**
 * The final image is built on a full JDK (eclipse-temurin:17, openjdk, amazoncorretto, a maven
 * or gradle image) and only runs `java` on what an earlier stage or CI built: no compiler,
 * jlink, jshell or build tool is used in it. A JRE image (or a runtime made with jlink) runs
 * the same jar without the JDK's tools and modules. The JDK images and their JRE counterparts
 * are the image role's TOOLCHAIN_IMAGES.
 */
export default defineRule({
  meta: {
    name: 'jdk-in-runtime-image',
    category: 'layer-size',
    severity: 'warning',
    description: 'The final image is built FROM a full JDK image (eclipse-temurin without -jre, openjdk, amazoncorretto, maven, gradle) but only runs java on a jar or classes, so it ships a compiler and tools it never uses.',
    fix: null,
    messages: {
      jdk: 'The final image is FROM {{image}}, a full JDK image, but it only runs java and uses no JDK tool (javac, jar, jlink, jshell, mvn, gradle): ship a JRE image ({{runtime}}){{jlink}}; the JDK adds ~{{size}} (an estimate)',
    },
  },
  check(ctx) {
    // A toolchain or base image ships its JDK on purpose, and a stage never run ships nothing.
    if (imageRole(ctx.graph, ctx.context).kind !== 'service') return;
    const chain = baseChain(ctx.graph, ctx.graph.target);
    const root = chain[chain.length - 1];
    if (root.base.kind !== 'image' || root.base.unset) return;
    const ref = root.base.ref;
    const jdk = toolchainImage(ref)?.jdk;
    if (!jdk || !runsJava(startedArgv(ctx.graph))) return;
    const steps = chain.flatMap((s) => s.steps);
    if (steps.some(usesJdkTool)) return;
    const version = javaVersion(ref);
    const runtime = version ? jdk.runtime.replace('{{version}}', version) : jdk.runtime.replace(':{{version}}-jre', ':<version>-jre');
    const from = root.steps[0];
    ctx.report({
      messageId: 'jdk',
      // jlink came with Java 9: a Java 8 image has no such way.
      data: { image: ref, runtime, jlink: version && Number(version) < 9 ? '' : ' or a runtime made with jlink in a build stage', size: humanBytes(jdk.extraBytes) },
      range: from.instruction.range,
      cost: { bytes: jdk.extraBytes, basis: 'estimated' },
    });
  },
});

/** A RUN, command or health check of the image that runs a JDK tool or a Java build tool. */
function usesJdkTool(step: Step): boolean {
  if (!['RUN', 'CMD', 'ENTRYPOINT', 'HEALTHCHECK'].includes(step.keyword)) return false;
  return JDK_TOOL.test(step.instruction.text);
}

/** The Java version a JDK image's tag names: `17` of `eclipse-temurin:17-jdk`, `21` of `maven:3.9-eclipse-temurin-21` or `gradle:8-jdk21`. */
function javaVersion(ref: string): string | undefined {
  const tag = /:([^/@]+)(?:@.*)?$/.exec(ref)?.[1];
  if (!tag) return undefined;
  return /(?:temurin|jdk|openjdk|corretto|zulu|liberica|semeru)-?(\d+)/.exec(tag)?.[1] ?? /^(?:[a-z]+-)?(\d+)/.exec(tag)?.[1];
}
