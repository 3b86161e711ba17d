// @mfstate/redux-micro-frontend: redux-micro-frontend 1.3's GlobalStore on mfstate. Change
// `from 'redux-micro-frontend'` to `from '@mfstate/redux-micro-frontend'` and pass GlobalStore.Get
// your App handle; docs/web-migration.md lists every call.
export { GlobalStore, type IAction } from './global-store.js';
export { AbstractLogger, ConsoleLogger, type LoggerLike } from './logger.js';
