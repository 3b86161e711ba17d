// An asynchronous boundary: webpack loads the shared modules (React, @mfstate/core) from the
// page's share scope before anything that imports them runs.
import('./bootstrap.jsx');
