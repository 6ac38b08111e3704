import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// Architecture convention 15 (bulletproof-react): features do not import each other; the app composes them.
const FEATURES = join(process.cwd(), 'src', 'features');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|tsx)$/.test(name) ? [p] : [];
  });
}

describe('project structure', () => {
  it('has no imports from one feature into another', () => {
    const offences: string[] = [];
    for (const feature of readdirSync(FEATURES).filter((n) => statSync(join(FEATURES, n)).isDirectory())) {
      for (const file of files(join(FEATURES, feature))) {
        const src = readFileSync(file, 'utf8');
        for (const m of src.matchAll(/from\s+'(@\/features\/([^/']+)[^']*|(\.\.\/){2,}[^']*)'/g)) {
          const target = m[2];
          if (target !== feature) offences.push(`${relative(FEATURES, file)} imports ${m[1]}`);
        }
      }
    }
    expect(offences).toEqual([]);
  });
});
