/**
 * One error base for the project. `kind` says who must act — the user (usage, config), nobody
 * yet (transient: try again), or nobody at all (fatal) — and `retriable` says whether trying
 * the same thing again can succeed. CLIs map the kind to an exit code; adapters and the control
 * step read `retriable` instead of matching message text.
 */

export type ErrorKind = 'usage' | 'config' | 'transient' | 'fatal';

export class LagpilotError extends Error {
  readonly kind: ErrorKind;
  readonly retriable: boolean;

  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.kind = kind;
    this.retriable = kind === 'transient';
  }
}

/** Exit codes by kind: 2 for what the user must fix (the Unix usage convention), else 1. */
export const EXIT_CODE: Readonly<Record<ErrorKind, number>> = {
  usage: 2,
  config: 2,
  transient: 1,
  fatal: 1,
};

/** The exit code for any thrown value: a LagpilotError's by its kind, anything else 1. */
export function exitCodeOf(error: unknown): number {
  return error instanceof LagpilotError ? EXIT_CODE[error.kind] : 1;
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
