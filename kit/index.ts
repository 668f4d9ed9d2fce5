export * from './cli.ts';
export * from './decimal.ts';
export * from './duration.ts';
export * from './errors.ts';
export * from './params/index.ts';
export * from './process.ts';
export * from './svg-chart.ts';
