// A DOM for React under node (happy-dom), and helpers to render, act and count renders.
import { Window } from 'happy-dom';

const window = new Window({ url: 'http://127.0.0.1/' });
for (const name of ['window', 'document', 'navigator', 'Node', 'Element', 'HTMLElement', 'Text', 'Event',
  'MutationObserver', 'getComputedStyle', 'requestAnimationFrame', 'cancelAnimationFrame']) {
  if (!(name in globalThis) || name === 'window' || name === 'document' || name === 'navigator') {
    Object.defineProperty(globalThis, name, { value: name === 'window' ? window : window[name], configurable: true, writable: true });
  }
}
globalThis.IS_REACT_ACT_ENVIRONMENT = true;

export { window };
