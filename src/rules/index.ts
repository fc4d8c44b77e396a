/** Every rule, in the order `--list-rules` shows them (by category). A rule is added here and nowhere else. */
import broadCopyBeforeExpensiveSteps from './broad-copy-before-expensive-steps.js';
import manifestFirstInstall from './manifest-first-install.js';
import subfolderBuildAfterBroadCopy from './subfolder-build-after-broad-copy.js';
import stepsAfterSourceCopy from './steps-after-source-copy.js';
import compileWithoutDependencyCache from './compile-without-dependency-cache.js';
import cacheMountDefeated from './cache-mount-defeated.js';
import cacheMountNotExported from './cache-mount-not-exported.js';
import onbuildBroadCopy from './onbuild-broad-copy.js';
import independentStepsInOneStage from './independent-steps-in-one-stage.js';
import argDeclaredTooEarly from './arg-declared-too-early.js';
import perCommitArgEarly from './per-commit-arg-early.js';
import packageInstalledTwice from './package-installed-twice.js';
import repeatedShellLogic from './repeated-shell-logic.js';
import splitPackageInstalls from './split-package-installs.js';
import buildToolsInFinalImage from './build-tools-in-final-image.js';
import jdkInRuntimeImage from './jdk-in-runtime-image.js';
import deletedInLaterLayer from './deleted-in-later-layer.js';
import chownCopiedFiles from './chown-copied-files.js';
import packageCacheLeftInLayer from './package-cache-left-in-layer.js';
import aptNoInstallRecommends from './apt-no-install-recommends.js';
import missingDockerignore from './missing-dockerignore.js';
import unignoredContextNoise from './unignored-context-noise.js';
import addUrlWithoutChecksum from './add-url-without-checksum.js';
import downloadWithoutChecksum from './download-without-checksum.js';
import gitCloneMovingRef from './git-clone-moving-ref.js';
import aptUpdateAlone from './apt-update-alone.js';
import baseImageNotPinned from './base-image-not-pinned.js';
import maskedFailure from './masked-failure.js';
import unknownCopyFromStage from './unknown-copy-from-stage.js';
import missingCopySource from './missing-copy-source.js';
import outputInCacheMount from './output-in-cache-mount.js';
import stageNotReached from './stage-not-reached.js';
import finalImageRunsAsRoot from './final-image-runs-as-root.js';
import pipeToShell from './pipe-to-shell.js';
import secretInArgOrEnv from './secret-in-arg-or-env.js';
import type { Rule } from './define.js';

export const RULES: Rule[] = [
  broadCopyBeforeExpensiveSteps,
  manifestFirstInstall,
  subfolderBuildAfterBroadCopy,
  stepsAfterSourceCopy,
  compileWithoutDependencyCache,
  cacheMountDefeated,
  cacheMountNotExported,
  onbuildBroadCopy,
  independentStepsInOneStage,
  argDeclaredTooEarly,
  perCommitArgEarly,
  packageInstalledTwice,
  repeatedShellLogic,
  splitPackageInstalls,
  buildToolsInFinalImage,
  jdkInRuntimeImage,
  deletedInLaterLayer,
  chownCopiedFiles,
  packageCacheLeftInLayer,
  aptNoInstallRecommends,
  missingDockerignore,
  unignoredContextNoise,
  addUrlWithoutChecksum,
  downloadWithoutChecksum,
  gitCloneMovingRef,
  aptUpdateAlone,
  baseImageNotPinned,
  maskedFailure,
  unknownCopyFromStage,
  missingCopySource,
  outputInCacheMount,
  stageNotReached,
  finalImageRunsAsRoot,
  pipeToShell,
  secretInArgOrEnv,
] as Rule[];
