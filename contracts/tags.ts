/**
 * Tag keys ecs-release writes, in the contract layer: the CLI uses them (src/release/revision.ts) and the deploy
 * role's policy (modules/web-service.ts `grantRelease`) lets it write exactly these, so the two cannot drift apart.
 */
export const RELEASE_TAG = {
  /** Who registered a revision: `ecs-release` on ecs-release's, `terraform` on Terraform's. */
  owner: 'ecs-coexist:owner',
  digest: 'ecs-release:image-digest',
  commit: 'ecs-release:commit',
  base: 'ecs-release:base-revision',
  /** Set when the revision's rollout completed: `rollback` goes back to the newest such revision. */
  deployed: 'ecs-release:deployed-at',
  /** Set on the one-off tasks of `ecs-release run`: the only tasks the deploy role may stop. */
  oneOff: 'ecs-release:one-off',
} as const;

/** The owner tag's value on revisions ecs-release registered. */
export const RELEASE_OWNER = 'ecs-release';
