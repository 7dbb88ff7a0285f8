// @hono/node-server serving hono-app.js on 127.0.0.1:$PORT.
import { serve } from '@hono/node-server';
import app from './hono-app.js';
serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 8000), hostname: '127.0.0.1' });
