// The weight-file formats we read, named in messages (kept apart from the readers so a
// message can name them without loading the readers).
export type WeightFormat = 'pth' | 'npy' | 'onnx' | 'safetensors' | 'h5';

export const SUPPORTED =
  'PyTorch .pth/.pt (zip or legacy torch.save), NumPy .npy/.npz (arrays, or a pickled dict like bvlc_alexnet.npy), ONNX .onnx (initializers), safetensors, Keras .h5 (HDF5 weights or model.save files)';
