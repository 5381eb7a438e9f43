import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeWith } from '../helpers/realComponents.js';
import { encodeUtf16, LAUNCHD_LABEL, launchdPlist, systemdUnit, windowsTaskXml, type ServiceSpec, type WindowsTaskSpec } from '../../src/platform/serviceFiles.js';
import { callvaultLaunch, DAEMON_NODE_OPTIONS } from '../../src/platform/serviceLaunch.js';

// ---- A small, strict XML reader: enough to prove the files are well-formed and to read them back.

interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: Array<XmlElement | string>;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeText(text: string, at: number): string {
  if (text.includes('<')) throw new Error(`unescaped < at ${at}`);
  if (/&(?!(?:[A-Za-z]+|#\d+|#x[0-9A-Fa-f]+);)/.test(text)) throw new Error(`bare & at ${at}`);
  return text.replace(/&([^;]*);/g, (whole, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    const value = ENTITIES[name];
    if (value === undefined) throw new Error(`unknown entity ${whole} at ${at}`);
    return value;
  });
}

function parseXml(source: string): XmlElement {
  let i = 0;
  const fail = (message: string): never => {
    throw new Error(`${message} at offset ${i}: ${JSON.stringify(source.slice(i, i + 30))}`);
  };
  const skipMisc = (): void => {
    for (;;) {
      const ws = /^\s*/.exec(source.slice(i))?.[0].length ?? 0;
      i += ws;
      const rest = source.slice(i);
      const end = rest.startsWith('<?') ? rest.indexOf('?>') + 2 : rest.startsWith('<!--') ? rest.indexOf('-->') + 3 : rest.startsWith('<!DOCTYPE') ? rest.indexOf('>') + 1 : 0;
      if (end <= 0) return;
      i += end;
    }
  };
  const element = (): XmlElement => {
    const open = /^<([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/.exec(source.slice(i));
    if (!open?.[1]) return fail('expected an element');
    const attributes: Record<string, string> = {};
    for (const match of (open[2] ?? '').matchAll(/([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
      const name = match[1] ?? '';
      if (name in attributes) fail(`attribute ${name} twice`);
      attributes[name] = decodeText(match[2] ?? match[3] ?? '', i);
    }
    i += open[0].length;
    const node: XmlElement = { name: open[1], attributes, children: [] };
    if (open[3] === '/') return node;
    for (;;) {
      const textEnd = source.indexOf('<', i);
      if (textEnd < 0) fail(`unclosed <${node.name}>`);
      if (textEnd > i) node.children.push(decodeText(source.slice(i, textEnd), i));
      i = textEnd;
      if (source.startsWith('<!--', i)) {
        i = source.indexOf('-->', i) + 3;
      } else if (source.startsWith('</', i)) {
        const close = /^<\/([A-Za-z_][\w.-]*)\s*>/.exec(source.slice(i));
        if (close?.[1] !== node.name) fail(`expected </${node.name}>`);
        i += close?.[0].length ?? 0;
        return node;
      } else {
        node.children.push(element());
      }
    }
  };
  skipMisc();
  const root = element();
  skipMisc();
  if (i !== source.length) fail('content after the root element');
  return root;
}

const elements = (node: XmlElement): XmlElement[] => node.children.filter((c): c is XmlElement => typeof c !== 'string');
const text = (node: XmlElement): string => node.children.filter((c): c is string => typeof c === 'string').join('');

function child(node: XmlElement, ...path: string[]): XmlElement {
  let current = node;
  for (const name of path) {
    const next = elements(current).find((e) => e.name === name);
    if (!next) throw new Error(`no <${name}> in <${current.name}>`);
    current = next;
  }
  return current;
}

type PlistValue = string | number | boolean | PlistValue[] | { [key: string]: PlistValue };

/** Reads a plist the way launchd does: a dict is key/value pairs in order. */
function plistValue(node: XmlElement): PlistValue {
  switch (node.name) {
    case 'string':
      return text(node);
    case 'integer':
      return Number(text(node));
    case 'true':
      return true;
    case 'false':
      return false;
    case 'array':
      return elements(node).map(plistValue);
    case 'dict': {
      const items = elements(node);
      const dict: Record<string, PlistValue> = {};
      for (let k = 0; k < items.length; k += 2) {
        const key = items[k];
        const value = items[k + 1];
        if (key?.name !== 'key' || !value) throw new Error('a dict must hold key/value pairs');
        dict[text(key)] = plistValue(value);
      }
      return dict;
    }
    default:
      throw new Error(`not a plist value: <${node.name}>`);
  }
}

// ---- The generated files.

const launch = callvaultLaunch();
/** The daemon's node options, plain words on every command line. */
const OPTIONS = DAEMON_NODE_OPTIONS.join(' ');
const plain: ServiceSpec = { launch, callvaultHome: null };
/** Paths with everything that needs escaping somewhere: spaces, quotes, %, $, &, <, backslashes. */
const awkward: ServiceSpec = {
  launch: { node: launch.node, script: `/opt/call vault/it's "odd" 100%/$HOME/a&b<c>\\d/bin/callvault.js` },
  callvaultHome: `/home/me/demo home/50% & $more "quoted"\\`,
};

describe('the systemd user unit', () => {
  it('runs `<node> <daemon options> <bin/callvault.js> daemon`, restarts on failure, and starts with the user session', () => {
    const unit = systemdUnit(plain);
    expect(unit).toContain(`\nExecStart="${launch.node}" ${OPTIONS} "${launch.script}" daemon\n`);
    expect(unit).toContain('\nRestart=on-failure\n');
    expect(unit).toContain('\n[Install]\nWantedBy=default.target\n');
    expect(unit).not.toContain('Environment=');
  });

  it('quotes and escapes what systemd would otherwise expand or split', () => {
    const unit = systemdUnit(awkward);
    expect(unit).toContain(
      `\nExecStart="${launch.node}" ${OPTIONS} "/opt/call vault/it's \\"odd\\" 100%%/$$HOME/a&b<c>\\\\d/bin/callvault.js" daemon\n`,
    );
    // Environment= expands specifiers (%) but not variables ($).
    expect(unit).toContain(`\nEnvironment="CALLVAULT_HOME=/home/me/demo home/50%% & $more \\"quoted\\"\\\\"\n`);
  });

  /** What `systemd-analyze verify` says about the unit file itself (other noise is the machine's). */
  function verify(content: string): { code: number | null; complaints: string[] } {
    const dir = mkdtempSync(join(tmpdir(), 'cv-'));
    try {
      const file = join(dir, 'callvault.service');
      writeFileSync(file, content);
      const result = spawnSync('systemd-analyze', ['verify', '--man=no', file], { encoding: 'utf8' });
      const complaints = `${result.stdout}\n${result.stderr}`.split('\n').filter((line) => line.includes('callvault.service'));
      return { code: result.status, complaints };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  describeWith('systemd-analyze', 'systemd-analyze', () => {
    it('passes `systemd-analyze verify`, with and without CALLVAULT_HOME', () => {
      expect(verify(systemdUnit(plain))).toEqual({ code: 0, complaints: [] });
      expect(verify(systemdUnit({ launch, callvaultHome: awkward.callvaultHome }))).toEqual({ code: 0, complaints: [] });
      // The check can fail: a unit systemd would half-ignore is reported.
      const broken = verify(systemdUnit(plain).replace('Restart=on-failure', 'Restart=sometimes'));
      expect(broken.complaints.join('\n')).toMatch(/restart specifier/);
    });
  });
});

describe('the launchd LaunchAgent', () => {
  it('parses as a plist that runs the daemon at load and relaunches it after a crash', () => {
    const plist = parseXml(launchdPlist(plain));
    expect(plist.name).toBe('plist');
    expect(plistValue(child(plist, 'dict'))).toEqual({
      Label: LAUNCHD_LABEL,
      ProgramArguments: [launch.node, ...DAEMON_NODE_OPTIONS, launch.script, 'daemon'],
      RunAtLoad: true,
      KeepAlive: { SuccessfulExit: false },
      ProcessType: 'Background',
    });
  });

  it('carries CALLVAULT_HOME, and paths survive escaping', () => {
    const parsed = plistValue(child(parseXml(launchdPlist(awkward)), 'dict')) as Record<string, PlistValue>;
    expect(parsed.ProgramArguments).toEqual([launch.node, ...DAEMON_NODE_OPTIONS, awkward.launch.script, 'daemon']);
    expect(parsed.EnvironmentVariables).toEqual({ CALLVAULT_HOME: awkward.callvaultHome });
  });
});

describe('the Windows scheduled task', () => {
  const windows: WindowsTaskSpec = {
    launch: { node: 'C:\\Program Files\\nodejs\\node.exe', script: 'C:\\Users\\Me\\callvault & co\\bin\\callvault.js' },
    callvaultHome: null,
    userId: 'DESKTOP-1\\Me',
    systemRoot: 'C:\\Windows',
  };

  function readTask(spec: WindowsTaskSpec): XmlElement {
    const bytes = encodeUtf16(windowsTaskXml(spec));
    expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    const xml = bytes.subarray(2).toString('utf16le');
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-16"?>')).toBe(true);
    return parseXml(xml);
  }

  it('is well-formed task XML that starts the daemon at this user’s logon, with no time limit', () => {
    const task = readTask(windows);
    expect(task.name).toBe('Task');
    expect(task.attributes.xmlns).toBe('http://schemas.microsoft.com/windows/2004/02/mit/task');
    expect(text(child(task, 'Triggers', 'LogonTrigger', 'UserId'))).toBe('DESKTOP-1\\Me');
    expect(text(child(task, 'Principals', 'Principal', 'LogonType'))).toBe('InteractiveToken');
    expect(text(child(task, 'Settings', 'ExecutionTimeLimit'))).toBe('PT0S');
    expect(text(child(task, 'Settings', 'RestartOnFailure', 'Count'))).toBe('999');
    expect(text(child(task, 'Actions', 'Exec', 'Command'))).toBe(windows.launch.node);
    expect(text(child(task, 'Actions', 'Exec', 'Arguments'))).toBe(`${OPTIONS} "${windows.launch.script}" daemon`);
  });

  it('sets CALLVAULT_HOME through cmd.exe, since tasks cannot set environment variables', () => {
    const task = readTask({ ...windows, callvaultHome: 'D:\\demo home' });
    expect(text(child(task, 'Actions', 'Exec', 'Command'))).toBe('C:\\Windows\\System32\\cmd.exe');
    expect(text(child(task, 'Actions', 'Exec', 'Arguments'))).toBe(
      `/d /s /c "set "CALLVAULT_HOME=D:\\demo home" && "${windows.launch.node}" ${OPTIONS} "${windows.launch.script}" daemon"`,
    );
  });
});

describe('the XML reader used above', () => {
  it('refuses what is not well-formed, so passing it means something', () => {
    expect(() => parseXml('<a><b></a>')).toThrow(/expected <\/b>/);
    expect(() => parseXml('<a>x & y</a>')).toThrow(/bare &/);
    expect(() => parseXml('<a x="1" x="2"/>')).toThrow(/twice/);
    expect(() => parseXml('<a/><b/>')).toThrow(/after the root/);
    expect(plistValue(child(parseXml('<plist><dict><key>k</key><string>a &amp; b</string></dict></plist>'), 'dict'))).toEqual({ k: 'a & b' });
  });
});
