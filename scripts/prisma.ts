// `node scripts/prisma.ts <prisma args>`: the Prisma CLI, offline (see prisma-cli.ts), e.g.
//   node scripts/prisma.ts migrate deploy
//   node scripts/prisma.ts migrate diff --from-migrations prisma/migrations --to-schema prisma/schema.prisma --script
import { runPrisma } from './prisma-cli.ts';

// Ctrl-C reaches the child directly (same process group); stay alive until it exits.
process.on('SIGINT', () => {});
const { code } = await runPrisma(process.argv.slice(2), { stdio: 'inherit' });
process.exit(code);
