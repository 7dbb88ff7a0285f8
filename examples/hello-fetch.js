// A fetch handler on tusk's native engine: `npx tusk examples/hello-fetch.js -w 2`
export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (request.method === 'POST' && pathname === '/echo') return Response.json(await request.json());
    return new Response(`Hello from tusk worker ${process.pid}\n`, { headers: { 'content-type': 'text/plain' } });
  },
};
