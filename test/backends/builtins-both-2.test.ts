// Built-in scenarios on both backends, second half (both-backends.ts says what is checked).
import { bothBackends } from './both-backends.js';

bothBackends(1);
