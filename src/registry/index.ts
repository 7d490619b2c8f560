export * from './reference';
export * from './credentials';
export * from './client';
export * from './pin';
export { parseChallenges } from './auth';
