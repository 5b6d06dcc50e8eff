import { serve } from './app.js';
export const cycle = () => serve;
