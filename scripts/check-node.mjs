// Runs before every npm script that needs Node 24 (see package.json). Plain JavaScript on purpose: on an
// older Node, `node src/main.ts` dies with ERR_UNKNOWN_FILE_EXTENSION ".ts", which says nothing useful.
var major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    'Defect Sync needs Node 24 (it runs its TypeScript directly); this is Node ' + process.versions.node + '.\n' +
      'Use scripts/run.sh (e.g. `scripts/run.sh start`), which fetches Node 24 when the machine has an older one,\n' +
      'or put Node 24 first on PATH: export PATH="$(scripts/node24.sh):$PATH"',
  );
  process.exit(1);
}
