// The bench routes as an Express 5 app (default export, never listen()ed): served by tusk
// (tusk -w 1 bench/servers/express-app.js) and by express-listen.js on node:http.
import express from 'express';
import { HELLO, ONE_MIB } from './routes.js';
const app = express();
app.get('/', (req, res) => {
  res.type('text/plain').send(HELLO);
});
app.post('/echo', express.json({ limit: '1mb' }), (req, res) => {
  res.json(req.body);
});
app.get('/1mb', (req, res) => {
  res.type('application/octet-stream').send(ONE_MIB);
});
export default app;
