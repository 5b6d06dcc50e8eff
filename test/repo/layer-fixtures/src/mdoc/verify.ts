// Upwards (mdoc may not know the service) and the machine's identity (not bytes in, result out).
import { hostname } from 'node:os';
import { serve } from '../service/app.js';
export const verify = () => [hostname(), serve];
