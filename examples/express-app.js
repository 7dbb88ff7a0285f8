// An unchanged Express app, served by Node's http on tusk's workers: `npx tusk examples/express-app.js -w 2`
import express from 'express';

const app = express();
app.use(express.json());
app.get('/', (req, res) => res.send(`Hello from tusk worker ${process.pid}\n`));
app.post('/echo', (req, res) => res.json(req.body));

export default app;
