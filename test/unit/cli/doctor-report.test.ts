// How doctor prints: one text line per check (status, id, evidence) with its action under it, or one JSON
// object per check and a summary; the exit code says whether anything FAILed; every line is redacted.
import { describe, expect, it } from 'vitest';
import { type CheckResult, progressLine, reportWriter, textLines } from '../../../infra/cli/doctor/report.js';
import { captured } from '../../integration/cli/doctor-harness.js';

const OK: CheckResult = { id: 'network.dns', status: 'ok', evidence: '127.0.0.1 is an address' };
const FAILED: CheckResult = {
  id: 'key.accepted',
  status: 'FAIL',
  cause: 'invalid-key',
  evidence: 'refused: invalid-key, HTTP 401',
  action: 'check the key',
  details: { status: 401 },
};

describe('doctor report', () => {
  it('prints the status, the check and its evidence on one line, and the action under it', () => {
    expect(textLines(FAILED)).toEqual([
      'FAIL  key.accepted           refused: invalid-key, HTTP 401',
      '      → check the key',
    ]);
    expect(textLines(OK)).toEqual(['ok    network.dns            127.0.0.1 is an address']);
  });

  it('exits 1 when a check FAILed and 0 when only ok, WARN and skip were written', () => {
    const failing = reportWriter(captured(), { json: false, redact: (t) => t });
    failing.check(OK);
    failing.check(FAILED);
    const passing = reportWriter(captured(), { json: false, redact: (t) => t });
    passing.check(OK);
    passing.check({ id: 'key.expiry', status: 'WARN', evidence: 'soon' });
    passing.check({ id: 'stream', status: 'skip', evidence: 'not checked' });

    expect([failing.finish(), passing.finish()]).toEqual([1, 0]);
  });

  it('writes one JSON object per check, then a summary, with --json', () => {
    const out = captured();
    const writer = reportWriter(out, { json: true, redact: (t) => t });
    writer.check(FAILED);
    writer.finish();

    const lines = out
      .text()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toEqual([
      {
        check: 'key.accepted',
        status: 'FAIL',
        cause: 'invalid-key',
        evidence: 'refused: invalid-key, HTTP 401',
        action: 'check the key',
        details: { status: 401 },
      },
      { summary: { ok: 0, WARN: 0, FAIL: 1, skip: 0 }, exitCode: 1 },
    ]);
  });

  it('passes every line through the redaction before writing it', () => {
    const out = captured();
    const writer = reportWriter(out, {
      json: false,
      redact: (t) => t.replaceAll('s3cr3t-key', '[REDACTED]'),
    });
    writer.check({
      id: 'key.accepted',
      status: 'FAIL',
      evidence: 'echoed s3cr3t-key',
      action: 'not s3cr3t-key',
    });
    writer.finish();

    expect(out.text()).not.toContain('s3cr3t-key');
    expect(out.text()).toContain('echoed [REDACTED]');
  });

  it('shows progress only on a TTY', () => {
    const tty = Object.assign(captured(), { isTTY: true });
    const pipe = captured();
    for (const stream of [tty, pipe]) {
      const progress = progressLine(stream);
      progress.show('clock: measurement 1 of 2');
      progress.clear();
    }

    expect(tty.text()).toContain('clock: measurement 1 of 2');
    expect(pipe.text()).toBe('');
  });
});
