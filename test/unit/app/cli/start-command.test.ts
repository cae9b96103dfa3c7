import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type CliIo, overridesFromFlags, runCli, runStart } from '../../../../src/app/cli/index.js';
import type { Config } from '../../../../src/app/config/index.js';
import type { Component } from '../../../../src/app/lifecycle.js';
import { captureLog } from '../log-capture.js';

function io(cwd: string): CliIo & { err: string[] } {
  const err: string[] = [];
  return { err, cwd, stdout: () => {}, stderr: (t) => void err.push(t) };
}

describe('switchboard start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-start-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('maps flags to overrides; empty repeatable lists keep the file', () => {
    assert.deepEqual(overridesFromFlags({ listen: [], domain: [] }), { dataDir: undefined, listen: undefined, domains: undefined, logLevel: undefined });
    assert.deepEqual(overridesFromFlags({ data: 'd', listen: ['udp:127.0.0.1:1'], domain: ['a'], logLevel: 'debug' }), {
      dataDir: 'd',
      listen: ['udp:127.0.0.1:1'],
      domains: ['a'],
      logLevel: 'debug',
    });
  });

  it('creates the data dir (0700), builds components from the config, runs until SIGTERM', async () => {
    const signals = new EventEmitter();
    const log = captureLog();
    let seen: Config | undefined;
    const events: string[] = [];
    const buildComponents = async (config: Config): Promise<Component[]> => {
      seen = config;
      return [
        {
          name: 'probe',
          start: async () => {
            events.push('start');
            setImmediate(() => signals.emit('SIGTERM', 'SIGTERM'));
          },
          stop: async () => void events.push('stop'),
        },
      ];
    };
    const code = await runCli(['start', '--data', 'state/sb', '--listen', 'udp:127.0.0.1:0', '--domain', 'example.com', '--log-level', 'debug'], {
      io: io(dir),
      start: { buildComponents, signals, logDestination: log.destination, forceExit: () => assert.fail('no forced exit') },
    });
    assert.equal(code, 0);
    assert.deepEqual(events, ['start', 'stop']);
    const dataDir = join(dir, 'state/sb');
    assert.equal(seen?.dataDir, dataDir);
    assert.equal(seen?.log.level, 'debug');
    assert.deepEqual(seen?.domains, ['example.com']);
    assert.equal(statSync(dataDir).mode & 0o777, 0o700);
    const started = log.lines.find((l) => l.msg === 'started');
    assert.deepEqual(started?.listeners, ['udp:127.0.0.1:0']);
    assert.ok(log.messages().includes('stopped'));
  });

  it('an invalid config exits 2 with the error lines and starts nothing', async () => {
    const t = io(dir);
    const code = await runStart({ config: join(dir, 'missing.yaml') }, t, {
      buildComponents: async () => assert.fail('must not build'),
      signals: new EventEmitter(),
    });
    assert.equal(code, 2);
    assert.deepEqual(t.err, [`${join(dir, 'missing.yaml')}: cannot read config file: no such file\n`]);
  });

  it('a component that fails to start exits 1', async () => {
    const log = captureLog();
    const code = await runStart({ data: join(dir, 'd2') }, io(dir), {
      buildComponents: async () => [{ name: 'udp', start: async () => Promise.reject(new Error('EADDRINUSE')), stop: async () => {} }],
      signals: new EventEmitter(),
      logDestination: log.destination,
    });
    assert.equal(code, 1);
    assert.ok(log.messages().includes('failed to start udp: EADDRINUSE'));
  });

  it('a throwing buildComponents exits 1 with a log line', async () => {
    const log = captureLog();
    const code = await runStart({ data: join(dir, 'd3') }, io(dir), {
      buildComponents: async () => Promise.reject(new Error('no certificate')),
      signals: new EventEmitter(),
      logDestination: log.destination,
    });
    assert.equal(code, 1);
    assert.ok(log.messages().includes('cannot start: no certificate'));
  });
});
