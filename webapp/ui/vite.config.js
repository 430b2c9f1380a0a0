// The web app's build: served by webapp under /app/, into ../dist.
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';
import { devFixtures } from './dev/fixtures.js';

// `npm run dev` proxies GraphQL (HTTP and WebSocket) to a running ArticleKit
// gateway, and answers /app/config.json and /app/status.json from dev/
// unless ARTICLEKIT_FIXTURES=0, when they are proxied too.
const target = process.env.ARTICLEKIT_URL ?? 'http://127.0.0.1:18280';
const fixtures = process.env.ARTICLEKIT_FIXTURES !== '0';

export default defineConfig({
  base: '/app/',
  plugins: [preact(), fixtures && devFixtures()],
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    sourcemap: false,
    modulePreload: { polyfill: false },
    reportCompressedSize: true,
  },
  server: {
    host: '127.0.0.1',
    port: Number(process.env.PORT ?? 18173),
    strictPort: true,
    proxy: {
      '/graphql': {
        target,
        ws: true,
        changeOrigin: true,
        // The GraphQL API behind the gateway checks a WebSocket's Origin
        // against its own host, which the dev server's origin is not; a
        // handshake without Origin (not from a browser page) passes.
        configure: (proxy) => proxy.on('proxyReqWs', (req) => req.removeHeader('Origin')),
      },
      ...(fixtures ? {} : { '/app/config.json': { target, changeOrigin: true }, '/app/status.json': { target, changeOrigin: true } }),
    },
  },
  test: {
    include: ['test/**/*.test.js'],
    environment: 'node',
  },
});
