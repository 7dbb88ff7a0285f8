// Fastify 5 serving the bench routes (see routes.js) on 127.0.0.1:$PORT.
import Fastify from 'fastify';
import { HELLO, ONE_MIB } from './routes.js';
const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
app.get('/', async (req, reply) => {
  reply.type('text/plain');
  return HELLO;
});
app.post('/echo', async (req) => req.body);
app.get('/1mb', async (req, reply) => {
  reply.type('application/octet-stream');
  return ONE_MIB;
});
await app.listen({ port: Number(process.env.PORT ?? 8000), host: '127.0.0.1' });
