import { PoshilError } from '../errors';

/**
 * The cause of a disconnect that a fault schedule made on purpose, so a report can tell an
 * injected link loss from a real one: "link cut by an injected fault (disconnect for 3000 ms at 5.0 s)".
 */
export class FaultInjectedError extends PoshilError {
  constructor(message: string) {
    super('FAULT_INJECTED', message, { exitCode: 1 });
  }
}
