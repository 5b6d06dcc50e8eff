// The library root reaching a web server.
import express from 'express';
export { verify } from './mdoc/verify.js';
export { KakuninError } from './codes/error.js';
export const app = express;
