// squeezenet1_1 against torchvision (tools/gen_torchvision_oracle.py): parameter count and logits.
import { torchvisionOracleTests } from './torchvision_oracle.js';

torchvisionOracleTests('squeezenet1_1', 1_235_496);
