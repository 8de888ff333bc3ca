export * from './foundation';
export * from './ha-state-machine';
export * from './props-error';
export * from './task-function';
