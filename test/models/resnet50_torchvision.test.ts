// resnet50.torchvision against torchvision (tools/gen_torchvision_oracle.py): parameter count and logits.
import { torchvisionGradTest, torchvisionOracleTests, torchvisionStateDictTest } from './torchvision_oracle.js';

torchvisionOracleTests('resnet50.torchvision', 25_557_032);

torchvisionGradTest('resnet50.torchvision', 'fc', 1e-3, 1e-1);
torchvisionStateDictTest('resnet50.torchvision', 'layer1.0.bn1.running_var');
