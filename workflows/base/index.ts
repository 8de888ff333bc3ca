export * from './acknowledgements';
export * from './foundation';
export * from './ha-state-machine';
export * from './ha-workflow';
export * from './props-error';
export * from './task-function';
export * from './alarms';
export * from './dashboard';
