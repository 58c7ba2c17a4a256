export { describeStoreConformance, newStoreKey, sampleChange, sampleRecord, type ConformanceOptions } from './conformance.js';
