/**
 * `layerwise verify` as a library: build two Dockerfiles on one context and compare the images
 * stage by stage. See docs/verify.md.
 */
export { verify, VerifyAbortedError, VerifyCache } from './verify.js';
export type { AllowedDifference, BuildFailure, DockerfileInput, Role, StageResult, VerifyOptions, VerifyProgress, VerifyResult } from './verify.js';
export { allowList, applyAllowList, loadAllowList, parseAllowList, MOUNT_POINTS } from './allow.js';
export type { AllowEntry, AllowList, Allowance } from './allow.js';
export { compareConfigs, compareFiles, compareImages, CONFIG_FIELDS } from './compare.js';
export type { Change, ConfigDifference, ConfigField, Difference, FieldChange, FileDifference, FileFacts, ImageSnapshot, StageDifference } from './compare.js';
export { planComparisons, comparisonLabel } from './plan.js';
export { VERIFY_TAG_PREFIX, listVerifyImages, removeVerifyImages } from './images.js';
