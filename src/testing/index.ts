export { describeStoreConformance, newStoreKey, sampleRecord, type ConformanceOptions } from './conformance.js';
