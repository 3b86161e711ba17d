// Rendering under node for the tests: a happy-dom document (dom.mjs), a root per test, act(), and
// a deferred promise to answer a queryFn when the test says so (no timers, no sleeps).
import './dom.mjs';
import { act, Component, createElement } from 'react';
import { createRoot } from 'react-dom/client';

/** A root in a fresh container: render(element), renderInAct(element), text(), unmount(). */
export function mount() {
  const container = document.createElement('div');
  document.body.appendChild(container);
  const root = createRoot(container);
  return {
    container,
    render: (element) => act(async () => root.render(element)),
    /** root.render without act, for a caller already inside act (e.g. in startTransition). */
    renderInAct: (element) => root.render(element),
    text: () => container.textContent,
    unmount: async () => {
      await act(async () => root.unmount());
      container.remove();
    },
  };
}

/** A promise with its resolve and reject. */
export function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Runs `fn` (may be async) inside act and lets every microtask settle. */
export const settle = (fn = () => {}) => act(async () => { await fn(); });

export const h = createElement;

/** An error boundary showing `caught: <message>` in place of its children once one threw. */
export class Boundary extends Component {
  constructor(props) {
    super(props);
    this.state = { error: null };
  }
  static getDerivedStateFromError(error) {
    return { error };
  }
  render() {
    return this.state.error ? createElement('p', null, `caught: ${this.state.error.message}`) : this.props.children;
  }
}

/** Runs `fn` with console.error collected instead of printed (React reports caught errors there). */
export async function withConsoleErrors(fn) {
  const errors = [];
  const print = console.error;
  console.error = (...args) => errors.push(args.map(String).join(' '));
  try {
    await fn();
  } finally {
    console.error = print;
  }
  return errors;
}
