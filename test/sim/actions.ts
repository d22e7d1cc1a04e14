/**
 * The actions the tests expect the protection Denies to cover, written out here rather than imported from the
 * library, so that a change to the library's lists fails a test instead of changing what is tested.
 */
export const GUARDRAIL_CHANGES = [
  'bedrock:UpdateGuardrail', 'bedrock:CreateGuardrailVersion', 'bedrock:DeleteGuardrail', 'bedrock:TagResource',
  'bedrock:UntagResource', 'bedrock:PutResourcePolicy', 'bedrock:DeleteResourcePolicy',
];

/** The account's guardrail settings: enforced guardrail configurations and model invocation logging. */
export const CONFIG_CHANGES = [
  'bedrock:PutEnforcedGuardrailConfiguration', 'bedrock:DeleteEnforcedGuardrailConfiguration',
  'bedrock:PutModelInvocationLoggingConfiguration', 'bedrock:DeleteModelInvocationLoggingConfiguration',
];
