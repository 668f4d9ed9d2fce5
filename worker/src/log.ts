/** JSON log lines with a stable shape: {time, level, message, ...fields} on stdout. */
export type Level = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export function log(level: Level, message: string, fields: Record<string, unknown> = {}): void {
  const line = { time: new Date().toISOString(), level, message, ...fields };
  process.stdout.write(
    `${JSON.stringify(line, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}\n`,
  );
}
