import { LagpilotError } from '../errors.ts';

/** One bad setting: which field, the text given (if any), and what to do about it. */
export interface ConfigIssue {
  /** The field's name as the reader set it (`LAGPILOT_LAG_HIGH`, `outputTopic`, `threads`). */
  readonly field: string;
  /** How the field is shown, when more than its name helps (`lagHigh (LAGPILOT_LAG_HIGH)`). */
  readonly label?: string;
  /** The text that was given; absent when the field was unset. */
  readonly value?: string;
  readonly message: string;
  /** Other fields the problem involves (a bound set below another), for tracing it back. */
  readonly related?: readonly string[];
}

/** `lagHigh (LAGPILOT_LAG_HIGH)="abc": must be a number`. */
export function issueText(issue: ConfigIssue): string {
  const value = issue.value === undefined ? '' : `=${JSON.stringify(issue.value)}`;
  return `${issue.label ?? issue.field}${value}: ${issue.message}`;
}

/**
 * Invalid settings, every one listed at once: the process cannot run until the user changes
 * them (kind `config`, exit code 2). `issues` is for code; `problems` and the message for people.
 */
export class ConfigError extends LagpilotError {
  readonly issues: readonly ConfigIssue[];
  readonly problems: readonly string[];

  constructor(heading: string, issues: readonly ConfigIssue[], options?: { cause?: unknown }) {
    const problems = issues.map(issueText);
    super('config', `${heading}:\n${problems.map((p) => `  - ${p}`).join('\n')}`, options);
    this.issues = issues;
    this.problems = problems;
  }
}
