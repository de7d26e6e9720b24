/**
 * The part of jStat (https://github.com/jstat/jstat, no types of its own) that poshil uses:
 * the beta distribution's quantile function, for resampling order statistics
 * (compare.ts beside this file), and the normal distribution for Mann–Kendall (trend.ts).
 */
declare module 'jstat' {
  interface BetaDistribution {
    /** Quantile function: the x with P(X ≤ x) = p for X ~ Beta(alpha, beta). */
    inv(p: number, alpha: number, beta: number): number;
    cdf(x: number, alpha: number, beta: number): number;
  }
  interface NormalDistribution {
    cdf(x: number, mean: number, std: number): number;
  }
  export const jStat: { beta: BetaDistribution; normal: NormalDistribution };
}
