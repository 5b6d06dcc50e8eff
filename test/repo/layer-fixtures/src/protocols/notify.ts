// A pure layer talking to Redis through a package.
import { Redis } from 'ioredis';
export const notify = (url) => new Redis(url);
