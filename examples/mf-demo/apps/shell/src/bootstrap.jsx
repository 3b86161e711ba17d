import { createRoot } from 'react-dom/client';
import { loadRemoteApp } from './remotes.js';

const config = await fetch('/mf-demo.config.json').then((r) => r.json());
function Slot({ name }) {
  const ref = (el) => {
    if (!el) return;
    loadRemoteApp(name, config).then(({ mount }) => mount(el, {}));
  };
  return <section data-remote={name} ref={ref} />;
}
createRoot(document.getElementById('root')).render(
  <main>
    <Slot name="home" />
    <Slot name="profile" />
  </main>,
);
