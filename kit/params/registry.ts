import type { z } from 'zod';
import { durationText } from '../duration.ts';
import { ConfigError, type ConfigIssue } from './config-error.ts';
import { contextKeyOf, envNameOf } from './names.ts';

/**
 * A set of parameters, each declared once: its schema (which holds its default) and its meaning.
 * From that one declaration the registry gives the environment variable, the `cdk.json` context
 * key and construct prop, the default as an operator writes it, the doc row, and a parser that
 * reports every bad field at once.
 */

export interface ParameterSpec {
  readonly schema: z.ZodType;
  /** What the parameter means, one sentence: the README table and the prop docs show it. */
  readonly doc: string;
  /** Written as a duration (`5m`) and parsed to milliseconds: a CDK `Duration` as a prop. */
  readonly duration?: boolean;
}

export type Specs = Readonly<Record<string, ParameterSpec>>;

/** The parsed value of every parameter. */
export type Values<P extends Specs> = { [K in keyof P]: z.output<P[K]['schema']> };

/**
 * A rule between fields. It sees only the fields that parsed, so it reports alongside per-field
 * problems instead of hiding behind them; it returns nothing when a field it reads is missing.
 */
export type CrossCheck<P extends Specs> = (parsed: Partial<Values<P>>) => ConfigIssue | undefined;

export interface DocRow {
  readonly key: string;
  readonly env: string;
  /** The default as written (`` `5m` ``), `required`, or `—` for an optional one without. */
  readonly fallback: string;
  readonly doc: string;
}

export interface RegistryOptions<P extends Specs> {
  /** Whether keys are environment variables (`LAGPILOT_LAG_HIGH`) or context keys (`lagHigh`). */
  readonly keyedBy: 'env' | 'context';
  /** First line of the ConfigError listing the problems. */
  readonly heading: string;
  readonly checks?: readonly CrossCheck<P>[];
}

type Input = Readonly<Record<string, string | undefined>>;

export class ParameterRegistry<P extends Specs> {
  readonly names: readonly (keyof P & string)[];

  constructor(
    readonly specs: P,
    private readonly options: RegistryOptions<P>,
  ) {
    this.names = Object.keys(specs) as (keyof P & string)[];
  }

  has(name: string): name is keyof P & string {
    return Object.hasOwn(this.specs, name);
  }

  envName(key: keyof P & string): string {
    return this.options.keyedBy === 'env' ? key : envNameOf(key);
  }

  contextKey(key: keyof P & string): string {
    return this.options.keyedBy === 'context' ? key : contextKeyOf(key);
  }

  /** `lagHigh (LAGPILOT_LAG_HIGH)`: both names a user may have set it by. */
  label(key: keyof P & string): string {
    return `${this.contextKey(key)} (${this.envName(key)})`;
  }

  /** The value an unset parameter takes; `required` when it has none and must be set. */
  defaultOf(key: keyof P & string): { readonly value: unknown } | 'required' {
    const parsed = this.specs[key]!.schema.safeParse(undefined);
    return parsed.success ? { value: parsed.data } : 'required';
  }

  /** The default as an operator writes it: `` `5m` ``, `` `true` ``, `required`, or `—`. */
  defaultText(key: keyof P & string): string {
    const fallback = this.defaultOf(key);
    if (fallback === 'required') return 'required';
    if (fallback.value === undefined) return '—';
    return `\`${this.textOf(key, fallback.value)}\``;
  }

  isDuration(key: keyof P & string): boolean {
    return this.specs[key]!.duration === true;
  }

  /** A parsed value back as the text that parses to it (`300000` → `5m` for a duration). */
  textOf(key: keyof P & string, value: unknown): string {
    if (this.isDuration(key)) return durationText(value as number);
    return Array.isArray(value) ? value.map(String).join(',') : String(value);
  }

  docRow(key: keyof P & string): DocRow {
    return {
      key: this.contextKey(key),
      env: this.envName(key),
      fallback: this.defaultText(key),
      doc: this.specs[key]!.doc,
    };
  }

  /** Every parameter, keyed as the registry is; throws a ConfigError listing every problem. */
  parseAll(input: Input): Values<P> {
    return this.parse(this.names, input) as Values<P>;
  }

  /**
   * Parses the named parameters (blank text counts as unset, so it takes the default), then the
   * cross-field checks on what parsed whose field is among `keys`.
   */
  parse<K extends keyof P & string>(keys: readonly K[], input: Input): Pick<Values<P>, K> {
    const parsed: Partial<Values<P>> = {};
    const issues: ConfigIssue[] = [];
    const given = (key: string) => {
      const text = input[key];
      return text !== undefined && text.trim() !== '' ? text : undefined;
    };
    const issue = (field: string, message: string, related?: readonly string[]): ConfigIssue => ({
      field,
      label: this.options.keyedBy === 'env' ? field : this.label(field as K),
      value: given(field),
      message,
      ...(related ? { related } : {}),
    });
    for (const key of keys) {
      const value = given(key);
      const result = this.specs[key]!.schema.safeParse(value);
      if (result.success) parsed[key] = result.data as Values<P>[K];
      for (const zodIssue of result.error?.issues ?? []) {
        const missing = zodIssue.code === 'invalid_type' && value === undefined;
        issues.push(issue(key, missing ? 'is required' : zodIssue.message));
      }
    }
    for (const check of this.options.checks ?? []) {
      const found = check(parsed);
      if (found && (keys as readonly string[]).includes(found.field)) {
        issues.push(issue(found.field, found.message, found.related));
      }
    }
    if (issues.length > 0) throw this.error(issues);
    return parsed as Pick<Values<P>, K>;
  }

  /** A ConfigError under this registry's heading, for problems found after parsing. */
  error(issues: readonly ConfigIssue[]): ConfigError {
    return new ConfigError(this.options.heading, issues);
  }
}

export function defineParameters<const P extends Specs>(
  specs: P,
  options: RegistryOptions<P>,
): ParameterRegistry<P> {
  return new ParameterRegistry(specs, options);
}
