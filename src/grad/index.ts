// Reverse-mode autodiff over the graph IR: gradients() and the rule registry.
export { gradients, dependents } from './gradients.js';
export { defineGrad, getGradRule, gradOps } from './registry.js';
export type { ConvInputGradMethod, ConvWeightGradMethod, GradContext, GradOptions, GradRule } from './registry.js';
export { defaultConvWeightGrad } from './conv_weight_grad.js';
