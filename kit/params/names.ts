/**
 * How a parameter is named where it is set: `LAGPILOT_LAG_HIGH` in the environment, `lagHigh` in
 * `cdk.json` context and as a construct prop. One rule, both directions.
 */

export const ENV_PREFIX = 'LAGPILOT_';

type Camel<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Lowercase<Head>}${Capitalize<Camel<Tail>>}`
  : Lowercase<S>;

/** `LAGPILOT_LAG_HIGH` → `lagHigh`, at the type level. */
export type ContextKey<E extends string> = E extends `${typeof ENV_PREFIX}${infer Rest}`
  ? Camel<Rest>
  : never;

/** `LAGPILOT_LAG_HIGH` → `lagHigh`: the `cdk.json` context key and construct prop name. */
export function contextKeyOf<E extends string>(envName: E): ContextKey<E> {
  if (!envName.startsWith(ENV_PREFIX)) {
    throw new Error(`${envName} lacks the ${ENV_PREFIX} prefix: name parameters LAGPILOT_*`);
  }
  return envName
    .slice(ENV_PREFIX.length)
    .toLowerCase()
    .replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()) as ContextKey<E>;
}

/** `lagHigh` → `LAGPILOT_LAG_HIGH`. */
export function envNameOf(contextKey: string): string {
  return ENV_PREFIX + contextKey.replace(/([A-Z])/g, '_$1').toUpperCase();
}
