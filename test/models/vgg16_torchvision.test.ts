// vgg16.torchvision against torchvision (tools/gen_torchvision_oracle.py): parameter count and logits.
import { torchvisionOracleTests } from './torchvision_oracle.js';

torchvisionOracleTests('vgg16.torchvision', 138_357_544);
