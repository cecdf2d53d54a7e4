/** A bad RealtimeModule option; thrown at boot so the app never starts misconfigured. */
export class RealtimeConfigError extends Error {
  constructor(
    readonly optionPath: string,
    problem: string,
  ) {
    super(`Invalid RealtimeModule option "${optionPath}": ${problem}`);
    this.name = 'RealtimeConfigError';
  }
}
