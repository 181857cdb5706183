// `ip -batch` only for words its parser reads back as themselves; otherwise one argv per command.
import { test, expect } from '@playwright/test';
import { batchInput, runIpCommands } from '../../harness/drivers/ip-commands.ts';

test('names real rule sets use go to one batch', () => {
  expect(batchInput([['link', 'set', 'dev', 'ens18.100', 'up'], ['addr', 'add', '10.0.0.1/24', 'dev', 'br-lan']])).toBe('link set dev ens18.100 up\naddr add 10.0.0.1/24 dev br-lan\n');
});

test("a name with `#`, a quote or a backslash (the kernel accepts them) is run as argv, command by command", async () => {
  for (const name of ['wg0#1', 'a"b', "a'b", 'a\\b']) expect(batchInput([['link', 'set', 'dev', name, 'up']]), name).toBeUndefined();
  const ran: Array<[string[], string | undefined]> = [];
  await runIpCommands(['ip', '-n', 'ns'], [['link', 'set', 'dev', 'wg0#1', 'up'], ['route', 'add', 'default', 'via', '10.0.0.254']], async (argv, input) => void ran.push([argv, input]));
  expect(ran).toEqual([
    [['ip', '-n', 'ns', 'link', 'set', 'dev', 'wg0#1', 'up'], undefined],
    [['ip', '-n', 'ns', 'route', 'add', 'default', 'via', '10.0.0.254'], undefined],
  ]);
});
