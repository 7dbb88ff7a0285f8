// The bench routes as a fetch-style app ({ fetch(Request) -> Response }), self-contained so that
// Bun (bun-listen.js), Deno (`deno serve`) and tusk's fetch interface, once it exists, run the
// same file: GET / hello world, POST /echo the JSON body re-serialised, GET /1mb 1 MiB of bytes.
const HELLO = 'Hello, World!';
const ONE_MIB = new Uint8Array(1024 * 1024).fill(0x78);

export default {
  async fetch(req) {
    const { pathname } = new URL(req.url);
    if (pathname === '/' && req.method === 'GET') {
      return new Response(HELLO, { headers: { 'content-type': 'text/plain' } });
    }
    if (pathname === '/echo' && req.method === 'POST') {
      return new Response(JSON.stringify(await req.json()), { headers: { 'content-type': 'application/json' } });
    }
    if (pathname === '/1mb' && req.method === 'GET') {
      return new Response(ONE_MIB, { headers: { 'content-type': 'application/octet-stream' } });
    }
    return new Response('not found', { status: 404, headers: { 'content-type': 'text/plain' } });
  },
};
