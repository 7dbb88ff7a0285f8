// tusk, node interface, plain (req, res) listener with the bench routes (see routes.js):
//   tusk -w 1 bench/servers/tusk-listener.js
import { listener } from './routes.js';
export default listener;
