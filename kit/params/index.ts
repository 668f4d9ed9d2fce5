export * from './config-error.ts';
export * from './names.ts';
export * from './registry.ts';
export * from './schemas.ts';
