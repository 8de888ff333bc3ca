export * from './lock';
export * from './notify';
export * from './poll-until';
export * from './retry';
export * from './tasks';
export * from './events';
export * from './run-command';
export * from './switch-traffic';
