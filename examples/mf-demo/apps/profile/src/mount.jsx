import { createRoot } from 'react-dom/client';
export function mount(element, props) {
  const root = createRoot(element);
  root.render(<h2>profile</h2>);
  return () => root.unmount();
}
