/**
 * The part of jStat (https://github.com/jstat/jstat, no types of its own) that poshil uses:
 * the beta distribution's quantile function, for resampling order statistics
 * (compare.ts beside this file).
 */
declare module 'jstat' {
  interface BetaDistribution {
    /** Quantile function: the x with P(X ≤ x) = p for X ~ Beta(alpha, beta). */
    inv(p: number, alpha: number, beta: number): number;
    cdf(x: number, alpha: number, beta: number): number;
  }
  export const jStat: { beta: BetaDistribution };
}
