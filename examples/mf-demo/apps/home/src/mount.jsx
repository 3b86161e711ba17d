// Home's only entry point for the shell (exposed as "./mount"): render into `element`, acting as
// the app whose handle the shell passes. Returns what the shell calls to unmount.
import { AppProvider } from '@mfstate/react';
import { createRoot } from 'react-dom/client';
import { Home } from './Home.jsx';

export function mount(element, { app }) {
  const root = createRoot(element);
  root.render(
    <AppProvider app={app}>
      <Home />
    </AppProvider>,
  );
  return () => root.unmount();
}
