import { whenUnauthorized } from './api.js';
import { h, mount } from './dom.js';
import { currentRole, signOut } from './session.js';
import type { Role } from './session.js';
import { keysPage } from './pages/keys.js';
import { logDetailPage } from './pages/log-detail.js';
import { logsPage } from './pages/logs.js';
import { overviewPage } from './pages/overview.js';
import { playgroundPage } from './pages/playground.js';
import { providersPage } from './pages/providers.js';
import { signInPage } from './pages/sign-in.js';

/** A page renders into its container and may return a cleanup (timers, charts) run on leaving. */
export type PageRender = (root: HTMLElement, arg: string) => void | (() => void) | Promise<void | (() => void)>;

const PAGES: { path: string; title: string; render: PageRender; admin?: boolean }[] = [
  { path: 'overview', title: 'Overview', render: overviewPage },
  { path: 'logs', title: 'Logs', render: logsPage },
  { path: 'keys', title: 'Keys', render: keysPage, admin: true },
  { path: 'providers', title: 'Providers', render: providersPage, admin: true },
  { path: 'playground', title: 'Playground', render: playgroundPage },
];

const app = document.getElementById('app')!;
let cleanup: (() => void) | void = undefined;
/** Counts navigations: a page whose render finishes after the next navigation is stale. */
let navigation = 0;

/** Why the gateway refused the key, carried over the reload to the sign-in form. */
const REFUSED = 'moongate.refused-because';
whenUnauthorized((why) => {
  signOut();
  // Said on the sign-in form: a tab that just drops to it looks like a glitch, not a revoked key
  // or a master key that was changed.
  sessionStorage.setItem(REFUSED, why);
  location.hash = '#/sign-in';
  // A fresh page, as Sign out gives: the next key to sign in on this tab must not find the last
  // one's filters (customer names, models) in the pages' memory.
  location.reload();
});
let signedOutBecause: string | undefined = sessionStorage.getItem(REFUSED) ?? undefined;
sessionStorage.removeItem(REFUSED);

/** Hash routes (#/logs, #/logs/<id>…) so the gateway serves one file for every page. */
async function route(): Promise<void> {
  const mine = ++navigation;
  if (typeof cleanup === 'function') cleanup();
  cleanup = undefined;
  // What follows `?` is the page's own state (the logs' filters): not part of the route.
  const path = location.hash.replace(/^#\/?/, '');
  const [name = '', ...rest] = (path.includes('?') ? path.slice(0, path.indexOf('?')) : path).split('/');
  const role = currentRole();
  if (role === null) {
    // Back to the page asked for (a bookmark, a shared link to a record): setting the hash it
    // already has would fire no hashchange and leave the sign-in form on screen.
    titled('Sign in');
    mount(app, signInPage(() => void route(), signedOutBecause));
    signedOutBecause = undefined;
    return;
  }
  if (name === 'sign-in' || name === '') {
    location.hash = '#/overview';
    return;
  }
  const page = name === 'logs' && rest.length > 0 ? { path: 'logs', render: logDetailPage } : PAGES.find((p) => p.path === name && (!p.admin || role === 'admin'));
  const main = h('main', { id: 'page' });
  titled(name === 'logs' && rest.length > 0 ? `Request ${decoded(rest.join('/')) ?? ''}` : (PAGES.find((p) => p.path === name)?.title ?? 'No such page'));
  mount(app, shell(role, name), main);
  if (!page) {
    // A link to an admin page opened with a gateway key: say why it is not shown.
    const admin = PAGES.find((p) => p.path === name && p.admin);
    mount(main, h('p', {}, admin ? `The ${admin.title} page needs the master key; this tab is signed in with a gateway key.` : 'No such page.'));
    return;
  }
  const arg = decoded(rest.join('/'));
  if (arg === undefined) {
    mount(main, h('p', {}, 'No such page (the address is not valid percent-encoding).'));
    return;
  }
  const done = await page.render(main, arg);
  // A page that rendered slowly (a record from a slow store) must not take the place of the
  // cleanup of the page navigated to meanwhile: that page's timers (live tail) would outlive it.
  if (mine === navigation) cleanup = done;
  else if (typeof done === 'function') done();
}

/** The tab's title names the page: the back button's list of entries read "Moongate" for each. */
function titled(page: string): void {
  document.title = `${page} · Moongate`;
}

/** A hand-edited or truncated link (`#/logs/%E0`) is not a page, rather than a blank one. */
function decoded(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}

function shell(role: Role, active: string): HTMLElement {
  return h(
    'header',
    { class: 'top' },
    h('span', { class: 'brand' }, 'Moongate'),
    h(
      'nav',
      {},
      PAGES.filter((p) => !p.admin || role === 'admin').map((p) => h('a', { href: `#/${p.path}`, class: p.path === active ? 'active' : null }, p.title)),
    ),
    h('span', { class: 'who' }, role === 'admin' ? 'master key' : 'gateway key'),
    h(
      'button',
      {
        class: 'link',
        id: 'sign-out',
        onclick: () => {
          signOut();
          location.hash = '#/sign-in';
          // A fresh page: nothing of the previous key's data (filters, tables) stays in memory.
          location.reload();
        },
      },
      'Sign out',
    ),
  );
}

window.addEventListener('hashchange', () => void route());
void route();
