/**
 * A 2-layer GraphSAGE program with the statements the PyTorch frontend imports for
 * examples/graphsage (graphsage.fx.json): per layer a self path (x W_s + b), a neighbour path
 * ((A x) W_n + b), their sum and a ReLU; biases broadcast by a dense `one` vector as PyTorch's are.
 * `features` -> `hidden` -> `classes` over `nodes` graph nodes.
 */
export function graphsageProgram(nodes: number, features: number, hidden: number, classes: number): string {
  const v = nodes;
  const layer = (l: number, x: string, fin: number, fout: number, out: string, role: string): string => `tensor W${l}s(${fin},${fout}): dcsr input
tensor W${l}n(${fin},${fout}): dcsr input
tensor b${l}(${fout}): dense input
tensor S${l}(${v},${fout}): dense intermediate
tensor P${l}(${v},${fout}): dense intermediate
tensor N${l}(${v},${fin}): dense intermediate
tensor M${l}(${v},${fout}): dense intermediate
tensor Q${l}(${v},${fout}): dense intermediate
tensor R${l}(${v},${fout}): dense intermediate
tensor ${out}(${v},${fout}): dense ${role}
s${l}: S${l}(i,j) = ${x}(i,k) * W${l}s(k,j)
p${l}: P${l}(i,j) = S${l}(i,j) + b${l}(j) * one(i)
n${l}: N${l}(i,j) = A(i,k) * ${x}(k,j)
m${l}: M${l}(i,j) = N${l}(i,k) * W${l}n(k,j)
q${l}: Q${l}(i,j) = M${l}(i,j) + b${l}(j) * one(i)
r${l}: R${l}(i,j) = P${l}(i,j) + Q${l}(i,j)
o${l}: ${out}(i,j) = relu(R${l}(i,j))`;
  return `program sage2
tensor A(${v},${v}): dcsr input
tensor X(${v},${features}): dense input
tensor one(${v}): dense input
${layer(1, 'X', features, hidden, 'H', 'intermediate')}
${layer(2, 'H', hidden, classes, 'Y', 'output')}`;
}
