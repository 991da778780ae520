export * from './constructs';
export * from './platform';
