// Production code reaching the sandbox other than through the demo wallet.
import { wallet } from '../sandbox/wallet.js';
import { cycle } from './cycle.js';
export const serve = () => [wallet, cycle];
