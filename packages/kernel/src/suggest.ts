/** Levenshtein edit distance between two strings (characters). */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

function isSubsequence(word: string, of: string): boolean {
  let i = 0;
  for (const c of of) if (c === word[i]) i++;
  return i === word.length;
}

/**
 * The candidate closest to `word` by edit distance, if it is a plausible typo: distance <=
 * max(2, a third of the word's length), or the word is an abbreviation (subsequence) of it.
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const w = word.toLowerCase();
  for (const c of candidates) {
    const lc = c.toLowerCase();
    const d = editDistance(w, lc);
    const plausible = d <= Math.max(2, Math.floor(word.length / 3)) || (w.length >= 3 && isSubsequence(w, lc));
    if (plausible && d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}
