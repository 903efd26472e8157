// Every command's table, in the order `alexnet --help` and docs/cli.md list them.
import type { CommandSpec } from '../spec.js';
import { classifySpec } from './classify.js';
import { compareSpec } from './compare.js';
import { evalSpec } from './eval.js';
import { explainSpec } from './explain.js';
import { exportSpec } from './export.js';
import { modelsSpec } from './models.js';
import { runSpec } from './run.js';
import { summarySpec } from './summary.js';
import { trainSpec } from './train.js';
import { weightsSpec } from './weights.js';

export const SPECS: readonly CommandSpec[] = [classifySpec, explainSpec, weightsSpec, runSpec, summarySpec, exportSpec, modelsSpec, trainSpec, evalSpec, compareSpec];
