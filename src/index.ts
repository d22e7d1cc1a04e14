export * from './guardrail/guardrail-version';
export * from './guardrail/guardrail-profile';
export * from './guardrail/enforced-guardrail';
export * from './model/invokable-model';
export * from './invoker/guardrail-enforced-invoker-role';
export * from './invoker/guardrail-enforcement-policy';
export * from './agent/agent-execution-role';
export * from './flow/flow-service-role';
