// A plain Node request listener: `npx tusk examples/hello-node.js -w 2`
export default function hello(req, res) {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(`Hello from tusk worker ${process.pid}\n`);
}
