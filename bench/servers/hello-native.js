// The bench routes on tusk's native interface (`tusk --interface native`): GET / hello world,
// POST /echo the JSON body re-serialised, GET /1mb 1 MiB of bytes. Each response is one native call.
import { HELLO, ONE_MIB } from './routes.js';

export default function handle(req, res) {
  const { method, url } = req;
  if (url === '/' && method === 'GET') {
    res.setHeader('content-type', 'text/plain');
    return res.end(HELLO);
  }
  if (url === '/echo' && method === 'POST') {
    return req.json().then(
      (body) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(body));
      },
      () => {
        res.status = 400;
        res.end('bad json');
      },
    );
  }
  if (url === '/1mb' && method === 'GET') {
    res.setHeader('content-type', 'application/octet-stream');
    return res.end(ONE_MIB);
  }
  res.status = 404;
  res.end('not found');
}
