import 'reflect-metadata';
import { container } from 'tsyringe';
import { passPlugin } from './define-pass';
import { definePlugin } from './define-plugin';
import { errorOf } from './errors';
import { BACKEND, FRONTEND, PASS, SEARCHER, type Backend, type CliCommandSpec, type Frontend, type IrModule, type Searcher } from './plugin';
import { printModule, stageDefinition } from './session';
import { STAGE, type StageDefinition } from './stages';

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

  describe('stages', () => {
    const stage = (name: string, tag = name): StageDefinition => ({
      name,
      verify: (m) => {
        if (!('graph' in m)) throw new Error(`${name} module without a graph`);
      },
      print: (m) => `${tag}:${JSON.stringify((m as IrModule & { graph?: unknown }).graph)}`,
    });
    const frontend: Frontend = { id: 'toy', load: () => ({ stage: 'model', graph: [1] }) };
    const spec = { id: 'toy', description: 'a toy frontend', optionsSchema: schema, defaultOptions: {}, create: () => frontend };

    it('binds declared stages under STAGE after the contribution, in order, and the session prints and verifies with them', () => {
      const model = stage('model', 'M');
      const program = stage('program', 'P');
      const p = definePlugin('frontend', pkg, { ...spec, stages: [model, program] });
      expect('stages' in p).toBe(false);
      const c = container.createChildContainer();
      p.register(c, {});
      expect(c.resolveAll(FRONTEND)).toEqual([frontend]);
      expect(c.resolveAll(STAGE)).toEqual([model, program]);
      expect(stageDefinition(c, 'program')).toBe(program);
      expect(printModule(c, { stage: 'model', graph: [3, 4] } as IrModule)).toBe('M:[3,4]');
      expect(() => stageDefinition(c, 'model')?.verify({ stage: 'model' })).toThrow('model module without a graph');
      // no stages declared: nothing bound under STAGE, and printing falls back to the host's printer
      const bare = container.createChildContainer();
      definePlugin('frontend', pkg, spec).register(bare, {});
      expect(bare.isRegistered(STAGE)).toBe(false);
      expect(printModule(bare, { stage: 'model', graph: [3] } as IrModule, (m) => `fallback ${m.stage}`)).toBe('fallback model');
    });

    it('refuses a stage without a name, verify or print, a non-function parse, a repeated name and a non-list, naming the plugin', () => {
      const nameless = errorOf(() => definePlugin('frontend', pkg, { ...spec, stages: [stage('model'), { verify: () => undefined, print: () => '' } as unknown as StageDefinition] }), 'FF_PLUGIN_ERROR');
      expect([nameless.message, nameless.plugin, nameless.path]).toEqual([
        `@acme/backend-toy: stages[1] has no "name" (the stage tag of the modules it describes, e.g. 'dataflow')`,
        '@acme/backend-toy',
        '@acme/backend-toy/stages/1',
      ]);
      const bad = (stages: unknown) => errorOf(() => definePlugin('frontend', pkg, { ...spec, stages: stages as StageDefinition[] }), 'FF_PLUGIN_ERROR').message;
      expect(bad([{ name: '', verify: () => undefined, print: () => '' }])).toMatch(/stages\[0\] has no "name"/);
      expect(bad([{ name: 'model', verify: () => undefined }])).toBe("@acme/backend-toy: stages[0] ('model') has no print() function");
      expect(bad([{ name: 'model', print: () => '' }])).toBe("@acme/backend-toy: stages[0] ('model') has no verify() function");
      expect(bad([{ ...stage('model'), parse: 'text' }])).toBe(`@acme/backend-toy: stages[0] ('model') has a "parse" that is not a function`);
      expect(bad([stage('model'), stage('model', 'again')])).toBe("@acme/backend-toy: stages[1] defines the stage 'model' a second time");
      expect(bad([null])).toBe('@acme/backend-toy: stages[0] must be a stage definition ({ name, verify, print }), got null');
      expect(bad(stage('model'))).toBe('@acme/backend-toy: stages must be a list of stage definitions, got object');
    });

    it('binds a stage list changed after definition as it was checked', () => {
      const list = [stage('model')];
      const p = definePlugin('frontend', pkg, { ...spec, stages: list });
      list.push({ name: '' } as StageDefinition);
      const c = container.createChildContainer();
      p.register(c, {});
      expect(c.resolveAll(STAGE).map((s) => s.name)).toEqual(['model']);
    });
  });
});
