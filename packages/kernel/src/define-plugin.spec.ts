import 'reflect-metadata';
import { container } from 'tsyringe';
import { passPlugin } from './define-pass';
import { definePlugin } from './define-plugin';
import { errorOf } from './errors';
import { BACKEND, PASS, SEARCHER, type Backend, type CliCommandSpec, type Searcher } from './plugin';

const pkg = { name: '@acme/backend-toy', version: '2.3.4' };
const schema = { type: 'object', properties: { scale: { type: 'number' } } };

function toyBackend(scale: number): Backend {
  return { id: 'toy', consumes: ['model'], run: () => ({ backend: 'toy', metrics: { cycles: scale } }) };
}

describe('definePlugin', () => {
  it('fills name, version and apiVersion from package.json and binds the contribution under its kind\'s token', async () => {
    const p = definePlugin<'backend', { scale: number }>('backend', pkg, {
      id: 'toy',
      description: 'a toy backend',
      optionsSchema: schema,
      defaultOptions: { scale: 2 },
      create: (o) => toyBackend(o.scale),
    });
    expect(p).toMatchObject({ name: '@acme/backend-toy', version: '2.3.4', apiVersion: 1, kind: 'backend', id: 'toy', description: 'a toy backend', optionsSchema: schema, defaultOptions: { scale: 2 } });
    expect('aliases' in p).toBe(false);
    expect('commands' in p).toBe(false);
    const c = container.createChildContainer();
    p.register(c, { scale: 7 });
    const bound = c.resolveAll(BACKEND);
    expect(bound).toHaveLength(1);
    expect((await bound[0].run({ stage: 'model' }, undefined as never)).metrics.cycles).toBe(7);
    expect(c.isRegistered(PASS)).toBe(false);
  });

  it('binds a list in its order and keeps aliases', () => {
    const searcher = (id: string): Searcher => ({ id, search: async () => ({ searcher: id, evaluations: 0 }) });
    const p = definePlugin<'searcher', { mode: string }>('searcher', pkg, {
      id: 'pair',
      description: 'two searchers',
      optionsSchema: schema,
      defaultOptions: {},
      aliases: { other: { mode: 'b' } },
      create: (o) => (o.mode === 'b' ? [searcher('b'), searcher('a')] : [searcher('a'), searcher('b')]),
    });
    expect(p.aliases).toEqual({ other: { mode: 'b' } });
    const c = container.createChildContainer();
    p.register(c, { mode: 'b' });
    expect(c.resolveAll(SEARCHER).map((s) => s.id)).toEqual(['b', 'a']);
  });

  it('keeps a commands getter lazy: it runs when the CLI reads plugin.commands, not when the plugin is defined', () => {
    let reads = 0;
    const cmd: CliCommandSpec = { name: 'toy', description: 'toy command', action: () => 0 };
    const p = definePlugin('backend', pkg, {
      id: 'toy',
      description: 'a toy backend',
      optionsSchema: schema,
      defaultOptions: {},
      create: () => toyBackend(1),
      get commands() {
        reads++;
        return [cmd];
      },
    });
    expect(reads).toBe(0);
    expect(Object.keys(p)).toContain('commands');
    expect(p.commands?.map((x) => x.name)).toEqual(['toy']);
    expect(reads).toBe(1);
  });

  it('passPlugin is definePlugin of kind pass', () => {
    const p = passPlugin(pkg, { id: 'noop', description: 'does nothing', optionsSchema: schema, defaultOptions: {}, create: () => ({ id: 'noop', reads: 'program', writes: 'program', run: (ir) => ir }) });
    expect([p.kind, p.id, p.name, p.version]).toEqual(['pass', 'noop', '@acme/backend-toy', '2.3.4']);
    const c = container.createChildContainer();
    p.register(c, {});
    expect(c.resolveAll(PASS).map((x) => x.id)).toEqual(['noop']);
  });

  it('refuses a package.json without name or version, an unknown kind, and a create() that binds nothing', () => {
    const spec = { id: 'toy', description: 'a toy backend', optionsSchema: schema, defaultOptions: {}, create: () => toyBackend(1) };
    const noVersion = errorOf(() => definePlugin('backend', { name: '@acme/backend-toy' } as { name: string; version: string }, spec), 'FF_PLUGIN_ERROR');
    expect(noVersion.message).toBe(`backend plugin 'toy': its package.json needs a non-empty "name" and "version", got {"name":"@acme/backend-toy"}`);
    expect(noVersion.path).toBe('package.json');
    expect(errorOf(() => definePlugin('widget' as 'backend', pkg, spec), 'FF_PLUGIN_ERROR').message).toBe(
      "@acme/backend-toy: unknown plugin kind 'widget' (one of frontend, pass, backend, searcher, reporter)",
    );
    const empty = definePlugin('searcher', pkg, { ...spec, create: () => [] });
    const c = container.createChildContainer();
    const e = errorOf(() => empty.register(c, {}), 'FF_PLUGIN_ERROR');
    expect([e.message, e.plugin, e.hook]).toEqual(['@acme/backend-toy: create() returned no searcher', '@acme/backend-toy', 'register']);
    expect(c.isRegistered(SEARCHER)).toBe(false);
  });
});
