/** A standard normal draw from a uniform [0, 1) generator (Box–Muller; one of the pair is dropped for simplicity). */
export function gaussian(random: () => number): number {
  // 1 − u keeps the logarithm's argument in (0, 1].
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
