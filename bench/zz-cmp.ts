import { positionTree as oldTree } from './zz-old-positions';
import { positionTree } from '../lib/cli/positions';
const big = Array.from({length: 20000}, (_, i) => `k${i}: {a: [1, 2, {b: c}]}`).join('\n');
const block = Array.from({length: 20000}, (_, i) => `k${i}:\n  a:\n    - 1\n    - b: c`).join('\n');
for (const [n, t] of [['flow', big], ['block', block]] as const) {
  for (const [name, f] of [['js-yaml', oldTree], ['yaml', positionTree]] as const) {
    const s = process.hrtime.bigint(); f(t); console.log(n, name, Number(process.hrtime.bigint() - s) / 1e6, 'ms', t.length);
  }
}
