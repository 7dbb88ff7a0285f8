// node:http hello world, the baseline every tusk figure is compared with.
import http from 'node:http';
const port = Number(process.env.PORT ?? 8000);
http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('Hello, World!');
}).listen(port, '127.0.0.1');
