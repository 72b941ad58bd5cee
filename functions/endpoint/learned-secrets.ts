// The secret values a client was answered (a new app key's value from GetKeyID), kept for the client's
// life so that nothing it reports afterwards (errors, evidence, logs) can quote them, whichever call
// it reports on. Values are held in memory only and never logged.

export class LearnedSecrets implements Iterable<string> {
  private readonly values = new Set<string>();

  /** Learns every string `result` of an InfoTable's rows: a key service's output. */
  learnResults(json: unknown): void {
    const rows = (json as { rows?: unknown } | null)?.rows;
    if (!Array.isArray(rows)) return;
    for (const row of rows) {
      const result = (row as { result?: unknown } | null)?.result;
      if (typeof result === 'string' && result !== '') this.values.add(result);
    }
  }

  [Symbol.iterator](): Iterator<string> {
    return this.values.values();
  }
}
