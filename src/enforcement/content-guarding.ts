/**
 * What an enforced guardrail evaluates in the system prompt or in the messages of a request
 * (`selectiveContentGuarding` of an account-level configuration, `selective_content_guarding` of an
 * AWS Organizations Bedrock policy).
 */
export enum ContentGuarding {
  /** All the content, whatever input tags the caller sets (the default, and the safe choice). */
  COMPREHENSIVE = 'COMPREHENSIVE',
  /**
   * Only the content the caller marks with guardrail input tags: the caller decides what is evaluated, and
   * content outside the tags reaches the model unchecked.
   */
  SELECTIVE = 'SELECTIVE',
}
