import { createRoot } from 'react-dom/client';
export function mount(element, props) {
  const root = createRoot(element);
  root.render(<h2>home</h2>);
  return () => root.unmount();
}
