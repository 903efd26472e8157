// resnet50.torchvision against torchvision (tools/gen_torchvision_oracle.py): parameter count and logits.
import { torchvisionOracleTests } from './torchvision_oracle.js';

torchvisionOracleTests('resnet50.torchvision', 25_557_032);
