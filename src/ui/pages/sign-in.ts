import { errorBox, field, h } from '../dom.js';
import { signIn } from '../session.js';

/** The master key or a gateway key; checked against the gateway before anything else is shown. */
export function signInPage(done: () => void, signedOutBecause?: string): HTMLElement {
  const input = h('input', { type: 'password', id: 'sign-in-key', autocomplete: 'off', placeholder: 'master key or mg-… (empty in open local mode)' });
  const status = h('div', {}, signedOutBecause ? errorBox(`Signed out: the gateway refused the key. ${signedOutBecause}`) : null);
  const form = h(
    'form',
    {
      class: 'card sign-in',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        status.replaceChildren();
        try {
          await signIn(input.value.trim());
          done();
        } catch (err) {
          status.append(errorBox(err));
        }
      },
    },
    h('h1', {}, 'Moongate'),
    h('p', { class: 'muted' }, 'Sign in with the master key, or a gateway key to see its own requests only. The key stays in this tab.'),
    field('Key', input),
    h('button', { type: 'submit', id: 'sign-in-submit' }, 'Sign in'),
    status,
  );
  return h('div', { class: 'center' }, form);
}
