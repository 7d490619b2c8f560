/**
 * Last segment of the SSM parameters a stack publishes per service (`/<project>/<env>/<service>/<suffix>`): the plan
 * comment recognises the release pointer and the descriptor by them even where the configuration is not at hand.
 * contracts/names.ts builds the parameter names from them.
 */
export const RELEASE_PARAMETER_SUFFIX = '/release-image';
export const DESCRIPTOR_PARAMETER_SUFFIX = '/descriptor';
