// A DOM for React under node: happy-dom's window, document and the classes react-dom looks up on
// the global object (node's own Event, navigator, … are replaced by the page's). Import it first.
import { Window } from 'happy-dom';

const window = new Window({ url: 'http://127.0.0.1/' });
Object.defineProperty(globalThis, 'window', { value: window, configurable: true, writable: true });
for (const name of ['document', 'navigator', 'Node', 'Element', 'HTMLElement', 'Text', 'Event',
  'MutationObserver', 'getComputedStyle', 'requestAnimationFrame', 'cancelAnimationFrame']) {
  Object.defineProperty(globalThis, name, { value: window[name], configurable: true, writable: true });
}
// React's act() warns unless the environment says it is a test.
globalThis.IS_REACT_ACT_ENVIRONMENT = true;

export { window };
