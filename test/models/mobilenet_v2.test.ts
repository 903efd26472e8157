// mobilenet_v2 against torchvision (tools/gen_torchvision_oracle.py): parameter count and logits.
import { torchvisionGradTest, torchvisionOracleTests } from './torchvision_oracle.js';

torchvisionOracleTests('mobilenet_v2', 3_504_872);

torchvisionGradTest('mobilenet_v2', 'classifier.1', 1e-3, 1e-1);
