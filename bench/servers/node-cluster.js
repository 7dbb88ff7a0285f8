// node:cluster with WORKERS workers (default 1) serving the same hello world.
import cluster from 'node:cluster';
import http from 'node:http';
const port = Number(process.env.PORT ?? 8000);
const workers = Number(process.env.WORKERS ?? 1);
if (cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
} else {
  http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('Hello, World!');
  }).listen(port, '127.0.0.1');
}
