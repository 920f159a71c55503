export * from './types.js';
export * from './memory-store.js';
export * from './poll-rules.js';
