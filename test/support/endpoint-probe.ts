// Whether a loopback endpoint (DynamoDB Local, the simulator) still accepts connections: the tests that
// stop a process read its end from its listening socket.
import { sleep } from '../../functions/shared/concurrency.js';

/** True when `endpoint` answers an HTTP request within 2 s, whatever the answer. */
export async function answers(endpoint: string): Promise<boolean> {
  try {
    await fetch(endpoint, { signal: AbortSignal.timeout(2_000) });
    return true;
  } catch {
    return false;
  }
}

/** True once `endpoint` refuses connections, within about 10 s: its process was killed and reaped. */
export async function stopsAnswering(endpoint: string): Promise<boolean> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (!(await answers(endpoint))) return true;
    await sleep(100);
  }
  return false;
}
