export * from './AgentWithoutGuardrail';
export * from './BedrockServiceWithoutConfusedDeputyConditions';
export * from './EnforcedPrincipalCallsAgentOrRag';
export * from './GuardrailEnforcementMissing';
export * from './GuardrailWithoutCustomerManagedKey';
export * from './IneffectiveGuardrailCondition';
export * from './NonexistentBedrockAction';
