export * from './onnx';
export * from './fx';
