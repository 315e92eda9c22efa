// Run as a process (node tests/dist/support/stack-process.js): starts a stack through startStack,
// as a test file does, prints it as one JSON line ({ launcher, dataDir, services }) and keeps it
// running, so that a test can kill this process and see what is left of its stack. Should that
// test die first, this process's stdin ends and it stops its stack.
import { watchParent } from '@zenko/mesh';
import { startStack } from './stack.js';

const stack = await startStack();
process.stdout.write(`${JSON.stringify({ launcher: stack.launcher.pid, dataDir: stack.dataDir, services: stack.services })}\n`);
watchParent(() => {
  void stack.stop().finally(() => process.exit(0));
});
