// A barrel that hands KakuninError on: a second way in.
export { KakuninError } from '../codes/error.js';
