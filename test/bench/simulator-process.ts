// Runs the ThingWorx simulator in a process of its own for benchmarks, so its data (the source) does not
// count in the memory of the sync being measured. Prints one JSON line {baseUrl, thing, keyId} when ready
// and stops when its standard input closes.
import { startThingWorxSimulator } from '../../infra/local/thingworx-simulator/index.js';

const entries = Number(process.argv[2] ?? '50000');
// No filler payload: rows of about 250 bytes of JSON, the size the calibration figures used.
const sim = await startThingWorxSimulator({ seed: 11 });
// Spread over the last day, clustered: many timestamps shared by several entries, as real streams have.
sim.stream.generate(entries, { fromMs: sim.clock.nowMs() - 86_400_000, toMs: sim.clock.nowMs() - 1_000 });
const { keyId } = sim.keys.add({ name: 'bench', expiresAtMs: sim.clock.nowMs() + 86_400_000 });
process.stdout.write(`${JSON.stringify({ baseUrl: sim.baseUrl, thing: sim.thing, keyId, entries })}\n`);
process.stdin.resume();
process.stdin.on('end', () => void sim.stop().then(() => process.exit(0)));
