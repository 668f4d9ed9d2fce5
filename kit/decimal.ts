/** A plain decimal number, as people write one in a flag or a CSV: `0x10`, `1e3x`, `Infinity` and blanks are not. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export const isDecimal = (text: string): boolean => DECIMAL.test(text.trim());
