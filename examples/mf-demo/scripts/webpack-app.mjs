// The webpack 5 + Module Federation 2.0 configuration every app of the demo builds with. Each
// app calls it from its own webpack.config.mjs and is built on its own (as separate teams
// build and deploy them); what they agree on is only the share scope below.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ModuleFederationPlugin } from '@module-federation/enhanced/webpack';
import { EsbuildPlugin } from 'esbuild-loader';
import { appBuildDir, demoDir } from './paths.mjs';

const require = createRequire(import.meta.url);

/**
 * The modules every app takes from the page's one share scope. Singletons: one React (hooks break
 * with two), and above all one @mfstate/core, whose host and query cache exist once per page.
 */
export function sharedModules() {
  // Read from the demo's node_modules (not every package exports its package.json).
  const version = (name) => JSON.parse(readFileSync(path.join(demoDir, 'node_modules', name, 'package.json'), 'utf8')).version;
  const one = (name, as = name) => ({ singleton: true, requiredVersion: `^${version(as)}` });
  return {
    react: one('react'),
    'react/jsx-runtime': one('react/jsx-runtime', 'react'),
    'react-dom': one('react-dom'),
    'react-dom/client': one('react-dom/client', 'react-dom'),
    '@mfstate/core': one('@mfstate/core'),
    '@mfstate/react': one('@mfstate/react'),
  };
}

/**
 * A webpack configuration for app `name` whose sources are in `dir` (src/index.js the entry).
 * `exposes`: what a remote offers the shell. `variant`: a second build of the same app under
 * another folder name ("profile-v2"). `define`: compile-time constants. `shared`: the share scope
 * (default sharedModules()). `plugins`: more webpack plugins.
 */
export function appConfig({ name, dir, exposes, variant, define = {}, shared = sharedModules(), alias = {}, plugins = [] }) {
  const isRemote = exposes !== undefined;
  return {
    name: variant ?? name,
    context: dir,
    mode: process.env.MFDEMO_MODE ?? 'production',
    devtool: 'source-map',
    // A remote's only entry is the remoteEntry.js the plugin makes.
    entry: isRemote ? {} : { main: './src/index.js' },
    target: 'web',
    output: {
      path: appBuildDir(variant ?? name),
      // Chunks load from wherever this app is served (a remote's chunks from its own origin).
      publicPath: 'auto',
      uniqueName: name,
      filename: '[name].js',
      chunkFilename: '[name].[contenthash:8].js',
      clean: true,
    },
    resolve: {
      extensions: ['.js', '.jsx', '.mjs'],
      alias: {
        // One React for the app and every package it uses, whatever folder a package sits in.
        react: path.dirname(require.resolve('react/package.json')),
        'react-dom': path.dirname(require.resolve('react-dom/package.json')),
        ...alias,
      },
    },
    module: {
      rules: [
        {
          test: /\.jsx?$/,
          exclude: /node_modules/,
          loader: 'esbuild-loader',
          options: { loader: 'jsx', jsx: 'automatic', target: 'es2022' },
        },
      ],
    },
    plugins: [
      new ModuleFederationPlugin({
        name: name.replace(/-/g, '_'),
        ...(isRemote ? { filename: 'remoteEntry.js', exposes } : { remotes: {} }),
        shared,
        manifest: true,
        dts: false,
      }),
      new (require('webpack').DefinePlugin)(
        Object.fromEntries(Object.entries(define).map(([k, v]) => [k, JSON.stringify(v)])),
      ),
      ...plugins,
    ],
    // esbuild minifies about ten times faster than terser, to within a few per cent of its size.
    // `format` stays unset: esbuild-loader would otherwise wrap each file in an IIFE, hiding the
    // global a remote's remoteEntry.js declares for the shell to find.
    optimization: {
      minimizer: [new EsbuildPlugin({ target: 'es2022', format: undefined, legalComments: 'none' })],
    },
    performance: { hints: false },
    stats: 'errors-warnings',
    infrastructureLogging: { level: 'error' },
  };
}
