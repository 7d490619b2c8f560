/** The names contract lives in contracts/names.ts (stacks, release CLI and checks read it); kept here for imports. */
export * from '../contracts/names';
