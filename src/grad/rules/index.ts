// Loads every gradient rule into the registry.
import './elementwise.js';
import './matmul.js';
import './shape.js';
import './reduce.js';
import './pool.js';
import './conv.js';
import './lrn.js';
import './loss.js';
import './norm.js';
