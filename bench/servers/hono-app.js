// The bench routes (see routes.js) as a Hono app; hono-listen.js serves it with @hono/node-server.
import { Hono } from 'hono';
import { HELLO, ONE_MIB } from './routes.js';
const app = new Hono();
app.get('/', (c) => c.text(HELLO));
app.post('/echo', async (c) => c.json(await c.req.json()));
app.get('/1mb', (c) => c.body(ONE_MIB, 200, { 'content-type': 'application/octet-stream' }));
export default app;
