export * from './bedrock-guardrail-checks';
export * from './enforce-guardrails';
