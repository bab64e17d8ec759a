#!/usr/bin/env node
// Native-solc command-line shim over solc-js, for py-solc-x / ape-solidity.
// Supports `--version` and `--standard-json` (input on stdin), plus the path flags
// py-solc-x passes (--allow-paths, --base-path, --include-path). Imports that the
// standard-json input does not carry are read from disk relative to those paths.
'use strict';
const fs = require('fs');
const path = require('path');

function loadSolc() {
  try {
    return require('solc');
  } catch (err) {
    const here = path.resolve(__dirname, '..', 'node_modules', 'solc');
    return require(here);
  }
}

function parseArgs(argv) {
  const opts = { version: false, standardJson: false, roots: [], unknown: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const takeValue = () => {
      if (a.includes('=')) return a.slice(a.indexOf('=') + 1);
      i += 1;
      return argv[i];
    };
    if (a === '--version' || a === '-v') opts.version = true;
    else if (a === '--standard-json') opts.standardJson = true;
    else if (a.startsWith('--allow-paths')) opts.roots.push(...String(takeValue()).split(','));
    else if (a.startsWith('--base-path') || a.startsWith('--include-path')) opts.roots.push(String(takeValue()));
    else if (a === '--pretty-json' || a === '--no-color') continue;
    else opts.unknown.push(a);
  }
  return opts;
}

function nativeVersion(solc) {
  // solc-js reports "<ver>+commit.<hash>.Emscripten.clang"; native prints the same long form.
  return `solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`;
}

function makeImportReader(roots) {
  const bases = [process.cwd(), ...roots.filter(Boolean).map((r) => path.resolve(r))];
  return function findImports(importPath) {
    for (const base of bases) {
      const candidate = path.isAbsolute(importPath) ? importPath : path.join(base, importPath);
      try {
        return { contents: fs.readFileSync(candidate, 'utf8') };
      } catch (_) {
        /* try the next base */
      }
    }
    return { error: `File not found: ${importPath} (searched ${bases.join(', ')})` };
  };
}

function inlineUrlSources(input, findImports) {
  // Native solc reads "urls" entries itself; solc-js needs "content".
  for (const [name, source] of Object.entries(input.sources || {})) {
    if (source.content === undefined && Array.isArray(source.urls)) {
      for (const url of source.urls) {
        const found = findImports(url);
        if (found.contents !== undefined) {
          source.content = found.contents;
          delete source.urls;
          break;
        }
      }
      if (source.content === undefined) {
        const found = findImports(name);
        if (found.contents !== undefined) {
          source.content = found.contents;
          delete source.urls;
        }
      }
    }
  }
}

function writeAllThenExit(text, code) {
  // process.exit() right after a large write would truncate piped stdout.
  process.exitCode = code;
  process.stdout.write(text);
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const solc = loadSolc();
  if (opts.version) return writeAllThenExit(nativeVersion(solc), 0);
  if (!opts.standardJson) {
    process.stderr.write(
      `solc-bridge: only --version and --standard-json are supported (got: ${process.argv.slice(2).join(' ') || 'no arguments'}).\n`,
    );
    process.exitCode = 1;
    return;
  }
  const chunks = [];
  process.stdin.on('data', (c) => chunks.push(c));
  process.stdin.on('end', () => {
    const raw = Buffer.concat(chunks).toString('utf8');
    let input;
    try {
      input = JSON.parse(raw);
    } catch (err) {
      const out = { errors: [{ component: 'general', severity: 'error', type: 'JSONError', message: `Invalid standard-json input: ${err.message}`, formattedMessage: `JSONError: Invalid standard-json input: ${err.message}` }] };
      return writeAllThenExit(JSON.stringify(out), 0);
    }
    const findImports = makeImportReader(opts.roots);
    inlineUrlSources(input, findImports);
    const output = solc.compile(JSON.stringify(input), { import: findImports });
    writeAllThenExit(output, 0);
  });
}

main();
