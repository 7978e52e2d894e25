/**
 * The model of Core Tools' .funcignore reading (test/fixtures/funcignore.ts) against the behaviour
 * its source and its own tests show (src/Cli/func/Common/GitIgnoreParser.cs,
 * test/Cli/Func.UnitTests/ParserTests/GitIgnoreParserTests.cs), where it differs from git's.
 */
import { describe, expect, it } from 'vitest';
import { coreToolsPublishes } from '../fixtures/funcignore';

const FILE = ['# a comment', '!/cache/keep', 'cache', '*.log', '/build', 'docs/*.tmp', 'deep/**/drop', ''].join('\n');

describe("Core Tools' reading of .funcignore", () => {
  it.each([
    ['cache/keep', true, 'a negation wins, though an ignoring pattern follows it'],
    ['cache/keep/inner.txt', true, 'a negation matches every path it prefixes'],
    ['cache/other', false, 'a pattern matches every path it prefixes'],
    ['cache', false, 'the directory itself'],
    ['cached.txt', true, 'a prefix must end at a word boundary'],
    ['app.log', false, '`*` within the first segment'],
    ['logs/app.log', true, 'a pattern without `/` is still anchored at the start'],
    ['build/out.js', false, 'a leading `/` is dropped'],
    ['builder.js', true, 'no word boundary after `build`'],
    ['build.js', false, 'a `.` after the prefix is a word boundary: unlike git, `/build` takes build.js too'],
    ['docs/a.tmp', false, '`*` within one segment'],
    ['docs/sub/a.tmp', true, '`*` does not cross `/`'],
    ['deep/a/b/drop', false, '`**` crosses segments'],
    ['local.settings.json', false, 'never shipped, whatever the file says'],
    ['sub/.gitignore', false, 'never shipped at any depth'],
    ['.vscode/settings.json', false, 'never shipped'],
    ['src/index.js', true, 'nothing matches'],
  ])('%s ships: %s (%s)', (path, ships) => {
    expect(coreToolsPublishes(FILE, path)).toBe(ships);
  });

  it('ships everything but its own exclusions for an empty file', () => {
    expect(coreToolsPublishes('', 'anything/at/all.ts')).toBe(true);
    expect(coreToolsPublishes('', 'project.lock.json')).toBe(false);
  });
});
