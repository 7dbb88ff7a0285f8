// node:cluster with $WORKERS workers (default 1) serving the bench routes (routes.js) on
// 127.0.0.1:$PORT.
import cluster from 'node:cluster';
import http from 'node:http';
import { listener } from './routes.js';
const workers = Number(process.env.WORKERS ?? 1);
if (cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
} else {
  http.createServer(listener).listen(Number(process.env.PORT ?? 8000), '127.0.0.1');
}
