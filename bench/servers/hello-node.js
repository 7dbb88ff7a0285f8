// The same hello world as a tusk app (node interface): tusk -w 1 bench/servers/hello-node.js
export default function hello(req, res) {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('Hello, World!');
}
