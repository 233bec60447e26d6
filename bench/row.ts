/**
 * One figure of `npm run bench`: measured side by side in one run, with the
 * target the issues set for it.
 */
export interface BenchRow {
  readonly issue: number
  readonly name: string
  readonly value: number
  readonly unit: string
  readonly target?: string
  readonly met?: boolean
  readonly note?: string
}

/** Median of a sample (the sample is sorted in place). */
export const median = (xs: Array<number>): number => {
  xs.sort((a, b) => a - b)
  const mid = xs.length >> 1
  return xs.length % 2 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2
}
