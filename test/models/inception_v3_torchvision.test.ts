// inception_v3.torchvision against torchvision (tools/gen_torchvision_oracle.py): parameter
// count (AuxLogits included, as torchvision counts) and logits (transform_input in the graph).
import { torchvisionClassifyTest, torchvisionOracleTests, torchvisionStateDictTest } from './torchvision_oracle.js';

torchvisionOracleTests('inception_v3.torchvision', 27_161_264);
torchvisionClassifyTest('inception_v3.torchvision');
torchvisionStateDictTest('inception_v3.torchvision', 'Mixed_5b.branch1x1.bn.running_var', 'AuxLogits.');
