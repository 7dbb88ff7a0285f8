// node:http serving the bench routes (routes.js) on 127.0.0.1:$PORT: the baseline of every ratio.
import http from 'node:http';
import { listener } from './routes.js';
http.createServer(listener).listen(Number(process.env.PORT ?? 8000), '127.0.0.1');
