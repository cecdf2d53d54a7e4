/**
 * Waits for `work`, at most `ms`: true when it finished in time, false when the time ran out
 * (the work goes on; a later rejection stays handled). A rejection in time is thrown.
 */
export async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
