// squeezenet1_1 against torchvision (tools/gen_torchvision_oracle.py): parameter count and logits.
import { torchvisionClassifyTest, torchvisionOracleTests } from './torchvision_oracle.js';

torchvisionOracleTests('squeezenet1_1', 1_235_496);
torchvisionClassifyTest('squeezenet1_1');
