/**
 * The images a repository describes (bake targets, compose services, Dockerfiles), each as the
 * Target, stage and build args the rest of layerwise takes.
 */
export type { ImageOrigin, ImageSet, ImageSpec, SkippedImage } from './spec.js';
export { readBake, bakeSelection, bakeImages, type BakeFile } from './bake.js';
export { readCompose, composeSelection, composeImages, type ComposeFile } from './compose.js';
export { interpolate, InterpolationError } from './interpolate.js';
export { selectImages, selectOneImage, isDockerfileName, BAKE_FILES, COMPOSE_FILES, type ImageOptions, type Selection } from './select.js';
