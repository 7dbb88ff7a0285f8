// Bun.serve running hello-fetch.js on 127.0.0.1:$PORT (bun bench/servers/bun-listen.js).
import app from './hello-fetch.js';
Bun.serve({ port: Number(process.env.PORT ?? 8000), hostname: '127.0.0.1', fetch: app.fetch });
