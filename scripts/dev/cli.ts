// Runs the CLI from the TypeScript sources (no build): node --import tsx scripts/dev/cli.ts <command> ...
import { main } from '../../src/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  },
);
