// Express on node:http: express-app.js listening on 127.0.0.1:$PORT.
import app from './express-app.js';
app.listen(Number(process.env.PORT ?? 8000), '127.0.0.1');
