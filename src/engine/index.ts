/** Running builds on a real BuildKit and reading back what it did. */
export * from './engine.js';
export * from './driver.js';
export * from './progress.js';
export * from './progress-rawjson.js';
export * from './line-map.js';
export * from './image-files.js';
export * from './image-config.js';
export * from './cleanup.js';
export * from './display.js';
export * from './checks.js';
export { readTar, type TarEntry, type TarHeader, type TarEntryType } from './tar.js';
