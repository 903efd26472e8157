// mobilenet_v2 against torchvision (tools/gen_torchvision_oracle.py): parameter count and logits.
import { torchvisionOracleTests } from './torchvision_oracle.js';

torchvisionOracleTests('mobilenet_v2', 3_504_872);
