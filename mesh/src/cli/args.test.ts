import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArgs, secretsFromStdin, UsageError } from './args.js';

const SECRETS = ['secret-key', 'account-key', 'sas-token'];

/** A standard input that gives `line` (or fails), and counts its reads. */
function stdin(line: string | Error): { read: () => Promise<string>; reads: number } {
  const state = {
    reads: 0,
    read: async (): Promise<string> => {
      state.reads++;
      if (line instanceof Error) throw line;
      return line;
    },
  };
  return state;
}

describe('secretsFromStdin', () => {
  it('replaces the one secret option given as - with the line read; others are left as given', async () => {
    const args = parseArgs(['cloud', '--access-key', 'AK', '--secret-key', '-', '--bucket', '-']);
    const input = stdin('s3cr3t value');
    await secretsFromStdin(args, SECRETS, input.read);
    assert.equal(args.options.get('secret-key'), 's3cr3t value');
    assert.equal(args.options.get('bucket'), '-', 'not a secret option: taken as given');
    assert.equal(input.reads, 1);

    const inline = parseArgs(['--account-key=-']);
    await secretsFromStdin(inline, SECRETS, stdin('k').read);
    assert.equal(inline.options.get('account-key'), 'k');
  });

  it('reads nothing when no secret option is -', async () => {
    const input = stdin('unused');
    const args = parseArgs(['--secret-key', 'given']);
    await secretsFromStdin(args, SECRETS, input.read);
    assert.equal(args.options.get('secret-key'), 'given');
    assert.equal(input.reads, 0);
  });

  it('refuses two options reading standard input, an empty line, and a failed read, naming the option', async () => {
    const input = stdin('s');
    await assert.rejects(
      secretsFromStdin(parseArgs(['--account-key', '-', '--sas-token', '-']), SECRETS, input.read),
      (err: unknown) => err instanceof UsageError && /--account-key and --sas-token/.test(err.message),
    );
    assert.equal(input.reads, 0, 'refused before reading');
    await assert.rejects(
      secretsFromStdin(parseArgs(['--secret-key', '-']), SECRETS, stdin('').read),
      (err: unknown) => err instanceof UsageError && err.message.startsWith('--secret-key -:'),
    );
    await assert.rejects(
      secretsFromStdin(parseArgs(['--sas-token', '-']), SECRETS, stdin(new UsageError('standard input is a terminal')).read),
      (err: unknown) => err instanceof UsageError && err.message.startsWith('--sas-token -:'),
    );
  });
});
