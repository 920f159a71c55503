export * from './errors.js';
export * from './messages.js';
export * from './codec.js';
export * from './validate.js';
export * from './auth.js';
