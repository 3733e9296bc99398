/**
 * Details of the selection. A process: full argv (copy button), the
 * programs it exec'd in a row when more than one, exe, cwd,
 * environment (secret-looking values masked unless unmasked), exit, times,
 * parent and children, files read / written / probed. A file: kind, who
 * wrote, read and looked for it, with its provenance and impact one click
 * away. Every field can be right-clicked: apply as filter / and / and not.
 */
import type { Backend } from './backend.js';
import { fieldFilter } from './fields.js';
import { STATIC_NOTE } from './graph.js';
import { selFile, selProc, store } from './state.js';
import { clear, count, dur, h, shellJoin, shortPath } from './util.js';

const SECRET = /TOKEN|SECRET|PASSWORD|PASSWD|KEY/i;

export class Details {
  readonly el: HTMLElement;
  private readonly body: HTMLElement;
  private showSecrets = false;
  private gen = 0;

  constructor(
    private readonly api: Backend,
    private readonly cwd: string,
  ) {
    this.body = h('div.details-body', { tabindex: 0 });
    this.el = h('div.pane.details#details', {}, this.body);
    store.on((ch) => {
      if (ch.has('sel')) this.load();
    });
    this.load();
  }

  async load(): Promise<void> {
    const gen = ++this.gen;
    const p = selProc();
    const f = selFile();
    try {
      if (p) {
        const d = await this.api.get('proc', { id: p, limit: 2000 });
        if (gen === this.gen) this.showProc(d);
      } else if (f >= 0) {
        const d = await this.api.get('file', { id: f, limit: 2000 });
        if (gen === this.gen) this.showFile(d);
      } else {
        clear(this.body);
        this.body.append(h('p.hint', {}, 'Select a process in the tree or the timeline, or a file in the files table.'));
      }
    } catch (err) {
      if (gen !== this.gen) return;
      clear(this.body);
      this.body.append(h('p.error', {}, String((err as Error).message)));
    }
  }

  private field(label: string, value: Node | string, filter?: [string, string | number]): HTMLElement {
    const v = h('dd', {}, value);
    if (filter) {
      v.classList.add('filterable');
      v.dataset.filter = fieldFilter(filter[0], filter[1]);
      v.title = `right-click: apply as filter (${v.dataset.filter})`;
    }
    return h('div.field', {}, h('dt', {}, label), v);
  }

  private procLink(r: any): HTMLElement {
    return h(
      'a.plink',
      { href: '#', class: `plink${r.failed && !r.probe ? ' failed' : ''}`, 'data-proc': r.id, title: r.cmd, onclick: (e: Event) => (e.preventDefault(), store.set({ sel: `p${r.id}` }, { push: true })) },
      h('b', {}, r.name),
      ' ',
      h('span.args', {}, String(r.cmd).slice(String(r.cmd).indexOf(' ') + 1 || String(r.cmd).length).slice(0, 140)),
    );
  }

  private fileLink(a: any): HTMLElement {
    const el = h(
      'a.flink',
      { href: '#', 'data-file': a.id, 'data-path': a.path, title: a.path, onclick: (e: Event) => (e.preventDefault(), store.set({ sel: `f${a.id}` }, { push: true })) },
      shortPath(a.path, this.cwd),
    );
    el.dataset.filter = fieldFilter('path', a.path);
    el.classList.add('filterable');
    return el;
  }

  private list(title: string, l: { total: number; items: any[] }, item: (x: any) => Node, cls: string): HTMLElement {
    const sec = h('section', { class: `dsec ${cls}` }, h('h4', {}, `${title} `, h('small', {}, count(l.total))));
    const ul = h('ul');
    for (const x of l.items) ul.append(h('li', {}, item(x), x.kinds ? h('small.kinds', {}, ` ${x.kinds.join(',')}`) : ''));
    if (l.total > l.items.length) ul.append(h('li.more', {}, `… ${count(l.total - l.items.length)} more`));
    if (!l.total) ul.append(h('li.none', {}, 'none'));
    sec.append(ul);
    return sec;
  }

  private showProc(d: any): void {
    clear(this.body);
    const argv = h('ol.argv', { start: 0 });
    for (const [i, a] of (d.argv as string[]).entries()) {
      const li = h('li', { class: 'filterable', title: `argv[${i}]` }, a);
      li.dataset.filter = fieldFilter('arg', a);
      argv.append(li);
    }
    const copy = h('button.copy', { title: 'copy the command line (shell-quoted)', onclick: () => copyText(shellJoin(d.argv), copy) }, 'Copy');
    const env = h('ul.env');
    const renderEnv = () => {
      clear(env);
      for (const e of d.env as string[]) {
        const i = e.indexOf('=');
        const k = i < 0 ? e : e.slice(0, i);
        const v = i < 0 ? '' : e.slice(i + 1);
        const masked = !this.showSecrets && SECRET.test(k);
        const li = h('li', {}, h('b', {}, k), '=', masked ? h('span.masked', { title: 'masked: looks like a secret' }, '••••••••') : v);
        if (!masked) {
          li.classList.add('filterable');
          li.dataset.filter = fieldFilter(`env.${k}`, v);
        }
        env.append(li);
      }
    };
    renderEnv();
    const toggle = h('label.toggle', {}, h('input', { type: 'checkbox', onchange: (e: Event) => ((this.showSecrets = (e.target as HTMLInputElement).checked), renderEnv()) }), ' show secrets');
    (toggle.firstChild as HTMLInputElement).checked = this.showSecrets;
    this.body.append(
      heading(d.name, `process ${d.id} · pid ${d.pid}`, d.failed && !d.probe ? 'failed' : ''),
      h('section.dsec.cmd', {}, h('h4', {}, 'Command line ', copy), argv),
      this.chain(d.execs),
      h(
        'dl',
        {},
        this.field('exe', d.exe, ['exe', d.exe]),
        this.field('cwd', d.cwd, ['cwd', d.cwd]),
        this.field('exit', h('span', { class: d.failed && !d.probe ? 'failed' : '' }, d.exit, d.probe ? ' (a failed probe: the build went on and did not need it)' : ''), d.signal ? ['signal', d.signal] : d.exitCode >= 0 ? ['exit', d.exitCode] : undefined),
        this.field('pid', String(d.pid), ['pid', d.pid]),
        this.field('start', `+${dur(d.start)}`),
        this.field('end', `+${dur(d.end)}`),
        this.field('duration', dur(d.dur)),
        this.field('parent', d.parent ? this.procLink(d.parent) : 'none (a root)'),
      ),
      this.list('Children', { total: d.childCount, items: d.children }, (r) => this.procLink(r), 'children'),
      this.list('Files written', d.written, (a) => this.fileLink(a), 'written'),
      this.list('Files read', d.read, (a) => this.fileLink(a), 'read'),
      this.list('Files probed (not found)', d.probed, (a) => this.fileLink(a), 'probed'),
      h('section.dsec', {}, h('h4', {}, `Environment `, h('small', {}, count(d.env.length)), ' ', toggle), env),
    );
  }

  /** The programs a process exec'd in a row (a shell's line that exec'd its last command, `nice make`), in order; nothing when it exec'd one. */
  private chain(execs: Array<{ at: number; exe: string; cmd: string; cwd: string }>): HTMLElement | string {
    if (!execs?.length) return '';
    const ol = h('ol.chain');
    for (const x of execs) {
      const cmd = h('code.filterable', { title: `${x.exe} in ${x.cwd}` }, x.cmd);
      cmd.dataset.filter = fieldFilter('exe', x.exe);
      ol.append(h('li', {}, h('small', {}, `+${dur(x.at)} `), cmd));
    }
    return h('section.dsec.chain', {}, h('h4', {}, 'Programs exec\'d ', h('small', {}, `${execs.length}, the last is the command line's`)), ol);
  }

  private showFile(d: any): void {
    clear(this.body);
    const copy = h('button.copy', { title: 'copy the path', onclick: () => copyText(d.path, copy) }, 'Copy');
    const go = (dir: 'deps' | 'rdeps') => store.set({ rtab: 'graph', dir });
    const pathEl = h('span.filterable.path', {}, d.path);
    pathEl.dataset.filter = fieldFilter('path', d.path);
    this.body.append(
      heading(d.path.slice(d.path.lastIndexOf('/') + 1) || d.path, `file ${d.id}`),
      h('section.dsec', {}, h('h4', {}, 'Path ', copy), pathEl),
      h(
        'dl',
        {},
        this.field('kind', d.kind),
        this.field('access', d.kinds.join(', ')),
        this.field('created', d.created ? 'yes: the build made it' : 'no'),
        this.field('removed', d.removed ? 'yes: gone at the end' : 'no'),
      ),
      this.api.kind === 'static'
        ? h('p.hint.static-graph', {}, STATIC_NOTE)
        : h(
            'div.actions',
            {},
            h('button#show-deps', { onclick: () => go('deps') }, 'Provenance (what it was made from)'),
            h('button#show-rdeps', { onclick: () => go('rdeps') }, 'Impact (what was made from it)'),
          ),
      this.list('Written by', d.writers, (r) => this.procLink(r), 'writers'),
      this.list('Read by', d.readers, (r) => this.procLink(r), 'readers'),
      this.list('Looked for by', d.probers, (r) => this.procLink(r), 'probers'),
      d.others.total ? this.list('Other uses (stat, list)', d.others, (r) => this.procLink(r), 'others') : '',
    );
  }
}

/** The pane's heading: a name too long for the pane ends in an ellipsis (the whole of it in the title), what it is stays in view. */
function heading(name: string, what: string, cls = ''): HTMLElement {
  return h('h3', { class: cls, title: `${name} ${what}` }, h('b', {}, name), h('span.what', {}, what));
}

function copyText(text: string, button: HTMLElement): void {
  const done = () => {
    button.textContent = 'Copied';
    setTimeout(() => (button.textContent = 'Copy'), 1200);
  };
  if (navigator.clipboard?.writeText) navigator.clipboard.writeText(text).then(done, () => fallbackCopy(text, done));
  else fallbackCopy(text, done);
}

function fallbackCopy(text: string, done: () => void): void {
  const ta = h('textarea', { style: 'position:fixed;left:-9999px' });
  ta.value = text;
  document.body.append(ta);
  ta.select();
  document.execCommand('copy');
  ta.remove();
  done();
}
