export * from './definition';
export * from './lock-janitor-workflow';
