// Process entry of the CLI: bin/alexnet.js imports the compiled copy of this file.
import { cli } from './main.js';

await cli();
