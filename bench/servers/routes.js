// The routes every node-style bench server answers identically, shared so that the servers differ
// only in the machinery around them: GET / -> 'Hello, World!' (text/plain), POST /echo -> the JSON
// body parsed and serialised again, GET /1mb -> 1 MiB of bytes. Anything else is 404.
export const HELLO = 'Hello, World!';
export const ONE_MIB = Buffer.alloc(1024 * 1024, 'x');

/** A plain (req, res) listener with the three routes. */
export function listener(req, res) {
  if (req.url === '/' && req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(HELLO);
  } else if (req.url === '/echo' && req.method === 'POST') {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let body;
      try {
        body = JSON.stringify(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end('bad json');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
  } else if (req.url === '/1mb' && req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': ONE_MIB.length });
    res.end(ONE_MIB);
  } else {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  }
}
