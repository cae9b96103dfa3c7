import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { childLogger, createLogger, flushLogger } from '../../../src/app/log.js';
import { captureLog } from './log-capture.js';

describe('logger', () => {
  it('writes one JSON object per line with a level name, time and message', async () => {
    const log = captureLog();
    const logger = createLogger({ level: 'info', destination: log.destination });
    logger.info({ port: 5060 }, 'listening');
    await flushLogger(logger);
    assert.equal(log.lines.length, 1);
    const [line] = log.lines;
    assert.equal(line.level, 'info');
    assert.equal(line.msg, 'listening');
    assert.equal(line.port, 5060);
    assert.equal(line.pid, process.pid);
    assert.ok(!Number.isNaN(Date.parse(String(line.time))));
  });

  it('drops lines below the configured level', () => {
    const log = captureLog();
    const logger = createLogger({ level: 'warn', destination: log.destination });
    logger.debug('no');
    logger.info('no');
    logger.warn('yes');
    logger.error('yes too');
    assert.deepEqual(log.messages(), ['yes', 'yes too']);
  });

  it('child loggers bind fields to every line and skip undefined ones', () => {
    const log = captureLog();
    const logger = createLogger({ level: 'trace', destination: log.destination });
    const child = childLogger(logger, { component: 'registrar', callId: 'a84b4c76e66710', user: undefined });
    child.trace('one');
    childLogger(child, { user: 'alice' }).info('two');
    assert.equal(log.lines[0].component, 'registrar');
    assert.equal(log.lines[0].callId, 'a84b4c76e66710');
    assert.ok(!('user' in log.lines[0]));
    assert.equal(log.lines[1].user, 'alice');
    assert.equal(log.lines[1].callId, 'a84b4c76e66710');
  });
});
