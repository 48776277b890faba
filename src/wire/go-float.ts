/** The number format the Pushgateway writes its values in (Go's strconv/fmt). */
/** Go's fmt.Sprint(float64) output, including the spellings JavaScript's Number() rejects. */
export function parseGoFloat(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  // Strict grammar: Number() alone would accept '', ' 1', '0x10' and 'Infinity'.
  return /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(text) ? Number(text) : Number.NaN;
}
